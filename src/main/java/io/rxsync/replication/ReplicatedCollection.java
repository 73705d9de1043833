package io.rxsync.replication;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What makes a table a replicated collection, as one immutable descriptor. The migration
 * declares it ({@code rxsync_declare_collection}, V20); CollectionCompiler builds it from
 * that declaration and the PostgreSQL catalog; the protocol core knows collections only
 * through it and never looks at a table by name.
 *
 * <p>The table carries the primary key, {@code deleted boolean}, {@code change_xid xid8}
 * kept by the {@code rxsync_stamp_change} trigger, and the pull and pump indexes the
 * declaration installs.
 *
 * @param name                 the collection name in the URL, e.g. {@code orders}
 * @param schemaVersion        the current schema version; older versions are answered with 426
 * @param table                the table, as PostgreSQL names it (from the catalog, never client input)
 * @param idField              the primary-key field; its JSON name is the RxDB primary key
 * @param scope                who sees a row
 * @param fields               every replicated field except the id, in column order
 * @param serverOnlyProperties properties that exist only on the server; a push carrying one is refused with 403
 * @param clientMayCreate      whether a client may create new documents (false: only update existing ones)
 * @param clientMayDelete      whether a client may delete documents by pushing {@code _deleted: true}
 * @param keepsTombstones      whether a delete leaves a tombstone (the {@code rxsync_delete_to_tombstone}
 *                             trigger) that the scheduled purge removes after the retention (ops/TombstonePurge)
 * @param description          a sentence for the listing and the RxDB schema description
 * @param constraintFields     the JSON names of the columns of each constraint of the table, by constraint
 *                             name: a push that breaks one is answered 400 naming them
 * @param absentDefaults       the DEFAULT expression (SQL from the catalog) of each NOT NULL column with one,
 *                             by column: what a new row gets when a push leaves the field out
 */
public record ReplicatedCollection(String name, int schemaVersion, String table, Field idField, Scope scope,
                                   List<Field> fields, Set<String> serverOnlyProperties, boolean clientMayCreate,
                                   boolean clientMayDelete, boolean keepsTombstones, String description,
                                   Map<String, List<String>> constraintFields, Map<String, String> absentDefaults) {

    public ReplicatedCollection {
        fields = List.copyOf(fields);
        serverOnlyProperties = Set.copyOf(serverOnlyProperties);
        constraintFields = Map.copyOf(constraintFields);
        absentDefaults = Map.copyOf(absentDefaults);
    }

    /** The field of a column, or null when the column does not replicate. */
    public Field fieldOfColumn(String column) {
        if (idField.column().equals(column)) {
            return idField;
        }
        return fields.stream().filter(f -> f.column().equals(column)).findFirst().orElse(null);
    }
}
