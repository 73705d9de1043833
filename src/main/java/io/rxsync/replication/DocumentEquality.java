package io.rxsync.replication;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Iterator;
import java.util.Map;

/**
 * Decides whether two states of a document are the same for conflict detection, the way
 * RxDB's deepEqual does in JavaScript: key order does not matter, {@code 1} equals
 * {@code 1.0}, and inside objects a missing key is not {@code null}. Only the fields a
 * client may write, and {@code _deleted}, are compared; server-owned fields never are.
 *
 * <p>At the top level a {@code null} and a missing property are the same: a column cannot
 * tell them apart, and treating them as different would make every later push of a
 * document first sent with {@code "note": null} a false conflict.
 */
public final class DocumentEquality {

    private DocumentEquality() {
    }

    public static boolean sameClientState(ReplicatedCollection collection, JsonNode a, JsonNode b) {
        if (deleted(a) != deleted(b)) {
            return false;
        }
        for (Field field : collection.fields()) {
            if (field.writable() && !sameFieldValue(field, topLevel(a, field), topLevel(b, field))) {
                return false;
            }
        }
        return true;
    }

    /** Whether a pushed state changes a field the client may not write. */
    public static Field changedReadOnlyField(ReplicatedCollection collection, JsonNode stored, JsonNode pushed) {
        for (Field field : collection.fields()) {
            if (!field.writable() && !sameFieldValue(field, topLevel(stored, field), topLevel(pushed, field))) {
                return field;
            }
        }
        return null;
    }

    private static boolean deleted(JsonNode doc) {
        JsonNode flag = doc.get(DocumentRules.DELETED);
        return flag != null && flag.asBoolean();
    }

    private static JsonNode topLevel(JsonNode doc, Field field) {
        JsonNode value = doc.get(field.name());
        return value == null || value.isNull() ? null : value;
    }

    /** A date-time is the same instant however it is written ({@code Z} or {@code +00:00}, with or without fractions). */
    private static boolean sameFieldValue(Field field, JsonNode a, JsonNode b) {
        if (field.type() == FieldType.DATE_TIME && a != null && b != null && a.isTextual() && b.isTextual()) {
            try {
                return OffsetDateTime.parse(a.textValue()).toInstant().equals(OffsetDateTime.parse(b.textValue()).toInstant());
            } catch (DateTimeParseException e) {
                return a.equals(b);
            }
        }
        return sameValue(a, b);
    }

    static boolean sameValue(JsonNode a, JsonNode b) {
        if (a == null || b == null) {
            return a == b;
        }
        if (a.isNumber() && b.isNumber()) {
            return a.decimalValue().compareTo(b.decimalValue()) == 0;
        }
        if (a.isObject() && b.isObject()) {
            if (a.size() != b.size()) {
                return false;
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = a.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> entry = it.next();
                JsonNode other = b.get(entry.getKey());
                if (other == null || !sameValue(entry.getValue(), other)) {
                    return false;
                }
            }
            return true;
        }
        if (a.isArray() && b.isArray()) {
            if (a.size() != b.size()) {
                return false;
            }
            for (int i = 0; i < a.size(); i++) {
                if (!sameValue(a.get(i), b.get(i))) {
                    return false;
                }
            }
            return true;
        }
        return a.equals(b);
    }
}
