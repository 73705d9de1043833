package io.rxsync.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.rxsync.support.Migrations;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Indexes justified by EXPLAIN: with 200,000 orders of 1,000 users (and 50,000 notes), every
 * hot-path statement of {@link HotPathQueries} is planned as the server plans it when the
 * application sends it. A plan fails on a sequential scan of a replicated table, on a Sort where an index
 * should hand the rows out in order (more rows sorted than the statement wants), or when it does not use the index the query is for.
 */
class QueryPlanTest {

    private static final int USERS = 1_000;
    private static final int ORDERS = 200_000;
    private static final int NOTES = 50_000;
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Migrations db;
    private static Connection connection;
    /** The collections as the migrations declare them: the statements are the server's own. */
    private static Map<String, ReplicatedCollection> collections;

    @BeforeAll
    static void seed() throws Exception {
        db = Migrations.onFreshDatabase("rxsync_plans_test");
        db.flyway().migrate();
        connection = db.connect();
        collections = Descriptors.live(connection);
        try (Statement st = connection.createStatement()) {
            // Triggers off for the load, so that the rows get commit stamps spread over the past
            // as real traffic leaves them, instead of one transaction id for all. Every stamp
            // is below the watermark (the planner evaluates it when it estimates).
            st.execute("SET session_replication_role = replica");
            long below;
            try (ResultSet rs = st.executeQuery("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")) {
                rs.next();
                below = rs.getLong(1);
            }
            st.execute("""
                    INSERT INTO users (id, email, display_name, hashed_password, change_xid)
                    SELECT ('00000000-0000-4000-8000-' || lpad(to_hex(g), 12, '0'))::uuid,
                           'user' || g || '@example.test', 'User ' || g, 'not-a-hash', %s
                    FROM generate_series(1, %d) g""".formatted(stamp(below, USERS), USERS));
            // One order in fifty is pending (open orders are few); about one in a hundred deleted.
            st.execute("""
                    INSERT INTO orders (id, user_id, status, total_cents, currency, metadata, deleted,
                                        change_xid, created_at, updated_at)
                    SELECT ('00000000-0000-4000-9000-' || lpad(to_hex(g), 12, '0'))::uuid,
                           ('00000000-0000-4000-8000-' || lpad(to_hex(%4$s), 12, '0'))::uuid,
                           CASE WHEN g %% 50 = 0 THEN 'pending' WHEN g %% 3 = 0 THEN 'shipped' ELSE 'paid' END,
                           g, 'EUR',
                           jsonb_build_object('paymentRef', 'pay_' || g, 'channel', (ARRAY['web', 'ios', 'android'])[g %% 3 + 1]),
                           g %% 97 = 0, %3$s,
                           now() - (%2$d - g) * interval '1 minute', now() - (%2$d - g) * interval '1 minute'
                    FROM generate_series(1, %2$d) g""".formatted(USERS, ORDERS, stamp(below, ORDERS), owner()));
            st.execute("""
                    INSERT INTO notes (id, user_id, title, body, change_xid)
                    SELECT ('00000000-0000-4000-a000-' || lpad(to_hex(g), 12, '0'))::uuid,
                           ('00000000-0000-4000-8000-' || lpad(to_hex(%s), 12, '0'))::uuid,
                           'Note ' || g, 'Body of note ' || g, %s
                    FROM generate_series(1, %d) g""".formatted(owner(), stamp(below, NOTES), NOTES));
            st.execute("SET session_replication_role = origin");
            st.execute("VACUUM ANALYZE users, orders, notes");
        }
    }

    /** The owner of row g: every tenth row is the active user's, the others share the rest evenly. */
    private static String owner() {
        return "CASE WHEN g %% 10 = 0 THEN %d ELSE g %% %d + 2 END".formatted(HotPathQueries.HEAVY_USER, USERS - 1);
    }

    /**
     * The commit stamp of row g of n, below {@code below}: the active user's rows hold the newest
     * fifth of the stamps (all their documents were just rewritten, by a back-office job say),
     * everybody else's are spread over the older four fifths. Statistics see the active user's
     * rows scattered over the whole table: exactly when walking the all-users change index
     * looks cheap to the planner and reads the whole history before the first match.
     */
    private static String stamp(long below, int n) {
        long oldEnd = 3 + (below - 3) * 4 / 5;
        return ("(CASE WHEN g %% 10 = 0 THEN %1$d + (g / 10)::bigint * %2$d / %3$d"
                + " ELSE 3 + (g - 1)::bigint * %4$d / %5$d END)::text::xid8")
                .formatted(oldEnd, Math.max(below - 1 - oldEnd, 0), n / 10 + 1, Math.max(oldEnd - 3, 0), n);
    }

    @AfterAll
    static void close() throws Exception {
        if (connection != null) {
            connection.close();
        }
    }

    @TestFactory
    Stream<DynamicTest> everyHotPathStatementIsServedByItsIndex() {
        List<DynamicTest> tests = new ArrayList<>();
        for (HotPathQueries.Query q : HotPathQueries.all(collections)) {
            tests.add(DynamicTest.dynamicTest(q.name(), () -> check(q)));
        }
        return tests.stream();
    }

