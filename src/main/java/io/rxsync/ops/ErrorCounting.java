package io.rxsync.ops;

import io.quarkus.vertx.http.runtime.RouteConstants;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Counts every error answer by status, whoever answered: the REST mappers, and the refusals
 * that end a request before the REST layer sees it (RequestLimits' 413, 414 and 431, the
 * chunked body limit, a route nobody serves). Installed first on the router, so it sees them all.
 */
@ApplicationScoped
public class ErrorCounting {

    void install(@Observes Router router, ReplicationMetrics metrics) {
        router.route().order(RouteConstants.ROUTE_ORDER_UPLOAD_LIMIT - 2).handler(ctx -> {
            ctx.addHeadersEndHandler(v -> {
                int status = ctx.response().getStatusCode();
                if (status >= 400) {
                    metrics.error(status);
                }
            });
            ctx.next();
        });
    }
}
