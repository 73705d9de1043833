package io.rxsync.web;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Response;
import java.io.ByteArrayInputStream;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * A body sent chunked (no Content-Length, so {@link RequestLimits} cannot judge it up
 * front) is read here, before the REST layer reads it, and refused with the JSON 413 once it
 * grows past {@code quarkus.http.limits.max-body-size}. Left to the REST layer, it was
 * refused with an empty 413 while being read. Within the limit it is handed on as it was
 * sent. Non-blocking: the chunks arrive on the event loop.
 */
public class ChunkedBodyLimit {

    private final long limit;

    public ChunkedBodyLimit(@ConfigProperty(name = "quarkus.http.limits.max-body-size") Optional<MemorySize> maxBodySize) {
        this.limit = maxBodySize.map(MemorySize::asLongValue).orElse(Long.MAX_VALUE);
    }

    @ServerRequestFilter
    public Uni<Response> readWithinLimit(ContainerRequestContext request, HttpServerRequest http) {
        if (http.getHeader(HttpHeaders.CONTENT_LENGTH) != null || !isChunked(http) || http.isEnded()) {
            return Uni.createFrom().nullItem();
        }
        return Uni.createFrom().emitter(answer -> {
            Buffer body = Buffer.buffer();
            boolean[] refused = {false};
            http.handler(chunk -> {
                if (refused[0]) {
                    return; // the rest of a refused body: dropped, the connection closes after the answer
                }
                body.appendBuffer(chunk);
                if (body.length() > limit) {
                    refused[0] = true;
                    answer.complete(Response.fromResponse(ErrorMappers.respond(413, RequestLimits.BODY_MESSAGE))
                            .header(HttpHeaders.CONNECTION.toString(), "close").build());
                }
            });
            http.exceptionHandler(answer::fail);
            http.endHandler(end -> {
                if (!refused[0]) {
                    request.setEntityStream(new ByteArrayInputStream(body.getBytes()));
                    answer.complete(null);
                }
            });
            if ("100-continue".equalsIgnoreCase(http.getHeader(HttpHeaders.EXPECT))) {
                http.response().writeContinue();
            }
            http.resume();
        });
    }

    private static boolean isChunked(HttpServerRequest http) {
        String encoding = http.getHeader(HttpHeaders.TRANSFER_ENCODING);
        return encoding != null && encoding.toLowerCase(java.util.Locale.ROOT).contains("chunked");
    }
}
