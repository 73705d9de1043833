package io.rxsync.auth;

import java.time.Instant;
import java.util.Set;

/**
 * The verified user behind a request.
 *
 * @param userId    their account's id (a uuid of {@code users}): the built-in token's
 *                  {@code sub}, or the account linked to an external provider's subject
 * @param subject   their id at the provider that signed the token (for a built-in token: userId)
 * @param groups    the groups the token names (the external provider's configured groups
 *                  claim, README), for scopes whose membership lives at the provider
 * @param expiresAt when the token stops being valid; an open stream is closed then
 */
public record Caller(String userId, String subject, Set<String> groups, Instant expiresAt) {
}
