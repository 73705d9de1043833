package io.rxsync.web;

import io.quarkus.vertx.http.runtime.RouteConstants;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Set;

/**
 * Cache headers of the web app (README, Compression and caching). Vite names the files
 * under {@code /assets/} by their content hash, so a phone may keep them for good; the page
 * and the service worker name those files, so they are revalidated on every load, or a new
 * release would stay unseen. Quarkus' static handler gives every file the same
 * {@code public, immutable, max-age=86400}, the page included.
 * <p>
 * Decided when the headers are final, because the long lifetime is for a file that was
 * found: during a rolling deployment a page from a new instance can ask an old one for a
 * file it does not have, and that 404 must not be kept for a year (it would outlive a
 * rollback).
 */
@ApplicationScoped
public class WebAppCaching {

    static final String HASHED_ASSETS = "/assets/";
    static final String FOR_GOOD = "public, max-age=31536000, immutable";
    static final String REVALIDATE = "no-cache";
    private static final Set<String> APP_SHELL = Set.of("/", "/index.html", "/sw.js");

    void install(@Observes Router router) {
        router.route().order(RouteConstants.ROUTE_ORDER_BEFORE_DEFAULT).handler(ctx -> {
            String path = ctx.normalizedPath();
            if (path.startsWith(HASHED_ASSETS) || APP_SHELL.contains(path)) {
                ctx.addHeadersEndHandler(v -> decide(ctx, path));
            }
            ctx.next();
        });
    }

    private static void decide(RoutingContext ctx, String path) {
        HttpServerResponse response = ctx.response();
        if (APP_SHELL.contains(path)) {
            response.headers().set(HttpHeaders.CACHE_CONTROL, REVALIDATE);
        } else if (response.getStatusCode() == 200 || response.getStatusCode() == 304) {
            response.headers().set(HttpHeaders.CACHE_CONTROL, FOR_GOOD);
        } else {
            response.headers().set(HttpHeaders.CACHE_CONTROL, REVALIDATE);
        }
    }
}
