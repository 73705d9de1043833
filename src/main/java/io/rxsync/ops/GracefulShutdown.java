package io.rxsync.ops;

import io.quarkus.runtime.ShutdownDelayInitiatedEvent;
import io.rxsync.replication.stream.ChangePumps;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

/**
 * What SIGTERM does (README, Operations: "Graceful shutdown"), in Quarkus' order:
 * <ol>
 * <li>readiness turns DOWN (Quarkus' own "Graceful Shutdown" check) and this class ends
 * every open stream cleanly, and every stream opened from then on: a stream never ends by
 * itself, so it would otherwise hold the process until the shutdown timeout;</li>
 * <li>for {@code quarkus.shutdown.delay} the instance still serves requests while the load
 * balancer notices that it is not ready;</li>
 * <li>new requests are refused with 503 and in-flight ones (pushes) finish, for up to
 * {@code quarkus.shutdown.timeout};</li>
 * <li>the change pumps and the LISTEN connection stop, the pool closes, exit code 0.</li>
 * </ol>
 */
@ApplicationScoped
public class GracefulShutdown {

    private static final Logger LOG = Logger.getLogger(GracefulShutdown.class);

    private final ChangePumps pumps;

    public GracefulShutdown(ChangePumps pumps) {
        this.pumps = pumps;
    }

    void onShutdownStarted(@Observes ShutdownDelayInitiatedEvent event) {
        LOG.info("shutting down: readiness is down, closing the open streams; in-flight requests finish");
        pumps.drain();
    }
}
