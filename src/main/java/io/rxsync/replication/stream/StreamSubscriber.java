package io.rxsync.replication.stream;

import java.util.concurrent.Flow;

/**
 * One registration with a change pump: the user it belongs to and the open stream its events
 * go to. Frames are JSON text in the wire shape {@code {documents, checkpoint}}.
 *
 * <p>A single collection's pullStream has one registration, whose frames go out unnamed (the
 * official client ignores named events). A multiplexed stream has one registration per
 * collection on the same open stream; each names its collection on its events, and only the
 * first one sends the heartbeat, so the stream gets one ping per interval, not one per collection.
 *
 * <p>The stream is registered with its pump before the HTTP layer has subscribed to it (see
 * {@link StreamService}), so events go into a sink that keeps them until then.
 */
public final class StreamSubscriber {

    private final String ownerId;
    /** Null: alone on its stream (pullStream). */
    private final String collection;
    private final boolean pings;
    private final OpenStream stream;

    /** The registration of a single collection's pullStream. */
    public StreamSubscriber(String ownerId, Flow.Subscriber<? super StreamEvent> events) {
        this(ownerId, null, true, new OpenStream(events));
    }

    StreamSubscriber(String ownerId, String collection, boolean pings, OpenStream stream) {
        this.ownerId = ownerId;
        this.collection = collection;
        this.pings = pings;
        this.stream = stream;
    }

    public String ownerId() {
        return ownerId;
    }

    void send(String frame) {
        stream.emit(collection == null ? StreamEvent.frame(frame) : StreamEvent.frame(collection, frame));
    }

    /** A heartbeat comment (the shared timer of ChangePumps). */
    void ping() {
        if (pings) {
            stream.emit(StreamEvent.PING);
        }
    }

    /**
     * The client must catch up on this collection by a pull, and the registration stays: every
     * window the pump reads from here on reaches the stream. A pullStream can only say it by
     * ending (the official client pulls when it reconnects, and crashes on a "RESYNC" frame);
     * a multiplexed stream says it for this collection alone and goes on.
     */
    void resync() {
        if (collection == null) {
            close();
        } else {
            stream.emit(StreamEvent.resync(collection));
        }
    }

    /**
     * Ends the whole stream, once, and releases what it holds (every registration, its
     * timers); the client pulls from its checkpoints and reconnects. Also called when the
     * client goes away.
     */
    void close() {
        stream.close();
    }
}
