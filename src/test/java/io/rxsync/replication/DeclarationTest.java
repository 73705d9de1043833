package io.rxsync.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rxsync.support.Migrations;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * rxsync_declare_collection (migration V20) against the real PostgreSQL: what it installs,
 * what it refuses and with which message, and what the server then derives from the catalog.
 */
class DeclarationTest {

    private static Migrations db;
    private static Connection owner;

    @BeforeAll
    static void migrate() throws Exception {
        db = Migrations.onFreshDatabase("rxsync_declaration_test");
        db.flyway().migrate();
        owner = db.connect();
        try (Statement st = owner.createStatement()) {
            st.execute("""
                    CREATE TABLE gadgets (
                        code      varchar(64) COLLATE "C" PRIMARY KEY,
                        owner_sub text          NOT NULL,
                        label     varchar(40)   NOT NULL,
                        kind      text          NOT NULL DEFAULT 'plain' CHECK (kind IN ('plain', 'fancy')),
                        body      text,
                        small     smallint,
                        count     integer       CHECK (count BETWEEN 1 AND 10),
                        big       bigint,
                        price     numeric(10, 2) CHECK (price >= 0),
                        ratio     real,
                        score     double precision,
                        done      boolean       NOT NULL,
                        extra     jsonb,
                        due_at    timestamptz,
                        secret    varchar(100),
                        serial_no varchar(20)   NOT NULL DEFAULT 'unset')""");
            st.execute("""
                    SELECT rxsync_declare_collection(
                        collection     => 'gadgets',
                        table_name     => 'gadgets',
                        scope          => '{"kind": "owner", "column": "owner_sub"}',
                        schema_version => 3,
                        server_only    => '{secret}',
                        read_only      => '{serial_no}',
                        description    => 'Gadgets by subject')""");
        }
    }

    @AfterAll
    static void close() throws SQLException {
        if (owner != null) {
            owner.close();
        }
    }

    private static String refusal(String sql) {
        SQLException e = assertThrows(SQLException.class, () -> {
            try (Statement st = owner.createStatement()) {
                st.execute(sql);
            }
        });
        return e.getMessage();
    }

    @Test
    void theListingSchemaOfEveryColumnTypeFieldByField() throws Exception {
        ReplicatedCollection gadgets = Descriptors.live(owner).get("gadgets");
        var schema = RxdbSchema.of(gadgets);
        assertEquals("code", schema.get("primaryKey").asText(), "a string id");
        assertEquals(3, schema.get("version").asInt());
        assertEquals("Gadgets by subject", schema.get("description").asText());
        Map<String, String> expected = new java.util.LinkedHashMap<>();
        expected.put("code", "{\"type\":\"string\",\"maxLength\":64}");
        expected.put("ownerSub", "{\"type\":\"string\"}");
        expected.put("label", "{\"type\":\"string\",\"maxLength\":40}");
        expected.put("kind", "{\"type\":\"string\",\"enum\":[\"plain\",\"fancy\"]}");
        expected.put("body", "{\"type\":\"string\"}");
        expected.put("small", "{\"type\":\"integer\"}");
        expected.put("count", "{\"type\":\"integer\",\"minimum\":1,\"maximum\":10}");
        expected.put("big", "{\"type\":\"integer\"}");
        expected.put("price", "{\"type\":\"number\",\"minimum\":0}");
        expected.put("ratio", "{\"type\":\"number\"}");
        expected.put("score", "{\"type\":\"number\"}");
        expected.put("done", "{\"type\":\"boolean\"}");
        expected.put("extra", "{\"type\":\"object\"}");
        expected.put("dueAt", "{\"type\":\"string\",\"format\":\"date-time\"}");
        expected.put("serialNo", "{\"type\":\"string\",\"maxLength\":20}");
        List<String> names = new java.util.ArrayList<>();
        schema.get("properties").fieldNames().forEachRemaining(names::add);
        assertEquals(List.copyOf(expected.keySet()), names, "server-only secret and replication's own columns are absent");
        expected.forEach((name, property) -> assertEquals(property, schema.get("properties").get(name).toString(), name));
        assertEquals("[\"code\",\"ownerSub\",\"label\",\"done\"]", schema.get("required").toString(),
                "NOT NULL without a default");
        assertFalse(gadgets.fields().stream().filter(f -> f.name().equals("serialNo")).findFirst().orElseThrow().writable());
        assertTrue(gadgets.serverOnlyProperties().contains("secret"));
    }

