package io.rxsync.web;

/**
 * The one error body of the API. The official RxDB client treats any JSON body without
 * {@code "error": true} as a success, so every failure carries it.
 */
public record ApiError(int code, boolean error, String message) {

    public static ApiError of(int code, String message) {
        return new ApiError(code, true, message);
    }
}
