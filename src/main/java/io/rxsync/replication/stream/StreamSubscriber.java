package io.rxsync.replication.stream;

import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One open pullStream: the user it belongs to and where its events go. Frames are JSON text
 * in the wire shape {@code {documents, checkpoint}}.
 *
 * <p>The stream is registered with its pump before the HTTP layer has subscribed to it (see
 * {@link StreamService}), so events go into a sink that keeps them until then.
 */
public final class StreamSubscriber {

    private final String ownerId;
    private final Flow.Subscriber<? super StreamEvent> events;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile Runnable release = () -> { };

    public StreamSubscriber(String ownerId, Flow.Subscriber<? super StreamEvent> events) {
        this.ownerId = ownerId;
        this.events = events;
    }

    /** What {@link #close()} releases besides the stream itself: its registration, its timers. */
    void releasing(Runnable release) {
        this.release = release;
    }

    public String ownerId() {
        return ownerId;
    }

    void send(String frame) {
        if (!closed.get()) {
            events.onNext(StreamEvent.frame(frame));
        }
    }

    /** A heartbeat comment (the shared timer of ChangePumps). */
    void ping() {
        if (!closed.get()) {
            events.onNext(StreamEvent.PING);
        }
    }

    /**
     * Ends the stream, once, and releases what it holds (its registration, its timers); the
     * client pulls from its checkpoint and reconnects. Also called when the client goes away.
     */
    void close() {
        if (closed.compareAndSet(false, true)) {
            release.run();
            events.onComplete();
        }
    }
}
