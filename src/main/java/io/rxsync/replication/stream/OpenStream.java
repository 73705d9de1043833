package io.rxsync.replication.stream;

import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One HTTP answer that streams events: a single collection's pullStream, or a multiplexed
 * stream whose registrations (one {@link StreamSubscriber} per collection) all write here.
 * Events may come from several pumps and the heartbeat timer at once: the sink is a
 * {@code UnicastProcessor} over a concurrent queue, which takes them from any thread.
 */
final class OpenStream {

    private final Flow.Subscriber<? super StreamEvent> events;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile Runnable release = () -> { };

    OpenStream(Flow.Subscriber<? super StreamEvent> events) {
        this.events = events;
    }

    void releasing(Runnable release) {
        this.release = release;
    }

    boolean isClosed() {
        return closed.get();
    }

    void emit(StreamEvent event) {
        if (!closed.get()) {
            events.onNext(event);
        }
    }

    /**
     * Ends the stream, once, and releases what it holds (its registrations, its timers); the
     * client pulls from its checkpoints and reconnects. Also called when the client goes away.
     */
    void close() {
        if (closed.compareAndSet(false, true)) {
            release.run();
            events.onComplete();
        }
    }
}
