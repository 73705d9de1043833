package io.rxsync.web;

import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.vertx.http.runtime.RouteConstants;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Answers a body declared larger than {@code quarkus.http.limits.max-body-size} with the
 * protocol's JSON error. Quarkus refuses such a request in a router handler of its own,
 * before any JAX-RS exception mapper runs, with an empty 413 that RxDB clients cannot read
 * as an error; this handler runs just before it with the same check. A chunked body that
 * grows past the limit is refused by the REST layer instead, which {@link ErrorMappers}
 * already answers in JSON.
 */
@ApplicationScoped
public class BodyLimit {

    static final String MESSAGE = "request body too large";

    void install(@Observes Router router,
                 @ConfigProperty(name = "quarkus.http.limits.max-body-size") Optional<MemorySize> maxBodySize) {
        maxBodySize.ifPresent(limit -> router.route()
                .order(RouteConstants.ROUTE_ORDER_UPLOAD_LIMIT - 1)
                .handler(ctx -> refuseIfDeclaredLarger(ctx, limit.asLongValue())));
    }

    private static void refuseIfDeclaredLarger(RoutingContext ctx, long limit) {
        String declared = ctx.request().getHeader(HttpHeaders.CONTENT_LENGTH);
        if (declared != null && declaredLength(declared) > limit) {
            // The unread body would otherwise be parsed as the next request: close after answering.
            ctx.response().setStatusCode(413)
                    .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                    .putHeader(HttpHeaders.CONNECTION, "close")
                    .end(JsonObject.mapFrom(ApiError.of(413, MESSAGE)).encode());
            return;
        }
        ctx.next();
    }

    private static long declaredLength(String header) {
        try {
            return Long.parseLong(header.strip());
        } catch (NumberFormatException e) {
            return -1; // malformed: Vert.x itself rejects it as a bad request
        }
    }
}
