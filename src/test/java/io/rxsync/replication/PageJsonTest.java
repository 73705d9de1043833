package io.rxsync.replication;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.RawValue;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A page written straight to bytes or text ({@link PageJson}) is exactly what Jackson wrote
 * from the {@code ObjectNode} tree pulls and frames were built as before (issue 16): pulls
 * as bytes (Quarkus REST's writer), frames as a string ({@code writeValueAsString}); the
 * same field order, number forms, string escapes and untouched jsonb text, for every field
 * type.
 */
class PageJsonTest {

    private final ObjectMapper json = new ObjectMapper();

    private static final Field ID = Field.of("id", "id", FieldType.STRING, "character varying").maxLength(64).required(true);
    private static final List<Field> FIELDS = List.of(
            Field.of("ownerId", "owner_id", FieldType.UUID, "uuid"),
            Field.of("title", "title", FieldType.STRING, "text"),
            Field.of("count", "count", FieldType.INTEGER, "bigint"),
            Field.of("small", "small", FieldType.INTEGER, "smallint"),
            Field.of("price", "price", FieldType.NUMBER, "numeric"),
            Field.of("ratio", "ratio", FieldType.NUMBER, "double precision"),
            Field.of("done", "done", FieldType.BOOLEAN, "boolean"),
            Field.of("meta", "meta", FieldType.OBJECT, "jsonb"),
            Field.of("dueAt", "due_at", FieldType.DATE_TIME, "timestamptz"));
    private static final ReplicatedCollection ALL_TYPES = new ReplicatedCollection("things", 0, "things", ID,
            new Scope.Owner("owner_id", FIELDS.get(0)), FIELDS, Set.of(), true, true, true, "things", Map.of(), Map.of());

    /** The page as pulls and frames were built before: a tree per document, jsonb passed on as raw text. */
    private ObjectNode asTree(List<ChangedRow> rows, Checkpoint checkpoint) {
        ArrayNode documents = JsonNodeFactory.instance.arrayNode();
        for (ChangedRow row : rows) {
            ObjectNode doc = documents.addObject();
            doc.put("id", row.id());
            String[] v = row.values();
            for (int i = 0; i < v.length; i++) {
                if (v[i] == null) {
                    continue;
                }
                String name = FIELDS.get(i).name();
                switch (FIELDS.get(i).type()) {
                    case UUID, STRING, DATE_TIME -> doc.put(name, v[i]);
                    case INTEGER -> doc.put(name, Long.parseLong(v[i]));
                    case NUMBER -> {
                        if (!v[i].equals("NaN") && !v[i].endsWith("Infinity")) {
                            doc.put(name, new BigDecimal(v[i]));
                        }
                    }
                    case BOOLEAN -> doc.put(name, Boolean.parseBoolean(v[i]));
                    case OBJECT -> doc.putRawValue(name, new RawValue(v[i]));
                }
            }
            doc.put("_deleted", row.deleted());
        }
        ObjectNode page = JsonNodeFactory.instance.objectNode();
        page.set("documents", documents);
        page.putPOJO("checkpoint", checkpoint); // the record, as the Page record held it
        return page;
    }

    private void sameBytes(List<ChangedRow> rows, Checkpoint checkpoint) throws Exception {
        assertArrayEquals(json.writeValueAsBytes(asTree(rows, checkpoint)),
                PageJson.bytes(json, ALL_TYPES, rows, checkpoint), "a pull");
        assertEquals(json.writeValueAsString(asTree(rows, checkpoint)),
                PageJson.text(json, ALL_TYPES, rows, checkpoint), "a stream frame");
    }

    private static ChangedRow row(String id, long xid, boolean deleted, String... values) {
        return new ChangedRow(id, "o", xid, values, deleted);
    }

    @Test
    void everyFieldTypeIsWrittenAsTheTreeWroteIt() throws Exception {
        List<ChangedRow> rows = List.of(
                row("a", 7, false, "11111111-2222-3333-4444-555555555555", "plain", "9007199254740991", "-32768",
                        "12.50", "1.5e-07", "true", "{\"a\": [1, 2.50, \"x\"], \"b\": {\"c\": null}}",
                        "2026-01-31T12:00:00.123456+00:00"),
                row("b", 8, true, null, null, "0", "0", "0.00000010", "NaN", "false", "{}", null),
                row("c", 9, false, null, "", "-1", null, "-1E+3", "-Infinity", null, null, null),
                row("d", 9, false, null, null, null, null, "123456789012345678901234567890.000", "Infinity", null,
                        null, null));
        sameBytes(rows, Checkpoint.of(9, "d"));
    }

    @Test
    void stringsAreEscapedAsTheTreeEscapedThem() throws Exception {
        sameBytes(List.of(row("q\"uote\\back/slash", 1, false, null,
                "tab\t newline\n cr\r bell\u0007 del\u007f nbsp\u00a0 é ß 漢字 emoji \uD83D\uDE00 ls\u2028 ps\u2029 <>&'",
                null, null, null, null, null, null, null)), Checkpoint.of(1, "q\"uote\\back/slash"));
    }

    @Test
    void anEmptyPageEchoesTheCheckpointAsTheClientWroteIt() throws Exception {
        sameBytes(List.of(), Checkpoint.parse("12.50", "x", ID));
        sameBytes(List.of(), Checkpoint.parse("1E+3", "", ID));
        sameBytes(List.of(), Checkpoint.initial());
    }

    @Test
    void theBytesAreTheWireFormOfProtocolMd() throws Exception {
        // independent of Jackson's tree: the literal form clients have always received
        assertEquals("{\"documents\":[{\"id\":\"a\",\"count\":3,\"price\":1.0E-7,\"done\":false,\"meta\":{\"k\": 1},"
                        + "\"_deleted\":true}],\"checkpoint\":{\"lwt\":5,\"id\":\"a\"}}",
                new String(PageJson.bytes(json, ALL_TYPES, List.of(row("a", 5, true, null, null, "3", null,
                        "0.00000010", null, "false", "{\"k\": 1}", null)), Checkpoint.of(5, "a")), StandardCharsets.UTF_8));
    }
}
