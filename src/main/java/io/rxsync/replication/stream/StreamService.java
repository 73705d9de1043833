package io.rxsync.replication.stream;

import io.rxsync.auth.Caller;
import io.rxsync.replication.ReplicatedCollection;
import io.rxsync.replication.ReplicationConfig;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;

/** Opens live streams: the pump's frames for one user, heartbeats, and an end when the token expires. */
@ApplicationScoped
public class StreamService {

    private final ChangePumps pumps;
    private final Duration heartbeat;

    public StreamService(ChangePumps pumps, ReplicationConfig config) {
        this.pumps = pumps;
        this.heartbeat = config.stream().heartbeatInterval();
    }

    public Multi<StreamEvent> open(ReplicatedCollection collection, Caller caller) {
        ChangePump pump = pumps.of(collection);
        Multi<StreamEvent> frames = Multi.createFrom().emitter(emitter -> {
            StreamSubscriber subscriber = new StreamSubscriber(caller.userId(), emitter);
            // before subscribing: a draining pump ends the stream inside subscribe()
            emitter.onTermination(() -> pump.unsubscribe(subscriber));
            pump.subscribe(subscriber);
            // Registered first, then the first bytes go out: the client's RESYNC pull,
            // which it starts when the stream opens, covers everything before this point.
            emitter.emit(StreamEvent.PING);
        });
        Multi<StreamEvent> pings = Multi.createFrom().ticks().every(heartbeat).map(tick -> StreamEvent.PING);
        Duration untilExpiry = Duration.between(Instant.now(), caller.expiresAt());
        Multi<StreamEvent> expiry = Uni.createFrom().item(StreamEvent.END)
                .onItem().delayIt().by(untilExpiry.isNegative() || untilExpiry.isZero() ? Duration.ofMillis(1) : untilExpiry)
                .toMulti();
        return Multi.createBy().merging().streams(frames, pings, expiry)
                .select().first(event -> event.kind() != StreamEvent.Kind.END);
    }
}
