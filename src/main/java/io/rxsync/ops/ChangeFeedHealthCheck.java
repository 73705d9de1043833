package io.rxsync.ops;

import io.rxsync.replication.ReplicationConfig;
import io.rxsync.replication.stream.ChangePump;
import io.rxsync.replication.stream.ChangePumps;
import io.rxsync.replication.stream.ChangeSignal;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready when the change feed works: the LISTEN connection is up and every pump has read
 * the database recently. (The database itself is checked by the datasource's own check.)
 */
@Readiness
@ApplicationScoped
public class ChangeFeedHealthCheck implements HealthCheck {

    /** A pump that has not read for this many poll intervals is considered stuck. */
    private static final int STALE_INTERVALS = 20;

    private final ChangeSignal signal;
    private final ChangePumps pumps;
    private final ReplicationConfig config;

    public ChangeFeedHealthCheck(ChangeSignal signal, ChangePumps pumps, ReplicationConfig config) {
        this.signal = signal;
        this.pumps = pumps;
        this.config = config;
    }

    @Override
    public HealthCheckResponse call() {
        long staleAfter = config.stream().pollInterval().toMillis() * STALE_INTERVALS;
        HealthCheckResponseBuilder response = HealthCheckResponse.named("change-feed")
                .withData("listening", signal.isListening());
        boolean up = signal.isListening();
        for (ChangePump pump : pumps.all()) {
            long idle = pump.millisSinceLastRead();
            response.withData(pump.collection().name() + ".streams", pump.subscriberCount());
            response.withData(pump.collection().name() + ".msSinceRead", idle);
            up &= idle < staleAfter;
        }
        return response.status(up).build();
    }
}
