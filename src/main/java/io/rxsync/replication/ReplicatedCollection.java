package io.rxsync.replication;

import java.util.List;
import java.util.Set;

/**
 * What makes a table a replicated collection. The protocol core knows collections only
 * through this descriptor; adding one means an entity, a migration and one bean
 * implementing this interface.
 *
 * <p>The table must carry {@code id} (primary key), {@code deleted boolean},
 * {@code change_xid xid8} kept by the {@code rxsync_stamp_change} trigger, the owner
 * column, and the indexes {@code (owner, change_xid, id)} and {@code (change_xid, id)}.
 */
public interface ReplicatedCollection {

    /** The collection name in the URL, e.g. {@code orders}. */
    String name();

    /** The current schema version; older versions are answered with 426. */
    int schemaVersion();

    /** The table. A constant of the code, never client input. */
    String table();

    /** The primary-key field; its JSON name is the RxDB primary key. */
    Field idField();

    /** The column holding the owning user's id (may be the id column itself). */
    String ownerColumn();

    /**
     * The field that must equal the caller's user id, or null when the id field itself is
     * the owner (the users collection).
     */
    Field ownerField();

    /** Every replicated field except the id, in a fixed order. */
    List<Field> fields();

    /** Properties that exist only on the server; a push carrying one is refused with 403. */
    Set<String> serverOnlyProperties();

    /** Whether a client may create new documents (false: only update existing ones). */
    boolean clientMayCreate();

    /** Whether a client may delete documents by pushing {@code _deleted: true}. */
    boolean clientMayDelete();

    /** A sentence for the listing and the RxDB schema description. */
    String description();

    /**
     * Whether a delete leaves a tombstone (the {@code rxsync_delete_to_tombstone} trigger)
     * that the scheduled purge removes after the retention period (ops/TombstonePurge).
     */
    default boolean keepsTombstones() {
        return true;
    }
}
