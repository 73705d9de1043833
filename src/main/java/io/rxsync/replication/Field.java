package io.rxsync.replication;

import java.math.BigDecimal;
import java.util.List;
import java.util.regex.Pattern;

/**
 * One replicated field of a collection: the name clients see, the column it lives in,
 * and the rules a pushed value must keep. Derived from the column by CollectionCompiler.
 *
 * @param name      the JSON property name (e.g. {@code totalCents})
 * @param column    the table column (e.g. {@code total_cents}); from the PostgreSQL catalog, never client input
 * @param type      the wire type
 * @param sqlType   the type a pushed value's text is cast to (e.g. {@code bigint}, {@code text})
 * @param required  the property must be present and not null
 * @param writable  a client may change it; read-only fields are never compared in
 *                  conflict checks and a push that changes one is refused
 * @param maxLength for strings: the longest value (0: no limit of their own); for objects: the longest JSON text
 * @param allowed   for strings: the only values allowed (empty: any)
 * @param pattern   for strings: a regular expression the whole value must match (null: any)
 * @param minimum   for numbers: the smallest value a CHECK constraint allows (null: the type's range)
 * @param maximum   for numbers: the largest value a CHECK constraint allows (null: the type's range)
 */
public record Field(String name, String column, FieldType type, String sqlType, boolean required, boolean writable,
                    int maxLength, List<String> allowed, Pattern pattern, BigDecimal minimum, BigDecimal maximum) {

    /** A field of this type with no rules beyond its type. */
    public static Field of(String name, String column, FieldType type, String sqlType) {
        return new Field(name, column, type, sqlType, false, true, 0, List.of(), null, null, null);
    }

    public Field required(boolean value) {
        return new Field(name, column, type, sqlType, value, writable, maxLength, allowed, pattern, minimum, maximum);
    }

    public Field writable(boolean value) {
        return new Field(name, column, type, sqlType, required, value, maxLength, allowed, pattern, minimum, maximum);
    }

    public Field maxLength(int value) {
        return new Field(name, column, type, sqlType, required, writable, value, allowed, pattern, minimum, maximum);
    }

    public Field oneOf(List<String> values) {
        return new Field(name, column, type, sqlType, required, writable, maxLength, List.copyOf(values), pattern, minimum, maximum);
    }

    public Field matching(String regex) {
        return new Field(name, column, type, sqlType, required, writable, maxLength, allowed, Pattern.compile(regex), minimum, maximum);
    }

    public Field atLeast(BigDecimal min) {
        return new Field(name, column, type, sqlType, required, writable, maxLength, allowed, pattern, min, maximum);
    }

    public Field atMost(BigDecimal max) {
        return new Field(name, column, type, sqlType, required, writable, maxLength, allowed, pattern, minimum, max);
    }
}
