package io.rxsync.replication.stream;

import io.rxsync.auth.Caller;
import io.rxsync.replication.ReplicatedCollection;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.operators.multi.processors.UnicastProcessor;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Opens live streams: the pump's frames for one user, and an end when the token expires.
 * Heartbeats come from one timer for all streams ({@link ChangePumps}).
 *
 * <p>The stream is registered with its pumps (one per collection it carries) here, when the route is called, not when the
 * HTTP layer subscribes: Quarkus REST sends an SSE answer's headers first and subscribes only
 * once they are written, and a client starts its catch-up pull (RESYNC) as soon as the
 * headers arrive. A stream registered after that pull missed what committed in between, and
 * its next frame's checkpoint passed it. Events wait in the stream's queue until the
 * subscription; a stream nobody subscribes to (the client left first) is released after
 * {@link #UNCLAIMED_TIMEOUT}.
 *
 * <p>An idle stream must stay small (10,000 of them are the benchmark's case): an empty
 * queue, its registrations and one timer for its expiry.
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

    /** A single collection's pullStream: unnamed frames, ended when the client must resync. */
    public Multi<StreamEvent> open(ReplicatedCollection collection, Caller caller) {
        return open(List.of(collection), caller, false);
    }

    /**
     * One stream for several collections of one caller (a browser has six connections per
     * host over HTTP/1.1): every event names its collection, a resync is asked per collection,
     * and the stream ends (every collection to resync) on expiry, shutdown or a failed read.
     */
    public Multi<StreamEvent> openMultiplexed(List<ReplicatedCollection> collections, Caller caller) {
        return open(collections, caller, true);
    }

    private Multi<StreamEvent> open(List<ReplicatedCollection> collections, Caller caller, boolean named) {
        UnicastProcessor<StreamEvent> events = UnicastProcessor.create(new ConcurrentLinkedQueue<>(), null);
        OpenStream stream = new OpenStream(events);
        List<Registration> registrations = new ArrayList<>(collections.size());
        for (ReplicatedCollection collection : collections) {
            String name = named ? collection.name() : null;
            boolean pings = registrations.isEmpty(); // one heartbeat per stream
            registrations.add(new Registration(pumps.of(collection),
                    new StreamSubscriber(collection.scope().callerKey(caller), name, pings, stream)));
        }
        long untilExpiry = Duration.between(Instant.now(), caller.expiresAt()).toMillis();
        long expiry = vertx.setTimer(Math.max(1, untilExpiry), id -> stream.close());
        long unclaimed = vertx.setTimer(UNCLAIMED_TIMEOUT.toMillis(), id -> {
            if (!events.hasSubscriber()) {
                stream.close();
            }
        });
        stream.releasing(() -> {
            vertx.cancelTimer(expiry);
            vertx.cancelTimer(unclaimed);
            registrations.forEach(Registration::release);
        });
        for (Registration registration : registrations) {
            // a draining pump ends the stream right here; one that ends meanwhile (drain,
            // expiry) may have released before this registration was made: undo it then
            registration.pump.subscribe(registration.subscriber);
            if (stream.isClosed()) {
                registration.release();
            }
        }
        stream.emit(StreamEvent.PING); // the first bytes after the headers
        return events.onSubscription().invoke(() -> vertx.cancelTimer(unclaimed))
                .onTermination().invoke(stream::close);
    }

    /** One collection's registration of a stream; releasing it twice or unregistered is harmless. */
    private record Registration(ChangePump pump, StreamSubscriber subscriber) {
        void release() {
            pump.unsubscribe(subscriber);
        }
    }
}
