package io.rxsync.support;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The databases tests use on the local PostgreSQL. Every name a test gives gets the suffix
 * of {@code RXSYNC_TEST_DB_SUFFIX} (default none), so that two checkouts can run their
 * suites side by side on one server without dropping each other's databases.
 */
public final class TestDatabase {

    public static final String USER = "postgres";
    private static final String SERVER = "jdbc:postgresql://127.0.0.1:5432/";
    private static final String SUFFIX = System.getenv().getOrDefault("RXSYNC_TEST_DB_SUFFIX", "");

    private TestDatabase() {
    }

    /** The real name of the test database a test calls {@code name}. */
    public static String name(String name) {
        return name + SUFFIX;
    }

    /** Drops and re-creates that test database; returns its JDBC URL. */
    public static String fresh(String name) throws SQLException {
        try (Connection c = connectToMaintenanceDatabase(); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + name(name) + " WITH (FORCE)");
            s.execute("CREATE DATABASE " + name(name));
        }
        return url(name);
    }

    public static String url(String name) {
        return SERVER + name(name);
    }

    public static Connection connect(String name) throws SQLException {
        return DriverManager.getConnection(url(name), USER, "");
    }

    /** The server's own {@code postgres} database, which belongs to no test. */
    public static Connection connectToMaintenanceDatabase() throws SQLException {
        return DriverManager.getConnection(SERVER + "postgres", USER, "");
    }
}
