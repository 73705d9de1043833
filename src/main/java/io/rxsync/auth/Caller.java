package io.rxsync.auth;

import java.time.Instant;

/**
 * The verified user behind a request.
 *
 * @param userId    the token's {@code sub}
 * @param expiresAt when the token stops being valid; an open stream is closed then
 */
public record Caller(String userId, Instant expiresAt) {
}
