package io.rxsync.replication;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.runtime.annotations.RegisterForReflection;
import java.util.List;

/**
 * One declared collection as the database describes it: the declaration (rxsync_collections)
 * and its table from the PostgreSQL catalog. The JSON of {@code rxsync_declared_collections()}
 * (migration V20) maps onto it field by field; CollectionCompiler turns it into a descriptor.
 *
 * @param scope       the declaration's scope, e.g. {@code {"kind": "owner", "column": "user_id"}}
 * @param columns     the table's columns in their order
 * @param primaryKey  the primary key's columns
 * @param constraints every constraint of the table
 * @param triggers    the functions of the table's enabled triggers
 */
@RegisterForReflection
@JsonIgnoreProperties(ignoreUnknown = true)
public record CatalogEntry(String name, String table, JsonNode scope, int schemaVersion, List<String> serverOnly,
                           List<String> readOnly, boolean clientMayCreate, boolean clientMayDelete, boolean tombstones,
                           String description, List<Column> columns, List<String> primaryKey,
                           List<Constraint> constraints, List<String> triggers) {

    /**
     * @param type       the type without modifiers, as {@code format_type(oid, NULL)} names it
     * @param length     for varchar(n) and char(n): n; otherwise null
     * @param collation  for text types: the collation's name ({@code C}, {@code default}, ...)
     * @param hasDefault        a default, an identity or a generated column: the database fills it
     * @param defaultExpression the column's DEFAULT as SQL (migration V29), or null (none, an identity, a generated column)
     */
    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Column(String name, String type, Integer length, String collation, boolean notNull, boolean hasDefault,
                         String defaultExpression) {

        /** A column without a default expression. */
        public Column(String name, String type, Integer length, String collation, boolean notNull, boolean hasDefault) {
            this(name, type, length, collation, notNull, hasDefault, null);
        }
    }

    /**
     * @param kind       {@code pg_constraint.contype}: c (check), u (unique), f (foreign key), p (primary key), x
     * @param definition {@code pg_get_constraintdef}, e.g. {@code CHECK ((total_cents >= 0))}
     */
    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Constraint(String name, String kind, List<String> columns, String definition) {
    }
}
