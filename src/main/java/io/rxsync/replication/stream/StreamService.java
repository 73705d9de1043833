package io.rxsync.replication.stream;

import io.rxsync.auth.Caller;
import io.rxsync.replication.ReplicatedCollection;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.operators.multi.processors.UnicastProcessor;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Opens live streams: the pump's frames for one user, and an end when the token expires.
 * Heartbeats come from one timer for all streams ({@link ChangePumps}).
 *
 * <p>The stream is registered with its pump here, when the route is called, not when the
 * HTTP layer subscribes: Quarkus REST sends an SSE answer's headers first and subscribes only
 * once they are written, and a client starts its catch-up pull (RESYNC) as soon as the
 * headers arrive. A stream registered after that pull missed what committed in between, and
 * its next frame's checkpoint passed it. Events wait in the stream's queue until the
 * subscription; a stream nobody subscribes to (the client left first) is released after
 * {@link #UNCLAIMED_TIMEOUT}.
 *
 * <p>An idle stream must stay small (10,000 of them are the benchmark's case): an empty
 * queue, its registration and one timer for its expiry.
 */
@ApplicationScoped
public class StreamService {

    static final Duration UNCLAIMED_TIMEOUT = Duration.ofSeconds(30);

    private final ChangePumps pumps;
    private final Vertx vertx;

    public StreamService(ChangePumps pumps, Vertx vertx) {
        this.pumps = pumps;
        this.vertx = vertx;
    }

    public Multi<StreamEvent> open(ReplicatedCollection collection, Caller caller) {
        ChangePump pump = pumps.of(collection);
        UnicastProcessor<StreamEvent> events = UnicastProcessor.create(new ConcurrentLinkedQueue<>(), null);
        StreamSubscriber subscriber = new StreamSubscriber(collection.scope().callerKey(caller), events);
        long untilExpiry = Duration.between(Instant.now(), caller.expiresAt()).toMillis();
        long expiry = vertx.setTimer(Math.max(1, untilExpiry), id -> subscriber.close());
        long unclaimed = vertx.setTimer(UNCLAIMED_TIMEOUT.toMillis(), id -> {
            if (!events.hasSubscriber()) {
                subscriber.close();
            }
        });
        subscriber.releasing(() -> {
            vertx.cancelTimer(expiry);
            vertx.cancelTimer(unclaimed);
            pump.unsubscribe(subscriber);
        });
        pump.subscribe(subscriber); // a draining pump ends the stream right here
        events.onNext(StreamEvent.PING); // the first bytes after the headers
        return events.onSubscription().invoke(() -> vertx.cancelTimer(unclaimed))
                .onTermination().invoke(subscriber::close);
    }
}
