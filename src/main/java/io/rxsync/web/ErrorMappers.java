package io.rxsync.web;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Maps every failure to the protocol's JSON error body. Messages written for clients pass
 * through; anything unexpected is logged and answered with a generic 500, so no class
 * name or SQL ever reaches a client.
 */
public class ErrorMappers {

    private static final Logger LOG = Logger.getLogger(ErrorMappers.class);

    @ServerExceptionMapper
    public Response api(ApiException e) {
        Response.ResponseBuilder response = body(e.status(), e.getMessage());
        if (e.retryAfter() != null) {
            response.header("Retry-After", Long.toString(e.retryAfter().toSeconds()));
        }
        return response.build();
    }

    @ServerExceptionMapper({AuthenticationFailedException.class, UnauthorizedException.class})
    public Response unauthorized(RuntimeException e) {
        return respond(401, "missing, invalid or expired credentials");
    }

    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e) {
        return respond(403, "forbidden");
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e) {
        int status = e.getResponse().getStatus();
        String message = switch (status) {
            case 404 -> "no such route";
            case 405 -> "method not allowed";
            case 406 -> "not acceptable: this route answers application/json";
            case 413 -> RequestLimits.BODY_MESSAGE;
            case 415 -> "unsupported content type: send application/json";
            default -> status >= 500 ? "internal error" : "bad request";
        };
        return respond(status, message);
    }

    @ServerExceptionMapper
    public Response malformedJson(com.fasterxml.jackson.core.JsonProcessingException e) {
        return respond(400, "malformed JSON body");
    }

    /**
     * Valid JSON of the wrong shape for a body read into a record (register, login): an
     * array or a string instead of an object, an object where a field's text belongs.
     * Quarkus' own mapper for this answers an empty 400.
     */
    @ServerExceptionMapper
    public Response wrongJsonShape(com.fasterxml.jackson.databind.exc.MismatchedInputException e) {
        String field = e.getPath().stream()
                .map(reference -> reference.getFieldName() != null ? reference.getFieldName() : "[" + reference.getIndex() + "]")
                .collect(java.util.stream.Collectors.joining("."));
        return respond(400, field.isEmpty() ? "the body must be a JSON object" : "field '" + field + "' has the wrong JSON type");
    }

    /**
     * Quarkus' own refusal of a body past the size limit while the REST layer reads it (it
     * has answered an empty 413 and closed the connection): not an internal error. A fallback
     * only: {@link RequestLimits} and {@link ChunkedBodyLimit} refuse such bodies before.
     */
    @ServerExceptionMapper
    public Response bodyRead(java.io.IOException e) {
        if ("Request too large".equals(e.getMessage())) {
            return respond(413, RequestLimits.BODY_MESSAGE);
        }
        return unexpected(e);
    }

    @ServerExceptionMapper
    public Response unexpected(Throwable e) {
        if (DatabaseUnavailable.causes(e)) {
            // Sending the request again is safe, and RxDB clients do it on their own: a lost
            // connection rolls its transaction back, and a push lost during COMMIT that did
            // commit is recognised when re-sent (PushService: neither rewritten nor a conflict).
            LOG.warnf("database unavailable: %s", e.toString());
            return body(503, "database unavailable; retry shortly")
                    .header("Retry-After", DatabaseUnavailable.RETRY_AFTER_SECONDS).build();
        }
        LOG.error("unexpected failure", e);
        return respond(500, "internal error");
    }

    public static Response respond(int status, String message) {
        return body(status, message).build();
    }

    private static Response.ResponseBuilder body(int status, String message) {
        return Response.status(status)
                .type(MediaType.APPLICATION_JSON_TYPE)
                .entity(ApiError.of(status, message));
    }
}
