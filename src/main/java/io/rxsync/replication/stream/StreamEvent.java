package io.rxsync.replication.stream;

/**
 * What an open stream sends: a frame of documents, a heartbeat, or the end.
 *
 * @param kind  which of the three
 * @param frame the JSON of a frame; null for the others
 */
public record StreamEvent(Kind kind, String frame) {

    public enum Kind { FRAME, PING, END }

    public static final StreamEvent PING = new StreamEvent(Kind.PING, null);
    /** Ends the stream from the server side (shutdown, expired token, failed read). */
    public static final StreamEvent END = new StreamEvent(Kind.END, null);

    public static StreamEvent frame(String json) {
        return new StreamEvent(Kind.FRAME, json);
    }
}
