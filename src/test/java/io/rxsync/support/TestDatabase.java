package io.rxsync.support;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/** Throw-away databases on the local PostgreSQL, for tests that need a schema state of their own. */
public final class TestDatabase {

    public static final String USER = "postgres";
    private static final String SERVER = "jdbc:postgresql://127.0.0.1:5432/";

    private TestDatabase() {
    }

    /** Drops and re-creates a database of that name; returns its JDBC URL. */
    public static String fresh(String name) throws SQLException {
        try (Connection c = DriverManager.getConnection(SERVER + "postgres", USER, "");
             Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
            s.execute("CREATE DATABASE " + name);
        }
        return url(name);
    }

    public static String url(String name) {
        return SERVER + name;
    }

    public static Connection connect(String name) throws SQLException {
        return DriverManager.getConnection(url(name), USER, "");
    }
}
