package io.rxsync.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.rxsync.support.Migrations;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The replication core's SQL against the real database, attacked the way a buggy or
 * compromised runtime role (rxsync_app, under row-level security) could attack it: every
 * attempt must fail, or be harmless, and change nothing (issue 12, items 2, 7, 8, 9, 10).
 * A database of its own, migrated to the head, so that nothing else writes meanwhile.
 */
class ReplicationSqlDefenseTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final CollectionSql ORDERS = new CollectionSql(Descriptors.orders());
    private static Migrations db;
    private static String alice;
    private static String bob;

    @BeforeAll
    static void migrateAndSeed() throws Exception {
        db = Migrations.onFreshDatabase("rxsync_sql_defense_test");
        db.flyway().migrate();
        alice = user("alice");
        bob = user("bob");
        try (Connection owner = db.connect(); Statement s = owner.createStatement()) {
            // enough rows of every user for the planner to consider parallel workers
            s.execute("INSERT INTO orders (id, user_id, status, total_cents, currency) SELECT gen_random_uuid(), u.id, "
                    + "'pending', g, 'EUR' FROM users u, generate_series(1, 5000) g");
            s.execute("ANALYZE orders");
        }
    }

    // ---- item 2: one watermark per statement, never one per parallel worker ----

    @Test
    void theWatermarkIsNeverEvaluatedInsideAParallelWorker() throws Exception {
        try (Connection app = runtimeRole(); Statement s = app.createStatement()) {
            app.setAutoCommit(false);
            s.execute("SELECT set_config('rxsync.scope', 'all-users', true)");
            // every cost that keeps a small table out of parallel plans set to zero
            for (String setting : List.of("parallel_setup_cost = 0", "parallel_tuple_cost = 0",
                    "min_parallel_index_scan_size = 0", "min_parallel_table_scan_size = 0",
                    "max_parallel_workers_per_gather = 2")) {
                s.execute("SET LOCAL " + setting);
            }
            for (String sql : List.of(ORDERS.pumpWindow, ORDERS.oldestUnpublishedAge)) {
                String explain = "EXPLAIN (VERBOSE, FORMAT JSON) " + sql.replace("$1", "'0'").replace("$2",
                        "'00000000-0000-0000-0000-000000000000'").replace("$3", "500");
                JsonNode plan;
                try (ResultSet rs = s.executeQuery(explain)) {
                    rs.next();
                    plan = JSON.readTree(rs.getString(1)).get(0).get("Plan");
                }
                List<String> inWorkers = new ArrayList<>();
                inWorkers(plan, false, inWorkers);
                assertEquals(List.of(), inWorkers, "evaluated by parallel workers:\n" + plan.toPrettyString());
            }
            app.rollback();
        }
    }

    /** Nodes below a Gather whose conditions call the watermark: each worker would compute its own. */
    private static void inWorkers(JsonNode node, boolean belowGather, List<String> found) {
        boolean parallel = belowGather || node.path("Node Type").asText().startsWith("Gather");
        if (belowGather && node.toString().contains("rxsync_watermark") && !node.has("Plans")) {
            found.add(node.path("Node Type").asText());
        }
        for (JsonNode child : node.path("Plans")) {
            // an InitPlan runs in the leader, whatever sits above it
            boolean initPlan = child.path("Parent Relationship").asText().equals("InitPlan");
            inWorkers(child, parallel && !initPlan, found);
        }
    }

    // ---- item 7: the caller's own transaction holds the watermark too ----

    @Test
    void theWatermarkNeverPassesTheCallersOwnWrites() throws Exception {
        // As the owner, who sees every session's transaction: only this database's count, so
        // nothing else running on the shared server happens to hold the watermark down.
        try (Connection app = db.connect(); Statement s = app.createStatement()) {
            app.setAutoCommit(false);
            s.execute("INSERT INTO orders (id, user_id, status, total_cents, currency) "
                    + "VALUES (gen_random_uuid(), '" + alice + "', 'pending', 1, 'EUR')");
            try (ResultSet rs = s.executeQuery("SELECT rxsync_watermark() <= pg_current_xact_id(), "
                    + "rxsync_watermark()::text, pg_current_xact_id()::text")) {
                rs.next();
                assertTrue(rs.getBoolean(1), "watermark " + rs.getString(2) + " passed our own xid " + rs.getString(3));
            }
            app.rollback();
        }
    }

    // ---- item 9: pinned search paths ----

    @Test
    void aTemporaryViewNamedLikeACatalogViewDoesNotMoveTheWatermark() throws Exception {
        try (Connection writer = db.connect(); Statement w = writer.createStatement();
             Connection app = runtimeRole(); Statement s = app.createStatement()) {
            writer.setAutoCommit(false);
            String xid;
            try (ResultSet rs = w.executeQuery("INSERT INTO orders (id, user_id, status, total_cents, currency) "
                    + "VALUES (gen_random_uuid(), '" + alice + "', 'pending', 1, 'EUR') RETURNING change_xid::text")) {
                rs.next();
                xid = rs.getString(1);
            }
            // the open writer looks as if it ran in another database: the watermark would skip it
            s.execute("CREATE TEMP VIEW pg_stat_activity AS SELECT '" + xid + "'::xid AS backend_xid, "
                    + "'elsewhere'::name AS datname, now() - interval '1000 years' AS xact_start");
            try (ResultSet rs = s.executeQuery("SELECT rxsync_watermark()::text, (rxsync_watermark_lag()).seconds")) {
                rs.next();
                assertTrue(Long.parseLong(rs.getString(1)) <= Long.parseLong(xid),
                        "watermark " + rs.getString(1) + " passed the open transaction " + xid);
                assertTrue(rs.getDouble(2) < 3600, "lag read from the temporary view: " + rs.getDouble(2));
            }
            writer.rollback();
        }
    }

    @Test
    void everySecurityDefinerFunctionAndTheWatermarkPinTheirSearchPathWithTempLast() throws Exception {
        List<String> unpinned = strings("""
                SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                WHERE n.nspname = 'public' AND (p.prosecdef OR p.proname LIKE 'rxsync\\_watermark%')
                  AND coalesce(p.proconfig, '{}') @> ARRAY['search_path=pg_catalog, pg_temp'] IS NOT TRUE
                ORDER BY 1""");
        assertEquals(List.of(), unpinned);
        List<String> parallelSafe = strings("SELECT proname FROM pg_proc WHERE proname = 'rxsync_watermark' AND proparallel = 's'");
        assertEquals(List.of(), parallelSafe, "the watermark must not be PARALLEL SAFE");
    }

    @Test
    void theRuntimeRoleCannotHardDeleteATombstoneBySettingThePurgeFlag() throws Exception {
        String id = tombstoneOf(alice);
        String before = rowText(id);
        try (Connection app = runtimeRole(); Statement s = app.createStatement()) {
            app.setAutoCommit(false);
            actFor(app, alice);
            s.execute("SELECT set_config('rxsync.purging', 'on', true)");
            s.executeUpdate("DELETE FROM orders WHERE id = '" + id + "'");
            app.commit();
        }
        assertEquals(before, rowText(id), "the tombstone is still there, unchanged");
    }

    // ---- item 8: the purge takes a collection name, nothing else ----

    @Test
    void theRuntimeRoleCannotChooseTheTableOwnerColumnOrCollectionOfAPurge() throws Exception {
        String tombstone = tombstoneOf(bob);
        String tables = tableText();
        try (Connection app = runtimeRole(); Statement s = app.createStatement()) {
            // the old signature, with which it chose the table and filed the horizon under a made-up name
            assertThrows(SQLException.class, () -> s.execute(
                    "SELECT rxsync_purge_tombstones('made-up', 'orders', 'user_id', interval '1 microsecond')"));
            SQLException unknown = assertThrows(SQLException.class, () -> s.execute(
                    "SELECT rxsync_purge_tombstones('made-up', interval '1 microsecond')"));
            assertTrue(unknown.getMessage().contains("no collection named made-up"), unknown.getMessage());
            // the catalog behind the name is the owner's alone
            assertThrows(SQLException.class, () -> s.executeQuery("SELECT * FROM rxsync_collections"));
            assertThrows(SQLException.class, () -> s.execute(
                    "UPDATE rxsync_collections SET owner_column = 'id' WHERE name = 'orders'"));
            assertThrows(SQLException.class, () -> s.execute(
                    "INSERT INTO rxsync_collections (name, table_name, owner_column) VALUES ('made-up', 'orders', 'user_id')"));
            // and the horizons are written by the purge only
            assertThrows(SQLException.class, () -> s.execute("INSERT INTO rxsync_tombstone_horizons "
                    + "(owner_key, collection, purged_xid) VALUES ('" + bob + "', 'orders', '1')"));
        }
        assertEquals(tables, tableText(), "nothing changed");
        assertFalse(rowText(tombstone).isEmpty());
    }

    @Test
    void aPurgeFilesTheHorizonUnderTheRealCollectionAndOwnerWhateverItsCallerSays() throws Exception {
        String tombstone = tombstoneOf(bob);
        try (Connection app = runtimeRole(); Statement s = app.createStatement();
             ResultSet rs = s.executeQuery("SELECT rxsync_purge_tombstones('orders', interval '1 microsecond')")) {
            rs.next();
            assertTrue(rs.getLong(1) >= 1);
        }
        assertEquals("", rowText(tombstone), "purged");
        assertEquals(List.of("orders " + tombstone), strings(
                "SELECT collection || ' ' || purged_id FROM rxsync_tombstone_horizons WHERE owner_key = '" + bob + "'"));
    }

    @Test
    void aTemporaryTableNamedLikeTheHorizonsCannotCatchWhatThePurgeRecords() throws Exception {
        String tombstone = tombstoneOf(alice);
        try (Connection app = runtimeRole(); Statement s = app.createStatement()) {
            s.execute("CREATE TEMP TABLE rxsync_tombstone_horizons (LIKE public.rxsync_tombstone_horizons INCLUDING ALL)");
            s.execute("CREATE TEMP TABLE rxsync_collections (name varchar(100) PRIMARY KEY, table_name regclass, owner_column name)");
            s.execute("INSERT INTO pg_temp.rxsync_collections (name, table_name, owner_column) VALUES ('orders', 'users', 'id')");
            s.execute("SELECT rxsync_purge_tombstones('orders', interval '1 microsecond')");
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_temp.rxsync_tombstone_horizons")) {
                rs.next();
                assertEquals(0, rs.getLong(1), "the purge wrote into the caller's temporary table");
            }
        }
        assertEquals("", rowText(tombstone), "purged from the real table");
        assertEquals(List.of(tombstone), strings("SELECT purged_id FROM rxsync_tombstone_horizons WHERE owner_key = '"
                + alice + "' AND collection = 'orders'"), "and the real horizon records it");
    }

    // ---- helpers ----

    private static String user(String name) throws SQLException {
        String id = UUID.randomUUID().toString();
        try (Connection owner = db.connect(); PreparedStatement p = owner.prepareStatement(
                "INSERT INTO users (id, email, display_name, hashed_password) VALUES (?::uuid, ?, ?, 'x')")) {
            p.setString(1, id);
            p.setString(2, name + "-" + id + "@example.test");
            p.setString(3, name);
            p.executeUpdate();
        }
        return id;
    }

    /** A new order of that user, deleted (a tombstone, as a client's delete leaves it). */
    private static String tombstoneOf(String userId) throws SQLException {
        String id = UUID.randomUUID().toString();
        try (Connection owner = db.connect(); Statement s = owner.createStatement()) {
            s.execute("INSERT INTO orders (id, user_id, status, total_cents, currency) VALUES ('" + id + "', '"
                    + userId + "', 'pending', 1, 'EUR')");
            s.execute("DELETE FROM orders WHERE id = '" + id + "'");
        }
        return id;
    }

    private static Connection runtimeRole() throws SQLException {
        String url = db.url();
        return DriverManager.getConnection(url, Migrations.APP_ROLE, "");
    }

    private static void actFor(Connection app, String userId) throws SQLException {
        try (Statement s = app.createStatement(); ResultSet rs = s.executeQuery("SELECT rxsync_act_for('" + userId + "')")) {
            rs.next();
            assertTrue(rs.getBoolean(1));
        }
    }

    /** The whole stored row as text, or "" when there is none. */
    private static String rowText(String id) throws SQLException {
        List<String> rows = strings("SELECT o::text FROM orders o WHERE id = '" + id + "'");
        return rows.isEmpty() ? "" : rows.get(0);
    }

    /** Everything the attacks could have changed, as text. */
    private static String tableText() throws SQLException {
        return String.join("\n", strings("SELECT count(*) || ' ' || count(*) FILTER (WHERE deleted) || ' '"
                + " || max(change_xid::text) FROM orders"))
                + strings("SELECT h::text FROM rxsync_tombstone_horizons h ORDER BY id")
                + strings("SELECT c::text FROM rxsync_collections c ORDER BY name");
    }

    private static List<String> strings(String sql) throws SQLException {
        List<String> values = new ArrayList<>();
        try (Connection owner = db.connect(); Statement s = owner.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                values.add(rs.getString(1));
            }
        }
        return values;
    }
}
