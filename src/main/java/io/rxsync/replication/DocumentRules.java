package io.rxsync.replication;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rxsync.web.ApiException;
import io.rxsync.web.StorableText;
import java.io.IOException;
import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * Checks a pushed document against its collection before anything is written, and turns
 * it into the text values of its columns. A failure names the row and the field.
 */
public final class DocumentRules {

    public static final String DELETED = "_deleted";
    /** RxDB strips these before pushing; a client that sends them anyway gets them ignored. */
    private static final Set<String> CLIENT_BOOKKEEPING = Set.of("_rev", "_meta", "_attachments");
    /** Integers beyond this lose precision in JavaScript, where every client computes. */
    private static final long MAX_SAFE_INTEGER = 9007199254740991L;
    private static final int MAX_OBJECT_DEPTH = 16;

    private DocumentRules() {
    }

    /**
     * A pushed document that passed every rule.
     *
     * @param id      the document id
     * @param values  the text of each column, aligned with {@link ReplicatedCollection#fields()}; null for absent
     * @param deleted the tombstone flag
     */
    public record Checked(String id, String[] values, boolean deleted) {
    }

    public static Checked check(ReplicatedCollection collection, JsonNode node, int row, String callerKey) {
        if (node == null || !node.isObject()) {
            throw rowError(row, "newDocumentState must be a JSON object");
        }
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (collection.serverOnlyProperties().contains(name)) {
                throw ApiException.forbidden("row " + row + ": field '" + name + "' is server-only");
            }
            if (!name.equals(DELETED) && !CLIENT_BOOKKEEPING.contains(name) && !isKnown(collection, name)) {
                throw rowError(row, "unknown field '" + name + "'");
            }
        }
        String id = checkValue(collection.idField(), node.get(collection.idField().name()), row);
        if (id == null) {
            throw rowError(row, "field '" + collection.idField().name() + "' is required");
        }
        String[] values = new String[collection.fields().size()];
        for (int i = 0; i < values.length; i++) {
            Field field = collection.fields().get(i);
            values[i] = checkValue(field, node.get(field.name()), row);
        }
        JsonNode deleted = node.get(DELETED);
        // absent means "not deleted"; null is not a boolean, and reading it as false would
        // undelete a document on a client's bug
        if (deleted != null && !deleted.isBoolean()) {
            throw rowError(row, "field '_deleted' must be a boolean");
        }
        boolean isDeleted = deleted != null && deleted.booleanValue();

