package io.rxsync.schema;

import io.rxsync.support.TestDatabase;
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
final class Migrations {

    /** Production migrations, then the test-only fixture collection of the README guide. */
    static final List<String> LOCATIONS = List.of("db/migration", "db/fixture/migration");

    private final String url;

    Migrations(String url) {
        this.url = url;
    }

    static Migrations onFreshDatabase(String name) throws SQLException {
        return new Migrations(TestDatabase.fresh(name));
    }

    String url() {
        return url;
    }

    Connection connect() throws SQLException {
        return java.sql.DriverManager.getConnection(url, TestDatabase.USER, "");
    }

    Flyway flyway() {
        return configure().load();
    }

    Flyway flywayUpTo(MigrationVersion target) {
        return configure().target(target).load();
    }

    private org.flywaydb.core.api.configuration.FluentConfiguration configure() {
        return Flyway.configure()
                .dataSource(url, TestDatabase.USER, "")
                .locations(LOCATIONS.stream().map(l -> "classpath:" + l).toArray(String[]::new));
    }

    /** Every versioned migration, oldest first, whether applied or not. */
    List<MigrationInfo> all() {
        return Arrays.asList(flyway().info().all());
    }

    /** The newest applied migration, or null on an empty database. */
    MigrationInfo current() {
        return flyway().info().current();
    }

    /** Runs the down script of the newest applied migration in one transaction. */
    void stepDown() throws SQLException, IOException {
        MigrationInfo current = current();
        if (current == null) {
            throw new IllegalStateException("nothing to step down from");
        }
        String script = read(downScriptOf(current.getScript()));
        try (Connection db = connect(); Statement st = db.createStatement()) {
            db.setAutoCommit(false);
            st.execute(script);
            db.commit();
        }
    }

    /** The classpath resource of the down script of a migration script such as {@code V4__x.sql}. */
    static String downScriptOf(String script) {
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
