package io.rxsync.web;

import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.vertx.http.runtime.RouteConstants;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Map;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Refuses a request too large for the service with the protocol's JSON error before
 * anything reads it: a request line over {@code rxsync.http.max-request-line} (414), headers
 * over {@code rxsync.http.max-header-size} (431), a body declared larger than
 * {@code quarkus.http.limits.max-body-size} (413; a chunked body is counted as it arrives,
 * {@link ChunkedBodyLimit}).
 * <p>
 * Quarkus would answer each of these itself with an empty body that RxDB clients cannot
 * read as an error: the body limit in a router handler of its own, which this one runs just
 * before; the line and headers in the HTTP decoder, whose answer Quarkus offers no hook for
 * (quarkus#55082). So the decoder's limits ({@code quarkus.http.limits.max-initial-line-length},
 * {@code max-header-size}) are set far above ours and only stop what no client sends by
 * mistake; anything between the two is answered here.
 */
@ApplicationScoped
public class RequestLimits {

    static final String BODY_MESSAGE = "request body too large";

    private final RequestLimitsConfig config;

    public RequestLimits(RequestLimitsConfig config) {
        this.config = config;
    }

    void install(@Observes Router router,
                 @ConfigProperty(name = "quarkus.http.limits.max-body-size") Optional<MemorySize> maxBodySize) {
        long bodyLimit = maxBodySize.map(MemorySize::asLongValue).orElse(Long.MAX_VALUE);
        router.route()
                .order(RouteConstants.ROUTE_ORDER_UPLOAD_LIMIT - 1)
                .handler(ctx -> refuseIfTooLarge(ctx, bodyLimit));
    }

    private void refuseIfTooLarge(RoutingContext ctx, long bodyLimit) {
        HttpServerRequest request = ctx.request();
        if (requestLineLength(request) > config.maxRequestLine()) {
            refuse(ctx, 414, "request line too long: at most " + config.maxRequestLine() + " characters");
        } else if (headersSize(request) > config.maxHeaderSize().asLongValue()) {
            refuse(ctx, 431, "request headers too large: at most " + config.maxHeaderSize().asLongValue() + " bytes");
        } else if (contentLength(request.getHeader(HttpHeaders.CONTENT_LENGTH)) > bodyLimit) {
            refuse(ctx, 413, BODY_MESSAGE);
        } else {
            ctx.next();
        }
    }

    /** As the HTTP decoder counts it: method, target and version with the two spaces. */
    private static int requestLineLength(HttpServerRequest request) {
        return request.method().name().length() + 1 + request.uri().length() + 1 + "HTTP/1.1".length();
    }

    /** As the HTTP decoder counts it: every header line without its line end. */
    private static long headersSize(HttpServerRequest request) {
        long size = 0;
        for (Map.Entry<String, String> header : request.headers()) {
            size += header.getKey().length() + 2 + header.getValue().length();
        }
        return size;
    }

    /** A Content-Length header's value; -1 when there is none or it is malformed (Vert.x refuses such a request itself). */
    static long contentLength(String header) {
        if (header == null) {
            return -1;
        }
        try {
            return Long.parseLong(header.strip());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /**
     * Answers and closes the connection: a refused request's unread body (or the rest of
     * an overlong head) would otherwise be parsed as the next request.
     */
    static void refuse(RoutingContext ctx, int status, String message) {
        HttpServerResponse response = ctx.response();
        response.setStatusCode(status)
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .putHeader(HttpHeaders.CONNECTION, "close")
                .end(JsonObject.mapFrom(ApiError.of(status, message)).encode());
    }
}
