package io.rxsync.ops;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.StartupEvent;
import io.rxsync.replication.CollectionRegistry;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.flywaydb.core.Flyway;
import org.jboss.logging.Logger;

/**
 * The {@code validate} schema task. Reaching startup means both checks that run before it
 * passed: Flyway validated the history against the migrations in the jar (nothing pending,
 * no checksum changed, nothing applied that the jar lacks) and Hibernate validated every
 * entity against its table. A team's migrations ({@link TeamMigrations}) are validated
 * here the same way against their own history. The collection declarations are compiled before the success is
 * announced (the registry is a dependency), so a bad one fails the task with its message.
 * Any failure stops startup with a non-zero exit; here the success ends the process with 0
 * before it serves anything.
 */
@ApplicationScoped
class SchemaValidationExit {

    private static final Logger LOG = Logger.getLogger(SchemaValidationExit.class);

    private final SchemaTaskConfig config;
    private final CollectionRegistry collections;
    private final TeamMigrations teamMigrations;
    private final Flyway flyway;

    SchemaValidationExit(SchemaTaskConfig config, CollectionRegistry collections, TeamMigrations teamMigrations,
            Flyway flyway) {
        this.config = config;
        this.collections = collections;
        this.teamMigrations = teamMigrations;
        this.flyway = flyway;
    }

    void onStart(@Observes @Priority(1) StartupEvent event) {
        if (config.validateAndExit()) {
            teamMigrations.validate(flyway.getConfiguration());
            LOG.infof("schema valid: the database is at the head of the migrations, matches the entities and "
                    + "declares %d collections the server can serve", collections.all().size());
            Quarkus.asyncExit(0);
        }
    }
}