    /** The indexes of V4 earn their keep: without each, its query falls back to reading the table. */
    @TestFactory
    Stream<DynamicTest> withoutItsIndexTheQueryScansTheTable() {
        return HotPathQueries.all(collections).stream()
                .filter(q -> q.index() != null && List.of("orders_pending_idx", "orders_metadata_idx").contains(q.index()))
                .map(q -> DynamicTest.dynamicTest(q.name() + " without " + q.index(), () -> {
                    connection.setAutoCommit(false);
                    try (Statement st = connection.createStatement()) {
                        st.execute("DROP INDEX " + q.index());
                        JsonNode plan = explain(q);
                        System.out.printf("plan %-52s %s%n", q.name() + " without " + q.index(), nodes(plan));
                        assertTrue(problems(plan, q).stream().anyMatch(p -> p.startsWith("sequential scan")),
                                plan.toPrettyString());
                    } finally {
                        connection.rollback();
                        connection.setAutoCommit(true);
                    }
                }));
    }

    private static void check(HotPathQueries.Query q) throws Exception {
        JsonNode plan = explain(q);
        System.out.printf("plan %-52s %s%n", q.name(), nodes(plan));
        assertEquals(List.of(), problems(plan, q), q.name() + ":\n" + plan.toPrettyString());
    }

    private static List<String> problems(JsonNode plan, HotPathQueries.Query q) {
        List<String> problems = new ArrayList<>();
        List<String> indexes = new ArrayList<>();
        walk(plan, q, problems, indexes);
        if (q.index() != null && !indexes.contains(q.index())) {
            problems.add("does not use " + q.index());
        }
        return problems;
    }

    private static void walk(JsonNode node, HotPathQueries.Query q, List<String> problems, List<String> indexes) {
        String type = node.path("Node Type").asText();
        String relation = node.path("Relation Name").asText();
        if (type.equals("Seq Scan") && HotPathQueries.REPLICATED_TABLES.contains(relation)) {
            problems.add("sequential scan of " + relation);
        }
        if (type.equals("Sort")) {
            double sorted = node.path("Plans").path(0).path("Plan Rows").asDouble();
            if (sorted > q.maxSorted()) {
                problems.add("a Sort of " + (long) sorted + " rows " + node.path("Sort Key")
                        + " (at most " + q.maxSorted() + " expected): an index should serve the order");
            }
        }
        if (node.has("Index Name")) {
            indexes.add(node.get("Index Name").asText());
        }
        for (JsonNode child : node.path("Plans")) {
            walk(child, q, problems, indexes);
        }
    }

    /** The plan in one line: node types, with the index or table of each scan. */
    private static String nodes(JsonNode node) {
        String self = node.path("Node Type").asText()
                + (node.has("Index Name") ? " " + node.get("Index Name").asText()
                : node.has("Relation Name") ? " " + node.get("Relation Name").asText() : "");
        List<String> children = new ArrayList<>();
        for (JsonNode child : node.path("Plans")) {
            children.add(nodes(child));
        }
        return children.isEmpty() ? self : self + " <- " + String.join(" + ", children);
    }

    /**
     * Plans as the server's runtime role, acting for whom the server's transaction acts for:
     * row-level security adds the policies' conditions, and only leakproof conditions may then
     * use an index (a cast inside a join condition is not).
     */
    private static void actAs(Statement st, String actsFor) throws Exception {
        if (actsFor == null) {
            return;
        }
        st.execute("SET ROLE " + Migrations.APP_ROLE);
        if (actsFor.equals(HotPathQueries.ALL_USERS)) {
            st.execute("SELECT set_config('rxsync.scope', 'all-users', false)");
        } else {
            st.execute("SELECT set_config('rxsync.user_id', " + HotPathQueries.literal(actsFor) + ", false)");
        }
    }

    /**
     * EXPLAIN of the statement text as sent, via PREPARE / EXPLAIN EXECUTE in one session,
     * planned with its parameters bound: the Vert.x client sends unnamed statements
     * (prepared-statement caching is off), which PostgreSQL always plans that way.
     */
    private static JsonNode explain(HotPathQueries.Query q) throws Exception {
        try (Statement st = connection.createStatement()) {
            st.execute("SET plan_cache_mode = force_custom_plan");
            actAs(st, q.actsFor());
            st.execute("PREPARE hot_path AS " + q.sql());
            try {
                String args = q.params().isEmpty() ? "" : "(" + String.join(", ", q.params()) + ")";
                try (ResultSet rs = st.executeQuery("EXPLAIN (FORMAT JSON) EXECUTE hot_path" + args)) {
                    assertTrue(rs.next());
                    return JSON.readTree(rs.getString(1)).get(0).get("Plan");
                }
            } finally {
                st.execute("DEALLOCATE hot_path");
                st.execute("RESET ROLE");
                st.execute("RESET rxsync.user_id");
                st.execute("RESET rxsync.scope");
            }
        }
    }
}
