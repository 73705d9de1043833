package io.rxsync.ops;

import io.quarkus.flyway.FlywayConfigurationCustomizer;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.List;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.callback.Callback;
import org.flywaydb.core.api.callback.Context;
import org.flywaydb.core.api.callback.Event;
import org.flywaydb.core.api.configuration.Configuration;
import org.flywaydb.core.api.configuration.FluentConfiguration;
import org.jboss.logging.Logger;

/**
 * The migrations of a team that runs our image and cannot rebuild it: a directory on the
 * filesystem ({@code RXSYNC_MIGRATIONS_DIR}, mounted from a ConfigMap or a volume) applied
 * right after ours, wherever ours are applied (migrate at start, the {@code migrate} task).
 * <p>
 * Quarkus fixes {@code quarkus.flyway.locations} at build and scans them at build, so the
 * directory gets its own Flyway run, with its own history table. One shared history would
 * not do: a team's V1 would collide with our V1, and once a team's V100 is applied our next
 * release's V26 would be "out of order" and refused (or, with out-of-order on, applied in
 * an order nobody tested). Two histories keep the two numberings apart: ours always apply
 * first and in order, the team's follow and may use every function our migrations provide
 * ({@code rxsync_declare_collection}). They run as the same owning role with the same
 * placeholders ({@code ${app_role}}), and a failing one of ours leaves theirs unapplied.
 */
@Singleton
class TeamMigrations implements FlywayConfigurationCustomizer {

    /** The team's schema history, next to our {@code flyway_schema_history}. */
    static final String HISTORY_TABLE = "rxsync_team_schema_history";

    private static final Logger LOG = Logger.getLogger(TeamMigrations.class);

    private final TeamMigrationsConfig config;

    TeamMigrations(TeamMigrationsConfig config) {
        this.config = config;
    }

    /** Hooks the team's run onto the end of every successful migrate of ours. */
    @Override
    public void customize(FluentConfiguration ours) {
        config.extraDir().ifPresent(dir -> {
            List<Callback> callbacks = new ArrayList<>(List.of(ours.getCallbacks()));
            callbacks.add(new AfterOurMigrate(dir));
            ours.callbacks(callbacks.toArray(Callback[]::new));
        });
    }

    /** The {@code validate} task's check of the team's history (nothing pending, no checksum changed). */
    void validate(Configuration ours) {
        config.extraDir().ifPresent(dir -> flyway(ours, dir).validate());
    }

    /** The team's Flyway: our connection and placeholders, their directory and history. */
    static Flyway flyway(Configuration ours, String dir) {
        return Flyway.configure(TeamMigrations.class.getClassLoader())
                .dataSource(ours.getDataSource())
                .defaultSchema(ours.getDefaultSchema())
                .schemas(ours.getSchemas())
                .placeholders(ours.getPlaceholders())
                .locations("filesystem:" + dir)
                // a missing or unreadable mount must stop the rollout, not pass as "nothing to do"
                .failOnMissingLocations(true)
                .table(HISTORY_TABLE)
                // the schema is never empty here (ours ran first): start the team's history
                // below any version a team would use, so that their V1 applies
                .baselineOnMigrate(true)
                .baselineVersion("0")
                .baselineDescription("<< Team baseline >>")
                .load();
    }

    private static final class AfterOurMigrate implements Callback {

        private final String dir;

        AfterOurMigrate(String dir) {
            this.dir = dir;
        }

        @Override
        public boolean supports(Event event, Context context) {
            return event == Event.AFTER_MIGRATE;
        }

        /** Their Flyway opens its own connections and takes its own lock: no transaction of ours around it. */
        @Override
        public boolean canHandleInTransaction(Event event, Context context) {
            return false;
        }

        @Override
        public void handle(Event event, Context context) {
            int applied = flyway(context.getConfiguration(), dir).migrate().migrationsExecuted;
            LOG.infof("team migrations in %s: %d applied (history %s)", dir, applied, HISTORY_TABLE);
        }

        @Override
        public String getCallbackName() {
            return "rxsync-team-migrations";
        }
    }
}
