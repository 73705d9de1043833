package io.rxsync.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rxsync.replication.CatalogEntry.Column;
import io.rxsync.replication.CatalogEntry.Constraint;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What a declaration means, from catalog rows alone: no database. */
class CollectionCompilerTest {

    private static final List<Column> REPLICATION = List.of(
            new Column("created_at", "timestamp with time zone", null, null, true, true),
            new Column("updated_at", "timestamp with time zone", null, null, true, true),
            new Column("deleted", "boolean", null, null, true, true),
            new Column("change_xid", "xid8", null, null, true, true));
    private static final List<String> TRIGGERS = List.of("rxsync_delete_to_tombstone", "rxsync_stamp_change");

    private static Column column(String name, String type, Integer length, boolean notNull) {
        return new Column(name, type, length, length == null && !type.equals("text") ? null : "default", notNull, false);
    }

    private static ObjectNode owner(String column) {
        return JsonNodeFactory.instance.objectNode().put("kind", "owner").put("column", column);
    }

    private static CatalogEntry entry(List<Column> columns, List<String> key, List<Constraint> constraints,
                                      List<String> serverOnly, List<String> readOnly, List<String> triggers) {
        List<Column> all = new ArrayList<>(columns);
        all.addAll(REPLICATION);
        return new CatalogEntry("things", "things", owner("owner_id"), 2, serverOnly, readOnly, true, true, true,
                null, all, key, constraints, triggers);
    }

    private static CatalogEntry simple(List<Column> columns, List<Constraint> constraints) {
        List<Column> all = new ArrayList<>(List.of(column("id", "uuid", null, true), column("owner_id", "uuid", null, true)));
        all.addAll(columns);
        return entry(all, List.of("id"), constraints, List.of(), List.of(), TRIGGERS);
    }

    private static Constraint check(String name, String column, String definition) {
        return new Constraint(name, "c", List.of(column), definition);
    }

    private static String problem(CatalogEntry e) {
        return assertThrows(CollectionCompiler.BadDeclaration.class, () -> CollectionCompiler.compile(e)).getMessage();
    }

    @Test
    void everySupportedColumnTypeHasItsJsonType() {
        ReplicatedCollection c = CollectionCompiler.compile(simple(List.of(
                column("label", "character varying", 40, true),
                column("code", "character", 3, false),
                column("body", "text", null, false),
                column("small", "smallint", null, false),
                column("count", "integer", null, false),
                column("big", "bigint", null, false),
                column("price", "numeric", null, false),
                column("ratio", "real", null, false),
                column("score", "double precision", null, false),
                column("done", "boolean", null, false),
                column("extra", "jsonb", null, false),
                column("due_at", "timestamp with time zone", null, false)), List.of()));
        assertEquals(List.of("ownerId", "label", "code", "body", "small", "count", "big", "price", "ratio", "score",
                "done", "extra", "dueAt"), c.fields().stream().map(Field::name).toList(), "camelCase, column order");
        assertEquals(List.of(FieldType.UUID, FieldType.STRING, FieldType.STRING, FieldType.STRING, FieldType.INTEGER,
                FieldType.INTEGER, FieldType.INTEGER, FieldType.NUMBER, FieldType.NUMBER, FieldType.NUMBER,
                FieldType.BOOLEAN, FieldType.OBJECT, FieldType.DATE_TIME), c.fields().stream().map(Field::type).toList());
        ObjectNode schema = RxdbSchema.of(c);
        assertEquals("{\"type\":\"string\",\"maxLength\":40}", schema.at("/properties/label").toString());
        assertEquals("{\"type\":\"string\",\"maxLength\":3}", schema.at("/properties/code").toString());
        assertEquals("{\"type\":\"string\"}", schema.at("/properties/body").toString());
        assertEquals("{\"type\":\"integer\"}", schema.at("/properties/big").toString());
        assertEquals("{\"type\":\"number\"}", schema.at("/properties/price").toString());
        assertEquals("{\"type\":\"boolean\"}", schema.at("/properties/done").toString());
        assertEquals("{\"type\":\"object\"}", schema.at("/properties/extra").toString());
        assertEquals("{\"type\":\"string\",\"format\":\"date-time\"}", schema.at("/properties/dueAt").toString());
        assertEquals("[\"id\",\"ownerId\",\"label\"]", schema.get("required").toString(), "NOT NULL without a default");
        assertEquals(2, schema.get("version").asInt());
        assertFalse(schema.get("properties").has("createdAt"), "replication's own columns are not fields");
        assertTrue(c.serverOnlyProperties().containsAll(List.of("createdAt", "updated_at")));
    }

