package io.rxsync.bench;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The benchmark's own database, written as its owner ({@code postgres}) with plain SQL:
 * seeding a million rows through the API would measure the seeding, not the server.
 *
 * <p>Every seeded id is a number in a uuid ({@link #uuid}), so that pgbench scripts can
 * compute the same ids and checkpoints from a page number. Rows are inserted with
 * {@code session_replication_role = replica}: the per-row triggers stay off, and the
 * column default {@code pg_current_xact_id()} still stamps {@code change_xid} with the
 * seeding transaction, which is below the watermark once it commits, as a pull requires.
 */
final class BenchDatabase implements AutoCloseable {

    /** Users: 1 pulls, PUSH_USER.. push, CEILING_USER.. are pgbench's, GROWTH_* grow, STREAM_USER.. stream. */
    static final int PULL_USER = 1;
    static final int PUSH_USER = 2;
    static final int CEILING_USER = 40;
    static final int GROWTH_PULL_USER = 80;
    static final int GROWTH_PUSH_USER = 81;
    static final int FILLER_FIRST_USER = 100;
    static final int FILLER_USERS = 900;
    static final int STREAM_USER = 1001;

    static final String USER_PREFIX = "8000";
    static final String PULL_ORDER_PREFIX = "9000";
    static final String FILLER_ORDER_PREFIX = "a000";
    static final String CEILING_ORDER_PREFIX = "b000";
    static final String GROWTH_ORDER_PREFIX = "c000";

    private static final String SERVER = "jdbc:postgresql://127.0.0.1:5432/";
    private final String name;
    private final Connection connection;

    private BenchDatabase(String name, Connection connection) {
        this.name = name;
        this.connection = connection;
    }

    /** Drops the benchmark database of that name (only ever ours) and creates it empty. */
    static void recreate(String name) throws SQLException {
        if (!name.matches("[a-z_][a-z0-9_]*") || !name.contains("bench")) {
            throw new IllegalArgumentException("benchmark database names must contain 'bench': " + name);
        }
        try (Connection c = DriverManager.getConnection(SERVER + "postgres", "postgres", "");
             Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
            s.execute("CREATE DATABASE " + name);
        }
    }

    static BenchDatabase open(String name) throws SQLException {
        return new BenchDatabase(name, DriverManager.getConnection(SERVER + name, "postgres", ""));
    }

    static String jdbcUrl(String name) {
        return SERVER + name;
    }

    String name() {
        return name;
    }

    /** SQL of the uuid numbered {@code numberSql} in the family {@code prefix}. */
    static String uuid(String prefix, String numberSql) {
        return "('00000000-0000-4000-" + prefix + "-' || lpad(to_hex(" + numberSql + "), 12, '0'))::uuid";
    }

    /** The same uuid as text, computed here. */
    static String uuid(String prefix, long number) {
        return "00000000-0000-4000-" + prefix + "-" + String.format("%012x", number);
    }

    static String userId(int user) {
        return uuid(USER_PREFIX, user);
    }

    /** Users 1..count; they never log in (the benchmark signs their tokens), so no password hash. */
    void seedUsers(int count) throws SQLException {
        bulk("""
                INSERT INTO users (id, email, display_name, hashed_password)
                SELECT %s, 'bench' || g || '@example.test', 'Bench user ' || g, 'not-a-bcrypt-hash'
                FROM generate_series(1, %d) g""".formatted(uuid(USER_PREFIX, "g"), count));
    }

    /**
     * {@code count} orders of one user in ONE transaction: they share one change_xid, so
     * their pull order is their id order, and a page's checkpoint is (that xid, the id of
     * the page's last row) -- computable by pgbench from the page number.
     */
    void seedOrders(String idPrefix, long firstNumber, long count, String ownerSql) throws SQLException {
        bulk("""
                INSERT INTO orders (id, user_id, status, total_cents, currency, note, metadata)
                SELECT %s, %s,
                       (ARRAY['pending', 'paid', 'shipped', 'cancelled'])[g %% 4 + 1],
                       (g::bigint * 7919) %% 100000, 'EUR', 'Order number ' || g,
                       jsonb_build_object('channel', (ARRAY['web', 'ios', 'android'])[g %% 3 + 1],
                                          'paymentRef', 'pay_' || g)
                FROM generate_series(%d, %d) g""".formatted(
                uuid(idPrefix, "g"), ownerSql, firstNumber, firstNumber + count - 1));
    }

    /** Filler rows of 900 other users, numbered from {@code firstNumber}: they make the table big. */
    void seedFiller(long firstNumber, long count) throws SQLException {
        seedOrders(FILLER_ORDER_PREFIX, firstNumber, count,
                uuid(USER_PREFIX, FILLER_FIRST_USER + " + g % " + FILLER_USERS));
    }

    /** The change_xid all orders of one seeded family share (see {@link #seedOrders}). */
    long xidOf(String idPrefix, long number) throws SQLException {
        return queryLong("SELECT change_xid::text::bigint FROM orders WHERE id = '" + uuid(idPrefix, number) + "'");
    }

    long countOrders() throws SQLException {
        return queryLong("SELECT count(*) FROM orders");
    }

    void truncateOrders() throws SQLException {
        execute("TRUNCATE orders");
    }

    void analyze() throws SQLException {
        execute("VACUUM ANALYZE users, orders");
    }

    String postgresVersion() throws SQLException {
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery("SHOW server_version")) {
            rs.next();
            return rs.getString(1);
        }
    }

    void execute(String sql) throws SQLException {
        try (Statement s = connection.createStatement()) {
            s.execute(sql);
        }
    }

    long queryLong(String sql) throws SQLException {
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private void bulk(String sql) throws SQLException {
        try (Statement s = connection.createStatement()) {
            s.execute("SET session_replication_role = replica");
            s.execute(sql);
            s.execute("SET session_replication_role = origin");
        }
    }

    @Override
    public void close() throws SQLException {
        connection.close();
    }
}
