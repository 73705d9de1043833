package io.rxsync.web;

import java.time.Duration;

/**
 * A failure whose status and message are meant for the client. Thrown anywhere below the
 * resources; {@link ErrorMappers} turns it into an {@link ApiError} body.
 */
public class ApiException extends RuntimeException {

    private final int status;
    private final Duration retryAfter;

    public ApiException(int status, String message) {
        this(status, message, null);
    }

    private ApiException(int status, String message, Duration retryAfter) {
        super(message, null, false, false);
        this.status = status;
        this.retryAfter = retryAfter;
    }

    public int status() {
        return status;
    }

    /** When the client may try again (the Retry-After header), or null. */
    public Duration retryAfter() {
        return retryAfter;
    }

    public static ApiException badRequest(String message) {
        return new ApiException(400, message);
    }

    public static ApiException unauthorized(String message) {
        return new ApiException(401, message);
    }

    public static ApiException forbidden(String message) {
        return new ApiException(403, message);
    }

    public static ApiException notFound(String message) {
        return new ApiException(404, message);
    }

    public static ApiException tooLarge(String message) {
        return new ApiException(413, message);
    }

    public static ApiException tooManyRequests(String message, Duration retryAfter) {
        return new ApiException(429, message, retryAfter);
    }
}