    @Test
    void simpleChecksBecomeEnumBoundsAndPattern() {
        ReplicatedCollection c = CollectionCompiler.compile(simple(List.of(
                column("status", "character varying", 16, true),
                column("kind", "text", null, true),
                column("qty", "integer", null, true),
                column("price", "numeric", null, true),
                column("code", "character", 3, true)), List.of(
                check("s", "status", "CHECK (((status)::text = ANY ((ARRAY['new'::character varying, 'it''s'::character varying])::text[])))"),
                check("k", "kind", "CHECK ((kind = ANY (ARRAY['a'::text, 'b'::text])))"),
                check("q", "qty", "CHECK (((qty >= 1) AND (qty <= 10)))"),
                check("q2", "qty", "CHECK ((qty > 2))"),
                check("p", "price", "CHECK ((price >= 0.5))"),
                check("p2", "price", "CHECK ((price < (100)::numeric))"),
                check("c", "code", "CHECK ((code ~ '^[A-Z]{3}$'::text))"),
                new Constraint("multi", "c", List.of("qty", "price"), "CHECK ((qty < price))"))));
        ObjectNode props = (ObjectNode) RxdbSchema.of(c).get("properties");
        assertEquals("[\"new\",\"it's\"]", props.at("/status/enum").toString());
        assertEquals("[\"a\",\"b\"]", props.at("/kind/enum").toString());
        assertEquals("{\"type\":\"integer\",\"minimum\":3,\"maximum\":10}", props.get("qty").toString(),
                "the narrowest bounds of BETWEEN and > 2");
        assertEquals("{\"type\":\"number\",\"minimum\":0.5}", props.get("price").toString(),
                "a strict bound of a decimal has no JSON-schema twin here: the database keeps it");
        assertEquals("^[A-Z]{3}$", props.at("/code/pattern").asText());
    }

    @Test
    void stringIdsServerOnlyAndReadOnlyColumns() {
        CatalogEntry e = entry(List.of(
                        new Column("code", "character varying", 64, "C", true, false),
                        column("owner_id", "text", null, true),
                        column("secret", "character varying", 100, false),
                        column("email", "character varying", 320, true)),
                List.of("code"), List.of(), List.of("secret"), List.of("email"), TRIGGERS);
        ReplicatedCollection c = CollectionCompiler.compile(e);
        assertEquals(new Field("code", "code", FieldType.STRING, "text", true, true, 64, List.of(), null, null, null),
                c.idField());
        assertEquals("{\"type\":\"string\",\"maxLength\":64}", RxdbSchema.of(c).at("/properties/code").toString());
        assertEquals(List.of("ownerId", "email"), c.fields().stream().map(Field::name).toList(), "server-only never sent");
        assertTrue(c.serverOnlyProperties().containsAll(List.of("secret")));
        assertFalse(c.fields().get(1).writable(), "email is read-only");
        assertEquals("t.owner_id = $1::text::text", c.scope().callerRows(1), "a text owner (external subjects)");
        assertEquals("[\"code\",\"ownerId\",\"email\"]", RxdbSchema.of(c).get("required").toString());
    }

    @Test
    void theConstraintsOfTheTableNameTheirFields() {
        ReplicatedCollection c = CollectionCompiler.compile(simple(List.of(column("total_cents", "bigint", null, true)),
                List.of(check("things_total_check", "total_cents", "CHECK ((total_cents <> 13))"))));
        assertEquals(List.of("totalCents"), c.constraintFields().get("things_total_check"));
        assertNull(c.fields().get(1).minimum(), "an inequality says nothing to the schema");
    }