    @Test
    void theDeclarationInstallsTriggersIndexesPoliciesAndGrants() throws Exception {
        assertEquals(List.of("gadgets_delete_to_tombstone", "gadgets_stamp_change"),
                strings("SELECT tgname FROM pg_trigger WHERE tgrelid = 'gadgets'::regclass AND NOT tgisinternal ORDER BY 1"));
        assertEquals(List.of("CREATE INDEX gadgets_change_idx ON public.gadgets USING btree (change_xid, code)",
                        "CREATE INDEX gadgets_pull_idx ON public.gadgets USING btree (owner_sub, change_xid, code)"),
                strings("SELECT pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid = 'gadgets'::regclass "
                        + "AND NOT indisprimary ORDER BY 1"));
        assertEquals(List.of("gadgets_change_pump", "gadgets_owner"),
                strings("SELECT polname FROM pg_policy WHERE polrelid = 'gadgets'::regclass ORDER BY 1"));
        assertEquals(List.of("(owner_sub = current_setting('rxsync.subject'::text, true))"),
                strings("SELECT pg_get_expr(polqual, polrelid) FROM pg_policy WHERE polname = 'gadgets_owner'"),
                "a text owner is the caller's subject (V25)");
        assertEquals(List.of("true"), strings("SELECT has_table_privilege('" + Migrations.APP_ROLE
                + "', 'gadgets', 'SELECT, INSERT, UPDATE, DELETE')::text"));
        // a delete becomes a tombstone, with a string key
        try (Statement st = owner.createStatement()) {
            st.execute("INSERT INTO gadgets (code, owner_sub, label, done) VALUES ('g-1', 'auth0|x', 'G', true)");
            st.execute("DELETE FROM gadgets WHERE code = 'g-1'");
        }
        assertEquals(List.of("true"), strings("SELECT deleted::text FROM gadgets WHERE code = 'g-1'"));
    }

    @Test
    void declaringAgainIsIdempotentAndAHigherVersionEvolvesTheCollection() throws Exception {
        try (Statement st = owner.createStatement()) {
            st.execute("CREATE TABLE widgets (id uuid PRIMARY KEY, user_id uuid NOT NULL, name varchar(10) NOT NULL)");
            String declare = "SELECT rxsync_declare_collection(collection => 'widgets', table_name => 'widgets', "
                    + "scope => '{\"kind\": \"owner\", \"column\": \"user_id\"}', schema_version => %d)";
            st.execute(declare.formatted(0));
            st.execute(declare.formatted(0));
            st.execute("ALTER TABLE widgets ADD COLUMN colour varchar(10)");
            st.execute(declare.formatted(1));
            assertTrue(refusal(declare.formatted(0)).contains(
                    "collection widgets is at schema version 1; a new declaration may keep or raise it, not lower it to 0"));
        }
        ReplicatedCollection widgets = Descriptors.live(owner).get("widgets");
        assertEquals(1, widgets.schemaVersion());
        assertEquals(List.of("userId", "name", "colour"), widgets.fields().stream().map(Field::name).toList());
        assertEquals(1, strings("SELECT indexrelid::regclass::text FROM pg_index WHERE indrelid = 'widgets'::regclass "
                + "AND indexrelid::regclass::text = 'widgets_pull_idx'").size(), "no second index");
    }

