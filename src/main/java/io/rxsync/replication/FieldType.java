package io.rxsync.replication;

/**
 * How a replicated field travels: its JSON type on the wire, derived from its column's
 * PostgreSQL type (CollectionCompiler). Every value crosses the SQL boundary as text and is
 * cast to the field's SQL type, which keeps the batched statements to one parameter array
 * per column.
 */
public enum FieldType {
    /** uuid: a lower-case uuid string. */
    UUID("string"),
    /** varchar(n), char(n), text. */
    STRING("string"),
    /** smallint, integer, bigint: whole numbers within the column's range and JavaScript's safe integers. */
    INTEGER("integer"),
    /** numeric, real, double precision. */
    NUMBER("number"),
    BOOLEAN("boolean"),
    /** jsonb: a JSON object. */
    OBJECT("object"),
    /** timestamptz: an ISO-8601 date-time string with an offset. */
    DATE_TIME("string");

    private final String jsonType;

    FieldType(String jsonType) {
        this.jsonType = jsonType;
    }

    /** The type keyword in the RxDB JSON schema. */
    public String jsonType() {
        return jsonType;
    }
}
