package io.rxsync.replication.stream;

import io.rxsync.auth.Caller;
import io.rxsync.replication.ReplicatedCollection;
import io.smallrye.mutiny.Multi;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;

/**
 * Opens live streams: the pump's frames for one user, and an end when the token expires.
 * Heartbeats come from one timer for all streams ({@link ChangePumps}).
 *
 * <p>An idle stream must stay small (10,000 of them are the benchmark's case): it is one
 * emitter registered with its pump and one timer for its expiry, nothing more. A stream of
 * its own ticker, expiry and frames merged cost a few kilobytes each.
 */
@ApplicationScoped
public class StreamService {

    private final ChangePumps pumps;
    private final Vertx vertx;

    public StreamService(ChangePumps pumps, Vertx vertx) {
        this.pumps = pumps;
        this.vertx = vertx;
    }

    public Multi<StreamEvent> open(ReplicatedCollection collection, Caller caller) {
        ChangePump pump = pumps.of(collection);
        return Multi.createFrom().emitter(emitter -> {
            StreamSubscriber subscriber = new StreamSubscriber(caller.userId(), emitter);
            long untilExpiry = Duration.between(Instant.now(), caller.expiresAt()).toMillis();
            long expiry = vertx.setTimer(Math.max(1, untilExpiry), id -> subscriber.close());
            // before subscribing: a draining pump ends the stream inside subscribe()
            emitter.onTermination(() -> {
                vertx.cancelTimer(expiry);
                pump.unsubscribe(subscriber);
            });
            pump.subscribe(subscriber);
            // Registered first, then the first bytes go out: the client's RESYNC pull,
            // which it starts when the stream opens, covers everything before this point.
            emitter.emit(StreamEvent.PING);
        });
    }
}
