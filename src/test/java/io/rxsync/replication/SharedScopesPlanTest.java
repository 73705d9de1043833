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
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The indexes of the members and parent scopes (V26), justified by EXPLAIN as the runtime
 * role under row-level security, on the shared-lists fixture at 200,000 items: 20,000 lists
 * of 10 items, two members each, and one user who is a member of 100 lists (the bound). A
 * plan fails on a sequential scan of a shared table, on a Sort of more rows than the d1 merge
 * may consider (two branches of the page size per group of the user), or when it does not
 * use the index the statement is for.
 */
class SharedScopesPlanTest {

    private static final int USERS = 1_000;
    private static final int LISTS = 20_000;
    private static final int ITEMS_PER_LIST = 10;
    /** The member of 100 lists (the bound of groups per user). */
    private static final int HEAVY = 1;
    private static final Set<String> SHARED_TABLES = Set.of("lists", "list_members", "list_items");
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Migrations db;
    private static Connection connection;
    private static Map<String, ReplicatedCollection> collections;
    private static long below;

    record Plan(String name, String sql, List<String> params, List<String> indexes, int maxSorted, String actsFor) {
    }

    static String userId(int n) {
        return "00000000-0000-4000-8000-%012x".formatted(n);
    }

    static String listId(int n) {
        return "00000000-0000-4000-b000-%012x".formatted(n);
    }

    static String itemId(int n) {
        return "00000000-0000-4000-c000-%012x".formatted(n);
    }

    @BeforeAll
    static void seed() throws Exception {
        db = Migrations.onFreshDatabase("rxsync_scope_plans_test");
        db.flyway().migrate();
        connection = db.connect();
        collections = Descriptors.live(connection);
        try (Statement st = connection.createStatement()) {
            // triggers off, so that the rows carry stamps spread over the past (as in QueryPlanTest)
            st.execute("SET session_replication_role = replica");
            try (ResultSet rs = st.executeQuery("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")) {
                rs.next();
                below = rs.getLong(1);
            }
            st.execute("""
                    INSERT INTO users (id, email, display_name, hashed_password)
                    SELECT ('00000000-0000-4000-8000-' || lpad(to_hex(g), 12, '0'))::uuid,
                           'user' || g || '@example.test', 'User ' || g, 'not-a-hash'
                    FROM generate_series(1, %d) g""".formatted(USERS));
            st.execute("""
                    INSERT INTO lists (id, name, change_xid, created_xid)
                    SELECT ('00000000-0000-4000-b000-' || lpad(to_hex(g), 12, '0'))::uuid, 'List ' || g, %1$s, %1$s
                    FROM generate_series(1, %2$d) g""".formatted(stamp(LISTS), LISTS));
            // two members per list, and the heavy user in the first 100
            st.execute("""
                    INSERT INTO list_members (list_id, user_id, role, change_xid)
                    SELECT ('00000000-0000-4000-b000-' || lpad(to_hex(g), 12, '0'))::uuid,
                           ('00000000-0000-4000-8000-' || lpad(to_hex(u), 12, '0'))::uuid, 'editor', %s
                    FROM generate_series(1, %d) g,
                         LATERAL (VALUES ((g - 1) %% %3$d + 2), ((g + 499) %% %3$d + 2)) m(u)""".formatted(stamp(LISTS), LISTS, USERS - 1));
            st.execute("""
                    INSERT INTO list_members (list_id, user_id, role, change_xid)
                    SELECT ('00000000-0000-4000-b000-' || lpad(to_hex(g), 12, '0'))::uuid,
                           '%s'::uuid, 'editor', %s
                    FROM generate_series(1, 100) g""".formatted(userId(HEAVY), stamp(100)));
            st.execute("""
                    INSERT INTO list_items (id, list_id, title, change_xid, created_xid)
                    SELECT ('00000000-0000-4000-c000-' || lpad(to_hex(g), 12, '0'))::uuid,
                           ('00000000-0000-4000-b000-' || lpad(to_hex((g - 1) %% %2$d + 1), 12, '0'))::uuid,
                           'Item ' || g, %1$s, %1$s
                    FROM generate_series(1, %3$d) g""".formatted(stamp(LISTS * ITEMS_PER_LIST), LISTS, LISTS * ITEMS_PER_LIST));
            st.execute("SET session_replication_role = origin");
            st.execute("VACUUM ANALYZE users, lists, list_members, list_items, rxsync_moves");
        }
    }

    /** Row g of n gets a stamp spread evenly below the watermark. */
    private static String stamp(int n) {
        return "(3 + (g - 1)::bigint * %d / %d)::text::xid8".formatted(Math.max(below - 4, 1), n);
    }

    @AfterAll
    static void close() throws Exception {
        if (connection != null) {
            connection.close();
        }
    }

