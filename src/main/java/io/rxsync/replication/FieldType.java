package io.rxsync.replication;

/**
 * How a replicated field travels: its JSON type on the wire, its PostgreSQL type in the
 * table. Every value crosses the SQL boundary as text and is cast to {@link #sqlType()},
 * which keeps the batched statements to one parameter array per column.
 */
public enum FieldType {
    UUID("uuid", "string"),
    STRING("text", "string"),
    INTEGER("bigint", "integer"),
    OBJECT("jsonb", "object");

    private final String sqlType;
    private final String jsonType;

    FieldType(String sqlType, String jsonType) {
        this.sqlType = sqlType;
        this.jsonType = jsonType;
    }

    public String sqlType() {
        return sqlType;
    }

    /** The type keyword in the RxDB JSON schema. */
    public String jsonType() {
        return jsonType;
    }
}
