package io.rxsync.replication;

import java.util.List;
import java.util.regex.Pattern;

/**
 * One replicated field of a collection: the name clients see, the column it lives in,
 * and the rules a pushed value must keep.
 *
 * @param name      the JSON property name (e.g. {@code totalCents})
 * @param column    the table column (e.g. {@code total_cents}); a constant of the code, never client input
 * @param type      wire and SQL type
 * @param required  the property must be present and not null
 * @param writable  a client may change it; read-only fields are never compared in
 *                  conflict checks and a push that changes one is refused
 * @param maxLength for strings: the longest value; for objects: the longest JSON text
 * @param allowed   for strings: the only values allowed (empty: any)
 * @param pattern   for strings: a regular expression the whole value must match (null: any)
 * @param minimum   for integers: the smallest value (null: the safe-integer range of JavaScript)
 */
public record Field(String name, String column, FieldType type, boolean required, boolean writable,
                    int maxLength, List<String> allowed, Pattern pattern, Long minimum) {

    public static Field uuid(String name, String column) {
        return new Field(name, column, FieldType.UUID, true, true, 36, List.of(), null, null);
    }

    public static Field string(String name, String column, int maxLength) {
        return new Field(name, column, FieldType.STRING, true, true, maxLength, List.of(), null, null);
    }

    public static Field integer(String name, String column) {
        return new Field(name, column, FieldType.INTEGER, true, true, 0, List.of(), null, null);
    }

    public static Field object(String name, String column, int maxJsonLength) {
        return new Field(name, column, FieldType.OBJECT, false, true, maxJsonLength, List.of(), null, null);
    }

    public Field optional() {
        return new Field(name, column, type, false, writable, maxLength, allowed, pattern, minimum);
    }

    public Field readOnly() {
        return new Field(name, column, type, required, false, maxLength, allowed, pattern, minimum);
    }

    public Field oneOf(String... values) {
        return new Field(name, column, type, required, writable, maxLength, List.of(values), pattern, minimum);
    }

    public Field matching(String regex) {
        return new Field(name, column, type, required, writable, maxLength, allowed, Pattern.compile(regex), minimum);
    }

    public Field atLeast(long min) {
        return new Field(name, column, type, required, writable, maxLength, allowed, pattern, min);
    }
}