    @Test
    void badDeclarationsAreRefusedWithWhatToFix() throws Exception {
        try (Statement st = owner.createStatement()) {
            st.execute("CREATE TABLE keyless (user_id uuid NOT NULL, name text)");
            st.execute("CREATE TABLE keyed (id uuid PRIMARY KEY, user_id uuid NOT NULL)");
        }
        assertTrue(refusal("SELECT rxsync_declare_collection('keyless', 'keyless', '{\"kind\": \"owner\", \"column\": \"user_id\"}')")
                .contains("table public.keyless has no primary key; add one column (uuid or varchar(n)) as its PRIMARY KEY"));
        assertTrue(refusal("SELECT rxsync_declare_collection('keyed', 'keyed', '{\"kind\": \"owner\", \"column\": \"owner_id\"}')")
                .contains("scope column owner_id is not a column of public.keyed"));
        assertTrue(refusal("SELECT rxsync_declare_collection('keyed', 'keyed', '{\"kind\": \"team\", \"column\": \"user_id\"}')")
                .contains("scope kind \"team\" is not supported; supported: \"owner\""));
        // the kinds of V26, each with what to fix
        assertTrue(refusal("SELECT rxsync_declare_collection('keyed', 'keyed', '{\"kind\": \"members\", \"column\": \"user_id\"}')")
                .contains("a members scope names its membership table (\"memberships\")"));
        assertTrue(refusal("SELECT rxsync_declare_collection('keyed', 'keyed', '{\"kind\": \"members\", \"column\": \"user_id\", "
                + "\"memberships\": \"keyless\", \"group_column\": \"user_id\", \"user_column\": \"user_id\"}')")
                .contains("the membership table public.keyless must be declared as a collection first"));
        assertTrue(refusal("SELECT rxsync_declare_collection('keyed', 'keyed', '{\"kind\": \"parent\", \"column\": \"user_id\", "
                + "\"parent\": \"orders\"}')")
                .contains("parent orders must be a members collection whose rows are their own group"));
        assertTrue(refusal("SELECT rxsync_declare_collection('keyed', 'keyed', '{\"kind\": \"everyone\", \"column\": \"user_id\"}')")
                .contains("the everyone scope has only kind, not {\"column\": \"user_id\"}"));
        assertTrue(refusal("SELECT rxsync_declare_collection('Keyed!', 'keyed', '{\"kind\": \"owner\", \"column\": \"user_id\"}')")
                .contains("collection name 'Keyed!' must be 1 to 100 lower-case letters"));
        assertTrue(refusal("SELECT rxsync_declare_collection('keyed', 'keyed', '{\"kind\": \"owner\", \"column\": \"user_id\"}', "
                + "server_only => '{nope}')").contains("nope is not a column of public.keyed"));
        assertTrue(refusal("SELECT rxsync_declare_collection('orders2', 'orders', '{\"kind\": \"owner\", \"column\": \"user_id\"}')")
                .contains("table public.orders is already the collection orders"));
        assertEquals(List.of(), strings("SELECT name FROM rxsync_collections WHERE name IN ('keyless', 'keyed', 'orders2')"),
                "nothing of a refused declaration is recorded");
    }

    @Test
    void aTableChangedAfterItsDeclarationStopsStartupWithWhatToFix() throws Exception {
        try (Statement st = owner.createStatement()) {
            st.execute("CREATE TABLE blobs (id uuid PRIMARY KEY, user_id uuid NOT NULL)");
            st.execute("SELECT rxsync_declare_collection('blobs', 'blobs', '{\"kind\": \"owner\", \"column\": \"user_id\"}')");
            st.execute("ALTER TABLE blobs ADD COLUMN picture bytea");
            st.execute("DROP TRIGGER blobs_stamp_change ON blobs");
        }
        try {
            CollectionCompiler.BadDeclaration e = assertThrows(CollectionCompiler.BadDeclaration.class, () -> Descriptors.live(owner));
            assertTrue(e.getMessage().contains("collection blobs: table public.blobs has no commit stamp"), e.getMessage());
            assertTrue(e.getMessage().contains("column picture of public.blobs has type bytea"), e.getMessage());
        } finally {
            try (Statement st = owner.createStatement()) {
                st.execute("DELETE FROM rxsync_collections WHERE name = 'blobs'");
            }
        }
    }

    @Test
    void onlyTheOwningRoleDeclaresOrReadsTheCatalogTable() throws Exception {
        try (Connection app = DriverManager.getConnection(db.url(), Migrations.APP_ROLE, "");
             Statement st = app.createStatement()) {
            SQLException declare = assertThrows(SQLException.class, () -> st.execute(
                    "SELECT rxsync_declare_collection('x', 'orders', '{\"kind\": \"owner\", \"column\": \"user_id\"}')"));
            assertTrue(declare.getMessage().contains("permission denied"), declare.getMessage());
            SQLException write = assertThrows(SQLException.class, () -> st.execute("DELETE FROM rxsync_collections"));
            assertTrue(write.getMessage().contains("permission denied"), write.getMessage());
            try (ResultSet rs = st.executeQuery(CollectionRegistry.DECLARED)) {
                assertTrue(rs.next(), "the runtime role reads the declarations through the function");
            }
        }
    }

    @Test
    void theCatalogFixturesOfTheUnitTestsAreTheLiveCatalog() throws Exception {
        for (CatalogEntry live : Descriptors.liveEntries(owner)) {
            if (List.of("orders", "users").contains(live.name())) {
                assertEquals(Descriptors.entry(live.name()), live, live.name() + ": regenerate src/test/resources/catalog");
            }
        }
    }

    private static List<String> strings(String sql) throws SQLException {
        List<String> values = new java.util.ArrayList<>();
        try (Statement st = owner.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                values.add(rs.getString(1));
            }
        }
        return values;
    }
}
