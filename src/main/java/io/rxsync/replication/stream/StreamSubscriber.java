package io.rxsync.replication.stream;

import io.smallrye.mutiny.subscription.MultiEmitter;

/**
 * One open pullStream: the user it belongs to and the emitter its frames go to. Frames are
 * JSON text in the wire shape {@code {documents, checkpoint}}.
 */
public final class StreamSubscriber {

    private final String ownerId;
    private final MultiEmitter<? super StreamEvent> frames;

    public StreamSubscriber(String ownerId, MultiEmitter<? super StreamEvent> frames) {
        this.ownerId = ownerId;
        this.frames = frames;
    }

    public String ownerId() {
        return ownerId;
    }

    void send(String frame) {
        if (!frames.isCancelled()) {
            frames.emit(StreamEvent.frame(frame));
        }
    }

    /** A heartbeat comment (the shared timer of ChangePumps). */
    void ping() {
        if (!frames.isCancelled()) {
            frames.emit(StreamEvent.PING);
        }
    }

    /** Ends the stream; the client pulls from its checkpoint and reconnects. */
    void close() {
        frames.complete();
    }
}
