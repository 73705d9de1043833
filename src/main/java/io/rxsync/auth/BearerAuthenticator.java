package io.rxsync.auth;

import io.rxsync.replication.Checkpoint;
import io.rxsync.web.ApiException;
import io.smallrye.jwt.auth.principal.JWTParser;
import io.smallrye.jwt.auth.principal.ParseException;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.jose4j.jwt.consumer.JwtContext;

/**
 * Verifies {@code Authorization: Bearer <JWT>}: the tokens we sign ourselves with SmallRye
 * JWT (signature, issuer, expiry; {@code alg: none} is refused), and, when an external OIDC
 * provider is configured, the tokens whose {@code iss} is that provider's (ExternalTokens,
 * then the account linked to the user: IdentityLinks). The sync routes call it explicitly,
 * after the collection and version are known, so that an outdated client hears 426 before
 * anything else and every failure is answered in the protocol's JSON error format.
 */
@ApplicationScoped
public class BearerAuthenticator {

    private static final String PREFIX = "Bearer ";
    private static final String INVALID = "invalid or expired token";
    /** Most tokens remembered; past it the memory starts over (a client's next request verifies again). */
    static final int MAX_REMEMBERED = 10_000;
    private final JWTParser parser;
    private final ExternalTokens external;
    private final IdentityLinks links;
    /**
     * Tokens already verified, by their exact text: a client sends the same token with every
     * pull, and verifying its RS256 signature each time was a tenth of a pull's CPU
     * (benchmark); an external token also costs its account lookup once. Only verified
     * tokens get in; the expiry is checked on every request.
     */
    private final Map<String, Caller> verified = new ConcurrentHashMap<>();

    public BearerAuthenticator(JWTParser parser, ExternalTokens external, IdentityLinks links) {
        this.parser = parser;
        this.external = external;
        this.links = links;
    }

    /** The caller, verified without blocking (an external provider's keys may have to be fetched first). */
    public Uni<Caller> authenticate(String authorizationHeader) {
        String raw;
        try {
            raw = token(authorizationHeader);
            Caller known = remembered(raw);
            if (known != null) {
                return Uni.createFrom().item(known);
            }
        } catch (ApiException e) {
            return Uni.createFrom().failure(e);
        }
        Optional<JwtContext> fromProvider = external.claimsExternal(raw);
        if (fromProvider.isPresent()) {
            return external.verify(fromProvider.get()).flatMap(links::accountOf).invoke(caller -> remember(raw, caller));
        }
        return Uni.createFrom().item(() -> remember(raw, builtIn(raw)));
    }

    /**
     * The caller, for a route that must answer synchronously (the stream: its 200 goes out
     * first): a token of ours, or an external one {@link #authenticate} has verified already
     * (LiveAccountFilter does so before the stream's resource method runs).
     */
    public Caller require(String authorizationHeader) {
        String raw = token(authorizationHeader);
        Caller known = remembered(raw);
        if (known != null) {
            return known;
        }
        if (external.claimsExternal(raw).isPresent()) {
            throw ApiException.unauthorized(INVALID);
        }
        return remember(raw, builtIn(raw));
    }

    private static String token(String authorizationHeader) {
        if (authorizationHeader == null || !authorizationHeader.regionMatches(true, 0, PREFIX, 0, PREFIX.length())) {
            throw ApiException.unauthorized("missing bearer token");
        }
        return authorizationHeader.substring(PREFIX.length()).strip();
    }

    /** A verified token's caller while the token lasts; null when it was never verified here. */
    private Caller remembered(String raw) {
        Caller known = verified.get(raw);
        if (known != null && !known.expiresAt().isAfter(Instant.now())) {
            verified.remove(raw);
            throw ApiException.unauthorized(INVALID);
        }
        return known;
    }

    private Caller remember(String raw, Caller caller) {
        if (verified.size() >= MAX_REMEMBERED) {
            verified.clear();
        }
        verified.put(raw, caller);
        return caller;
    }

    private Caller builtIn(String raw) {
        JsonWebToken token;
        try {
            token = parser.parse(raw);
        } catch (ParseException e) {
            throw ApiException.unauthorized(INVALID);
        }
        String subject = token.getSubject();
        if (subject == null || !Checkpoint.isUuid(subject)) {
            throw ApiException.unauthorized("token has no valid subject");
        }
        // SmallRye allows a clock skew past `exp`; a token past its own expiry is refused here,
        // so that a stream opened with it could not outlive it.
        Instant expiresAt = Instant.ofEpochSecond(token.getExpirationTime());
        if (!expiresAt.isAfter(Instant.now())) {
            throw ApiException.unauthorized(INVALID);
        }
        return new Caller(subject, subject, Set.copyOf(token.getGroups()), expiresAt);
    }
}
