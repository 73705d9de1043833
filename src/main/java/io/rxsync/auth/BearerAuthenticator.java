package io.rxsync.auth;

import io.rxsync.replication.Checkpoint;
import io.rxsync.web.ApiException;
import io.smallrye.jwt.auth.principal.JWTParser;
import io.smallrye.jwt.auth.principal.ParseException;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * Verifies {@code Authorization: Bearer <JWT>} with SmallRye JWT (signature, issuer,
 * expiry; {@code alg: none} is refused). The sync routes call it explicitly, after the
 * collection and version are known, so that an outdated client hears 426 before anything
 * else and every failure is answered in the protocol's JSON error format.
 */
@ApplicationScoped
public class BearerAuthenticator {

    private static final String PREFIX = "Bearer ";
    /** Most tokens remembered; past it the memory starts over (a client's next request verifies again). */
    static final int MAX_REMEMBERED = 10_000;
    private final JWTParser parser;
    /**
     * Tokens already verified, by their exact text: a client sends the same token with every
     * pull, and verifying its RS256 signature each time was a tenth of a pull's CPU
     * (benchmark). Only verified tokens get in; the expiry is checked on every request.
     */
    private final Map<String, Caller> verified = new ConcurrentHashMap<>();

    public BearerAuthenticator(JWTParser parser) {
        this.parser = parser;
    }

    public Caller require(String authorizationHeader) {
        if (authorizationHeader == null || !authorizationHeader.regionMatches(true, 0, PREFIX, 0, PREFIX.length())) {
            throw ApiException.unauthorized("missing bearer token");
        }
        String raw = authorizationHeader.substring(PREFIX.length()).strip();
        Caller known = verified.get(raw);
        if (known != null) {
            if (!known.expiresAt().isAfter(Instant.now())) {
                verified.remove(raw);
                throw ApiException.unauthorized("invalid or expired token");
            }
            return known;
        }
        Caller caller = verify(raw);
        if (verified.size() >= MAX_REMEMBERED) {
            verified.clear();
        }
        verified.put(raw, caller);
        return caller;
    }

    private Caller verify(String raw) {
        JsonWebToken token;
        try {
            token = parser.parse(raw);
        } catch (ParseException e) {
            throw ApiException.unauthorized("invalid or expired token");
        }
        String subject = token.getSubject();
        if (subject == null || !Checkpoint.isUuid(subject)) {
            throw ApiException.unauthorized("token has no valid subject");
        }
        // SmallRye allows a clock skew past `exp`; a token past its own expiry is refused here,
        // so that a stream opened with it could not outlive it.
        Instant expiresAt = Instant.ofEpochSecond(token.getExpirationTime());
        if (!expiresAt.isAfter(Instant.now())) {
            throw ApiException.unauthorized("invalid or expired token");
        }
        return new Caller(subject, expiresAt);
    }
}