    static List<Plan> plans() {
        List<Plan> all = new ArrayList<>();
        ReplicatedCollection items = collections.get("list_items");
        ReplicatedCollection lists = collections.get("lists");
        ReplicatedCollection members = collections.get("list_members");
        String heavy = userId(HEAVY);
        String nil = lit("00000000-0000-0000-0000-000000000000");
        String recent = lit(Long.toString(Math.max(below - 50, 3)));
        // a page may sort what the merge considered: two branches of the page size per group
        int merge = 2 * 100 * 100 + 100;
        for (ReplicatedCollection c : List.of(items, members)) {
            CollectionSql sql = new CollectionSql(c);
            String table = c.table().substring(c.table().indexOf('.') + 1);
            all.add(new Plan(table + ": first pull page of a member of 100 groups", sql.pullPage,
                    List.of(lit(heavy), lit("0"), nil, "100"),
                    List.of(table + "_pull_idx", "list_members_user_groups_idx"), merge, heavy));
            all.add(new Plan(table + ": caught-up pull of a member of 100 groups", sql.pullPage,
                    List.of(lit(heavy), recent, nil, "100"), List.of(table + "_pull_idx"), merge, heavy));
            all.add(new Plan(table + ": change pump window of the member's streams", sql.viewWindow,
                    List.of(recent, "ARRAY[" + lit(heavy) + ", " + lit(userId(42)) + "]::text[]"),
                    // the subscribers' groups, then their rows since the cursor; the grants since the cursor
                    List.of(table + "_pull_idx", "list_members_change_idx"), 1000, HotPathQueries.ALL_USERS));
            all.add(new Plan(table + ": push lock", sql.lockByIds,
                    List.of("ARRAY[" + lit(itemId(7)) + ", " + lit(itemId(700)) + "]::text[]"),
                    List.of(table + "_pkey"), 2, heavy));
        }
        CollectionSql sql = new CollectionSql(lists);
        all.add(new Plan("lists: first pull page of a member of 100 lists (each its own group)", sql.pullPage,
                List.of(lit(heavy), lit("0"), nil, "100"), List.of("lists_pkey", "list_members_user_groups_idx"), merge, heavy));
        all.add(new Plan("lists: change pump window", sql.viewWindow,
                List.of(recent, "ARRAY[" + lit(heavy) + "]::text[]"), List.of("lists_pkey", "list_members_change_idx"), 1000,
                HotPathQueries.ALL_USERS));
        return all;
    }

    @TestFactory
    Stream<DynamicTest> everySharedScopeStatementIsServedByItsIndexes() {
        return plans().stream().map(p -> DynamicTest.dynamicTest(p.name(), () -> {
            JsonNode plan = explain(p);
            List<String> problems = new ArrayList<>();
            List<String> used = new ArrayList<>();
            walk(plan, p, problems, used);
            for (String index : p.indexes()) {
                if (!used.contains(index)) {
                    problems.add("does not use " + index);
                }
            }
            System.out.printf("plan %-60s %s%n", p.name(), used);
            assertEquals(List.of(), problems, p.name() + ":\n" + plan.toPrettyString());
        }));
    }

    private static void walk(JsonNode node, Plan p, List<String> problems, List<String> indexes) {
        String type = node.path("Node Type").asText();
        if (type.equals("Seq Scan") && SHARED_TABLES.contains(node.path("Relation Name").asText())) {
            problems.add("sequential scan of " + node.path("Relation Name").asText());
        }
        if (type.equals("Sort") && node.path("Plans").path(0).path("Plan Rows").asDouble() > p.maxSorted()) {
            problems.add("a Sort of " + (long) node.path("Plans").path(0).path("Plan Rows").asDouble() + " rows "
                    + node.path("Sort Key") + " (at most " + p.maxSorted() + ")");
        }
        if (node.has("Index Name")) {
            indexes.add(node.get("Index Name").asText());
        }
        for (JsonNode child : node.path("Plans")) {
            walk(child, p, problems, indexes);
        }
    }

    /** As QueryPlanTest: the runtime role, acting for the user (or the pump), custom plans as the server gets them. */
    private static JsonNode explain(Plan p) throws Exception {
        try (Statement st = connection.createStatement()) {
            st.execute("SET plan_cache_mode = force_custom_plan");
            st.execute("SET ROLE " + Migrations.APP_ROLE);
            if (p.actsFor().equals(HotPathQueries.ALL_USERS)) {
                st.execute("SELECT set_config('rxsync.scope', 'all-users', false)");
            } else {
                st.execute("SELECT set_config('rxsync.user_id', " + lit(p.actsFor()) + ", false)");
                st.execute("SELECT set_config('rxsync.subject', " + lit(p.actsFor()) + ", false)");
            }
            st.execute("PREPARE shared_scope AS " + p.sql());
            try {
                try (ResultSet rs = st.executeQuery("EXPLAIN (FORMAT JSON) EXECUTE shared_scope(" + String.join(", ", p.params()) + ")")) {
                    assertTrue(rs.next());
                    return JSON.readTree(rs.getString(1)).get(0).get("Plan");
                }
            } finally {
                st.execute("DEALLOCATE shared_scope");
                st.execute("RESET ROLE");
                st.execute("RESET rxsync.user_id");
                st.execute("RESET rxsync.subject");
                st.execute("RESET rxsync.scope");
            }
        }
    }

    private static String lit(String value) {
        return "'" + value.replace("'", "''") + "'";
    }
}
