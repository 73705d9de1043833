package io.rxsync.replication.stream;

/**
 * What an open stream sends: a frame of documents, a heartbeat, or (on a multiplexed stream
 * only) a request to catch up on one collection by a pull.
 *
 * @param kind       which of the three
 * @param collection the collection a frame or a resync belongs to on a multiplexed stream;
 *                   null on a single collection's pullStream, whose events are never named
 * @param frame      the JSON of a frame; null for the others
 */
public record StreamEvent(Kind kind, String collection, String frame) {

    public enum Kind { FRAME, PING, RESYNC }

    public static final StreamEvent PING = new StreamEvent(Kind.PING, null, null);

    public static StreamEvent frame(String json) {
        return new StreamEvent(Kind.FRAME, null, json);
    }

    static StreamEvent frame(String collection, String json) {
        return new StreamEvent(Kind.FRAME, collection, json);
    }

    static StreamEvent resync(String collection) {
        return new StreamEvent(Kind.RESYNC, collection, null);
    }
}
