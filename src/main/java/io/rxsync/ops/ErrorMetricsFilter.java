package io.rxsync.ops;

import jakarta.ws.rs.container.ContainerResponseContext;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

/** Counts every error answer of the REST routes by status, whichever mapper produced it. */
public class ErrorMetricsFilter {

    private final ReplicationMetrics metrics;

    public ErrorMetricsFilter(ReplicationMetrics metrics) {
        this.metrics = metrics;
    }

    @ServerResponseFilter
    public void countErrors(ContainerResponseContext response) {
        if (response.getStatus() >= 400) {
            metrics.error(response.getStatus());
        }
    }
}
