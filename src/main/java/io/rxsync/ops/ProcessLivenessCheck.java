package io.rxsync.ops;

import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

/**
 * Alive while the process answers HTTP on its event loop, which is what reaching this check
 * proves. Deliberately independent of the database: a database outage makes the instance
 * unready (ChangeFeedHealthCheck, the datasource check), and restarting it would not help.
 */
@Liveness
@ApplicationScoped
public class ProcessLivenessCheck implements HealthCheck {

    private volatile long startedMillis = System.currentTimeMillis();

    /** The bean is created on the first probe; uptime counts from the application's start. */
    void onStart(@Observes StartupEvent event) {
        startedMillis = System.currentTimeMillis();
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("process")
                .withData("uptimeMs", System.currentTimeMillis() - startedMillis)
                .up().build();
    }
}
