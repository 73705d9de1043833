package io.rxsync.support;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.List;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationVersion;

/**
 * The migrations of a test database, driven through the Flyway API, and the way back down
 * that Flyway community lacks: each {@code V<n>__name.sql} has a {@code U<n>__name.sql} in
 * the sibling {@code down} folder, which reverts it and removes its history row.
 */
public final class Migrations {

    /** Production migrations, then the test-only fixture collection of the README guide. */
    public static final List<String> LOCATIONS = List.of("db/migration", "db/fixture/migration");

    private final String url;

    public Migrations(String url) {
        this.url = url;
    }

    public static Migrations onFreshDatabase(String name) throws SQLException {
        return new Migrations(TestDatabase.fresh(name));
    }

    public String url() {
        return url;
    }

    public Connection connect() throws SQLException {
        return java.sql.DriverManager.getConnection(url, TestDatabase.USER, "");
    }

    public Flyway flyway() {
        return configure().load();
    }

    public Flyway flywayUpTo(MigrationVersion target) {
        return configure().target(target).load();
    }

    private org.flywaydb.core.api.configuration.FluentConfiguration configure() {
        return Flyway.configure()
                .dataSource(url, TestDatabase.USER, "")
                .placeholders(java.util.Map.of("app_role", APP_ROLE))
                .locations(LOCATIONS.stream().map(l -> "classpath:" + l).toArray(String[]::new));
    }

    /** Every versioned migration, oldest first, whether applied or not. */
    public List<MigrationInfo> all() {
        return Arrays.asList(flyway().info().all());
    }

    /** The runtime role the migrations grant to (the service's datasource user). */
    public static final String APP_ROLE = "rxsync_app";

    /** The newest applied migration, or null on an empty database. */
    public MigrationInfo current() {
        return flyway().info().current();
    }

    /** Runs the down script of the newest applied migration in one transaction. */
    public void stepDown() throws SQLException, IOException {
        MigrationInfo current = current();
        if (current == null) {
            throw new IllegalStateException("nothing to step down from");
        }
        String script = read(downScriptOf(current.getScript())).replace("${app_role}", APP_ROLE);
        try (Connection db = connect(); Statement st = db.createStatement()) {
            db.setAutoCommit(false);
            st.execute(script);
            db.commit();
        }
    }

    /** The classpath resource of the down script of a migration such as {@code V4__x.sql}. */
    public static String downScriptOf(String migration) {
        // the history holds the path when Quarkus applied it (db/migration/V4__x.sql)
        String script = migration.substring(migration.lastIndexOf('/') + 1);
        if (!script.startsWith("V")) {
            throw new IllegalArgumentException("not a versioned migration: " + script);
        }
        String down = "U" + script.substring(1);
        for (String location : LOCATIONS) {
            String candidate = location.replaceAll("migration$", "down") + "/" + down;
            if (Migrations.class.getClassLoader().getResource(candidate) != null) {
                return candidate;
            }
        }
        throw new IllegalStateException("no down script " + down + " beside " + script
                + " (expected in " + LOCATIONS.stream().map(l -> l.replaceAll("migration$", "down")).toList() + ")");
    }

    private static String read(String resource) throws IOException {
        try (InputStream in = Migrations.class.getClassLoader().getResourceAsStream(resource)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
