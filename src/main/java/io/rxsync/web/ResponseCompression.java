package io.rxsync.web;

import io.quarkus.vertx.http.runtime.RouteConstants;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Arrays;

/**
 * The last word on compressing an answer, once its headers are final. Quarkus marks every
 * answer {@code Content-Encoding: identity} and lifts the mark for the compressible media
 * types ({@code quarkus.http.compress-media-types}); Netty then compresses with what the
 * client accepts. Two things Quarkus leaves out are added here:
 * <ul>
 * <li>a compressible answer says {@code Vary: Accept-Encoding}, so that a cache between us
 * and a phone never hands a gzip body to a client that did not ask for one;</li>
 * <li>a body shorter than {@code rxsync.compression.min-size} (an empty page, a {@code []}
 * push answer) keeps the identity mark: Vert.x 4 has no size threshold of its own.</li>
 * </ul>
 * A streamed answer (the live stream, chunked) has no Content-Length and is left alone.
 */
@ApplicationScoped
public class ResponseCompression {

    void install(@Observes Router router, CompressionConfig config) {
        // First in the chain: headers-end handlers run last-registered first, so this one
        // runs after Quarkus' own (REST and static resources) have decided.
        router.route().order(RouteConstants.ROUTE_ORDER_BEFORE_DEFAULT).handler(ctx -> {
            ctx.addHeadersEndHandler(v -> decide(ctx, config.minSize()));
            ctx.next();
        });
    }

    private static void decide(RoutingContext ctx, int minSize) {
        MultiMap headers = ctx.response().headers();
        if (headers.contains(HttpHeaders.CONTENT_ENCODING)) {
            return; // not a compressible type, or already encoded
        }
        if (!variesOnAcceptEncoding(headers)) {
            headers.add(HttpHeaders.VARY, HttpHeaders.ACCEPT_ENCODING);
        }
        long length = RequestLimits.contentLength(headers.get(HttpHeaders.CONTENT_LENGTH));
        if (length >= 0 && length < minSize) {
            headers.set(HttpHeaders.CONTENT_ENCODING, HttpHeaders.IDENTITY);
        }
    }

    /** The static handler adds its own Vary; CORS adds {@code Vary: Origin}, maybe as one list. */
    private static boolean variesOnAcceptEncoding(MultiMap headers) {
        return headers.getAll(HttpHeaders.VARY).stream()
                .flatMap(value -> Arrays.stream(value.split(",")))
                .anyMatch(name -> name.strip().equalsIgnoreCase(HttpHeaders.ACCEPT_ENCODING.toString()));
    }
}
