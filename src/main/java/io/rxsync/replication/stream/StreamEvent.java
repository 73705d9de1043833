package io.rxsync.replication.stream;

/**
 * What an open stream sends: a frame of documents or a heartbeat.
 *
 * @param kind  which of the two
 * @param frame the JSON of a frame; null for the others
 */
public record StreamEvent(Kind kind, String frame) {

    public enum Kind { FRAME, PING }

    public static final StreamEvent PING = new StreamEvent(Kind.PING, null);

    public static StreamEvent frame(String json) {
        return new StreamEvent(Kind.FRAME, json);
    }
}