        Checked checked = new Checked(id, values, isDeleted);
        collection.scope().checkWrite(collection, checked, row, callerKey);
        return checked;
    }

    private static boolean isKnown(ReplicatedCollection collection, String name) {
        if (collection.idField().name().equals(name)) {
            return true;
        }
        for (Field field : collection.fields()) {
            if (field.name().equals(name)) {
                return true;
            }
        }
        return false;
    }

    /** Returns the column text of one value, or null when absent; throws 400 when it breaks a rule. */
    private static String checkValue(Field field, JsonNode value, int row) {
        if (value == null || value.isNull()) {
            if (field.required()) {
                throw fieldError(row, field, "is required");
            }
            return null;
        }
        return switch (field.type()) {
            case UUID -> {
                if (!value.isTextual() || !Checkpoint.isUuid(value.textValue())) {
                    throw fieldError(row, field, "must be a lower-case uuid string");
                }
                yield value.textValue();
            }
            case STRING -> checkString(field, value, row);
            case INTEGER -> checkNumber(field, value, row, true);
            case NUMBER -> checkNumber(field, value, row, false);
            case BOOLEAN -> {
                if (!value.isBoolean()) {
                    throw fieldError(row, field, "must be true or false");
                }
                yield Boolean.toString(value.booleanValue());
            }
            case OBJECT -> checkObject(field, value, row);
            case DATE_TIME -> checkDateTime(field, value, row);
        };
    }

    private static String checkString(Field field, JsonNode value, int row) {
        if (!value.isTextual()) {
            throw fieldError(row, field, "must be a string");
        }
        String text = value.textValue();
        if (field.maxLength() > 0 && text.length() > field.maxLength()) {
            throw fieldError(row, field, "is longer than " + field.maxLength() + " characters");
        }
        String unstorable = StorableText.problem(text);
        if (unstorable != null) {
            throw fieldError(row, field, "must not contain " + unstorable);
        }
        if (!field.allowed().isEmpty() && !field.allowed().contains(text)) {
            throw fieldError(row, field, "must be one of " + field.allowed());
        }
        // unanchored, like JSON schema's pattern and PostgreSQL's ~
        if (field.pattern() != null && !field.pattern().matcher(text).find()) {
            throw fieldError(row, field, "must match " + field.pattern().pattern());
        }
        return text;
    }

    private static String checkNumber(Field field, JsonNode value, int row, boolean whole) {
        if (!value.isNumber()) {
            throw fieldError(row, field, "must be a number");
        }
        BigDecimal number = value.decimalValue().stripTrailingZeros();
        if (whole && number.scale() > 0) {
            throw fieldError(row, field, "must be a whole number");
        }
        BigDecimal[] range = range(field);
        BigDecimal min = range[0];
        BigDecimal max = range[1];
        if ((min != null && number.compareTo(min) < 0) || (max != null && number.compareTo(max) > 0)) {
            throw fieldError(row, field, min == null ? "must be at most " + max.toPlainString()
                    : max == null ? "must be at least " + min.toPlainString()
                    : "must be between " + min.toPlainString() + " and " + max.toPlainString());
        }
        return whole ? number.toBigIntegerExact().toString() : number.toPlainString();
    }

    /**
     * The values a number field accepts: its CHECK bounds within its column type's range; for
     * whole numbers also within JavaScript's safe integers, where every client computes.
     */
    private static BigDecimal[] range(Field field) {
        BigDecimal typeMax = switch (field.sqlType()) {
            case "smallint" -> BigDecimal.valueOf(Short.MAX_VALUE);
            case "integer" -> BigDecimal.valueOf(Integer.MAX_VALUE);
            case "bigint" -> BigDecimal.valueOf(MAX_SAFE_INTEGER);
            default -> null;
        };
        BigDecimal typeMin = typeMax == null ? null
                : field.sqlType().equals("bigint") ? typeMax.negate() : typeMax.negate().subtract(BigDecimal.ONE);
        BigDecimal min = field.minimum() == null ? typeMin : typeMin == null ? field.minimum() : field.minimum().max(typeMin);
        BigDecimal max = field.maximum() == null ? typeMax : typeMax == null ? field.maximum() : field.maximum().min(typeMax);
        // numeric, real, double precision: only their CHECK bounds here; the column refuses what it cannot hold
        return new BigDecimal[] {min, max};
    }

    private static String checkDateTime(Field field, JsonNode value, int row) {
        if (!value.isTextual()) {
            throw fieldError(row, field, "must be an ISO-8601 date-time string");
        }
        try {
            OffsetDateTime.parse(value.textValue());
        } catch (DateTimeParseException e) {
            throw fieldError(row, field, "must be an ISO-8601 date-time with an offset, e.g. 2026-01-31T12:00:00Z");
        }
        return value.textValue();
    }

    private static String checkObject(Field field, JsonNode value, int row) {
        if (!value.isObject()) {
            throw fieldError(row, field, "must be a JSON object");
        }
        if (depthOrUnstorable(value, 1) > MAX_OBJECT_DEPTH) {
            throw fieldError(row, field, "is nested deeper than " + MAX_OBJECT_DEPTH
                    + " levels or contains NUL characters or lone UTF-16 surrogates");
        }
        String text = value.toString();
        if (text.length() > field.maxLength()) {
            throw fieldError(row, field, "is larger than " + field.maxLength() + " characters of JSON");
        }
        return text;
    }

    /**
     * The nesting depth of a JSON value; past the limit, or on text that cannot be stored
     * ({@link StorableText}), a value above it.
     */
    private static int depthOrUnstorable(JsonNode node, int depth) {
        if (depth > MAX_OBJECT_DEPTH) {
            return depth;
        }
        if (node.isTextual()) {
            return StorableText.problem(node.textValue()) != null ? Integer.MAX_VALUE : depth;
        }
        int deepest = depth;
        if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> entry = it.next();
                if (StorableText.problem(entry.getKey()) != null) {
                    return Integer.MAX_VALUE;
                }
                deepest = Math.max(deepest, depthOrUnstorable(entry.getValue(), depth + 1));
            }
        } else if (node.isArray()) {
            for (JsonNode element : node) {
                deepest = Math.max(deepest, depthOrUnstorable(element, depth + 1));
            }
        }
        return deepest;
    }

    /**
     * Where {@link #emit} puts a document's fields, in wire order: a tree the server compares
     * (push), or the bytes of a page or frame ({@link PageJson}: pull and stream, which only
     * pass documents on). One definition of the wire form, two destinations.
     */
    interface DocumentSink {
        void string(String name, String value) throws IOException;

        /** A whole number, as PostgreSQL's text of it: canonical digits, what JSON carries. */
        void integer(String name, String digits) throws IOException;

        void number(String name, BigDecimal value) throws IOException;

        void bool(String name, boolean value) throws IOException;

        /** An object field, as PostgreSQL's text of its jsonb (always valid JSON). */
        void object(String name, String json) throws IOException;
    }

    /**
     * Emits the wire document of column texts, leaving out absent values: the id, each
     * present field in column order, then {@code _deleted}.
     */
    static void emit(ReplicatedCollection collection, String id, String[] values, boolean deleted, DocumentSink sink)
            throws IOException {
        sink.string(collection.idField().name(), id);
        for (int i = 0; i < values.length; i++) {
            String text = values[i];
            if (text == null) {
                continue;
            }
            Field field = collection.fields().get(i);
            switch (field.type()) {
                case UUID, STRING, DATE_TIME -> sink.string(field.name(), text);
                case INTEGER -> sink.integer(field.name(), text);
                case NUMBER -> {
                    // real and double precision may hold NaN or Infinity, which JSON cannot carry
                    if (text.equals("NaN") || text.endsWith("Infinity")) {
                        continue;
                    }
                    sink.number(field.name(), new BigDecimal(text));
                }
                case BOOLEAN -> sink.bool(field.name(), Boolean.parseBoolean(text));
                case OBJECT -> sink.object(field.name(), text);
            }
        }
        sink.bool(DELETED, deleted);
    }

    /**
     * Builds the wire document from column texts as a tree, with its object fields parsed:
     * push compares documents and answers conflicts with them. Pulls and stream frames are
     * written straight to bytes by {@link PageJson}, from the same {@link #emit}.
     */
    public static ObjectNode toDocument(ReplicatedCollection collection, String id, String[] values, boolean deleted,
                                        com.fasterxml.jackson.databind.ObjectMapper json) {
        ObjectNode doc = JsonNodeFactory.instance.objectNode();
        try {
            emit(collection, id, values, deleted, new DocumentSink() {
                @Override
                public void string(String name, String value) {
                    doc.put(name, value);
                }

                @Override
                public void integer(String name, String digits) {
                    doc.put(name, Long.parseLong(digits));
                }

                @Override
                public void number(String name, BigDecimal value) {
                    doc.put(name, value);
                }

                @Override
                public void bool(String name, boolean value) {
                    doc.put(name, value);
                }

                @Override
                public void object(String name, String text) throws IOException {
                    doc.set(name, json.readTree(text));
                }
            });
        } catch (IOException e) {
            throw new IllegalStateException("a stored document could not be read: " + e.getMessage(), e);
        }
        return doc;
    }

    /**
     * The document a user receives for a row that left their view (SCOPES.md): {@code _deleted}
     * true, the id, and for each required field a placeholder its schema accepts (the first
     * allowed value, a bound, zero, the nil uuid, the epoch), never a value of the row: it may
     * have been written after the user lost access.
     */
    public static ObjectNode leavingDocument(ReplicatedCollection collection, String id) {
        ObjectNode doc = JsonNodeFactory.instance.objectNode();
        doc.put(collection.idField().name(), id);
        for (Field field : collection.fields()) {
            if (!field.required()) {
                continue;
            }
            switch (field.type()) {
                case UUID -> doc.put(field.name(), "00000000-0000-0000-0000-000000000000");
                case STRING -> doc.put(field.name(), field.allowed().isEmpty() ? "" : field.allowed().get(0));
                case INTEGER, NUMBER -> {
                    BigDecimal value = BigDecimal.ZERO;
                    if (field.minimum() != null && field.minimum().signum() > 0) {
                        value = field.minimum();
                    } else if (field.maximum() != null && field.maximum().signum() < 0) {
                        value = field.maximum();
                    }
                    if (field.type() == FieldType.INTEGER) {
                        doc.put(field.name(), value.setScale(0, java.math.RoundingMode.CEILING).longValueExact());
                    } else {
                        doc.put(field.name(), value);
                    }
                }
                case BOOLEAN -> doc.put(field.name(), false);
                case OBJECT -> doc.putObject(field.name());
                case DATE_TIME -> doc.put(field.name(), "1970-01-01T00:00:00.000Z");
            }
        }
        doc.put(DELETED, true);
        return doc;
    }

    private static ApiException rowError(int row, String message) {
        return ApiException.badRequest("row " + row + ": " + message);
    }

    private static ApiException fieldError(int row, Field field, String message) {
        return ApiException.badRequest("row " + row + ": field '" + field.name() + "' " + message);
    }
}