    @Test
    void aTableWithoutPrimaryKeyIsRefusedWithWhatToFix() {
        String message = problem(entry(List.of(column("owner_id", "uuid", null, true)), List.of(), List.of(), List.of(),
                List.of(), TRIGGERS));
        assertTrue(message.contains("collection things: table things has no primary key: a collection needs a "
                + "one-column PRIMARY KEY (uuid or varchar(n))"), message);
    }

    @Test
    void anUnsupportedColumnTypeIsRefusedUnlessServerOnly() {
        CatalogEntry bytes = simple(List.of(column("picture", "bytea", null, false)), List.of());
        assertTrue(problem(bytes).contains("column picture of things has type bytea, which a collection cannot replicate: "
                + "change its type"), problem(bytes));
        CatalogEntry hidden = new CatalogEntry("things", "things", owner("owner_id"), 0, List.of("picture"), List.of(),
                true, true, true, null, bytes.columns(), List.of("id"), List.of(), TRIGGERS);
        assertEquals(List.of("ownerId"), CollectionCompiler.compile(hidden).fields().stream().map(Field::name).toList());
    }

    @Test
    void aScopeColumnThatDoesNotExistIsRefused() {
        CatalogEntry e = new CatalogEntry("things", "things", owner("user_id"), 0, List.of(), List.of(), true, true, true,
                null, simple(List.of(), List.of()).columns(), List.of("id"), List.of(), TRIGGERS);
        assertTrue(problem(e).contains("scope column user_id is not a column of things"), problem(e));
    }

    @Test
    void aTableWithoutTheCommitStampIsRefused() {
        CatalogEntry e = entry(List.of(column("id", "uuid", null, true), column("owner_id", "uuid", null, true)),
                List.of("id"), List.of(), List.of(), List.of(), List.of("rxsync_delete_to_tombstone"));
        assertTrue(problem(e).contains("table things has no commit stamp (its rxsync_stamp_change trigger is missing or "
                + "disabled): declare it again with rxsync_declare_collection"), problem(e));
    }

    @Test
    void aTextKeyNeedsALengthAndTheCCollation() {
        CatalogEntry unbounded = entry(List.of(new Column("code", "text", null, "C", true, false),
                column("owner_id", "uuid", null, true)), List.of("code"), List.of(), List.of(), List.of(), TRIGGERS);
        assertTrue(problem(unbounded).contains("primary key code of things has type text: use uuid or varchar(n)"));
        CatalogEntry collated = entry(List.of(new Column("code", "character varying", 10, "default", true, false),
                column("owner_id", "uuid", null, true)), List.of("code"), List.of(), List.of(), List.of(), TRIGGERS);
        assertTrue(problem(collated).contains("primary key code of things must be COLLATE \"C\""));
    }

    @Test
    void everyProblemOfADeclarationIsReportedAtOnce() {
        CatalogEntry e = entry(List.of(column("picture", "bytea", null, false)), List.of(), List.of(), List.of(),
                List.of(), List.of());
        String message = problem(e);
        assertTrue(message.contains("no primary key") && message.contains("bytea") && message.contains("commit stamp")
                && message.contains("scope column owner_id"), message);
    }

    @Test
    void numberBoundsOfTheColumnTypeAreCheckedOnPush() {
        ReplicatedCollection c = CollectionCompiler.compile(simple(List.of(column("count", "integer", null, false),
                column("price", "numeric", null, false)), List.of(check("p", "price", "CHECK ((price <= 9.99))"))));
        var node = JsonNodeFactory.instance.objectNode().put("id", "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee")
                .put("ownerId", "11111111-2222-3333-4444-555555555555");
        String user = "11111111-2222-3333-4444-555555555555";
        assertEquals("row 0: field 'count' must be between -2147483648 and 2147483647",
                assertThrows(io.rxsync.web.ApiException.class,
                        () -> DocumentRules.check(c, node.deepCopy().put("count", 2147483648L), 0, user)).getMessage());
        assertEquals("row 0: field 'price' must be at most 9.99", assertThrows(io.rxsync.web.ApiException.class,
                () -> DocumentRules.check(c, node.deepCopy().put("price", new BigDecimal("10")), 0, user)).getMessage());
        assertEquals("1.5", DocumentRules.check(c, node.deepCopy().put("price", new BigDecimal("1.50")), 0, user).values()[2]);
    }
}
