package io.rxsync.replication;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A document as the server holds it.
 *
 * @param ownerId  the owning user's id
 * @param xid      the {@code change_xid} of its last write: its position, with the id, in replication order
 * @param document the wire form, as clients pull it
 */
public record StoredDocument(String id, String ownerId, long xid, ObjectNode document) {

    public Checkpoint checkpoint() {
        return Checkpoint.of(xid, id);
    }
}
