package io.rxsync.auth;

import io.rxsync.web.ApiException;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.jose4j.jwa.AlgorithmConstraints;
import org.jose4j.lang.InvalidAlgorithmException;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.MalformedClaimException;
import org.jose4j.jwt.consumer.InvalidJwtException;
import org.jose4j.jwt.consumer.JwtConsumer;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;
import org.jose4j.jwt.consumer.JwtContext;

/**
 * Access tokens of the external OIDC provider (OidcConfig), verified with jose4j against the
 * provider's published keys: signature by an asymmetric algorithm only ({@code none} and HMAC
 * are refused: the keys are public, an HMAC "signed" with one proves nothing), issuer,
 * audience, expiry.
 */
@ApplicationScoped
public class ExternalTokens {

    /** What a verified token says about its user. */
    record Identity(String issuer, String subject, String email, String name, Set<String> groups, Instant expiresAt) {
    }

    /** Asymmetric signatures only. */
    private static final AlgorithmConstraints ASYMMETRIC = new AlgorithmConstraints(AlgorithmConstraints.ConstraintType.PERMIT,
            AlgorithmIdentifiers.RSA_USING_SHA256, AlgorithmIdentifiers.RSA_USING_SHA384, AlgorithmIdentifiers.RSA_USING_SHA512,
            AlgorithmIdentifiers.RSA_PSS_USING_SHA256, AlgorithmIdentifiers.RSA_PSS_USING_SHA384, AlgorithmIdentifiers.RSA_PSS_USING_SHA512,
            AlgorithmIdentifiers.ECDSA_USING_P256_CURVE_AND_SHA256, AlgorithmIdentifiers.ECDSA_USING_P384_CURVE_AND_SHA384,
            AlgorithmIdentifiers.ECDSA_USING_P521_CURVE_AND_SHA512, AlgorithmIdentifiers.EDDSA);
    /** Reads the header and claims to choose the verifier; verifies nothing itself. */
    private static final JwtConsumer UNVERIFIED = new JwtConsumerBuilder()
            .setSkipAllValidators().setDisableRequireSignature().setSkipSignatureVerification().build();
    private static final String INVALID = "invalid or expired token";

    private final OidcConfig config;
    private final Clock clock;
    private final ProviderKeys keys;

    public ExternalTokens(OidcConfig config, Vertx vertx) {
        this.config = config;
        this.clock = Clock.systemUTC();
        if (config.issuer().isPresent() && config.audience().isEmpty()) {
            throw new IllegalStateException("rxsync.oidc.audience (RXSYNC_OIDC_AUDIENCE) is required with an issuer");
        }
        this.keys = config.issuer().map(issuer -> new ProviderKeys(
                vertx.createHttpClient(new HttpClientOptions().setConnectTimeout((int) config.fetchTimeout().toMillis())),
                issuer, config.jwksUrl().orElse(null), config.jwksMinRefreshInterval(), config.jwksMaxAge(),
                config.fetchTimeout(), clock)).orElse(null);
    }

    /** The token's claims, unverified, when it claims to come from the external provider. */
    Optional<JwtContext> claimsExternal(String raw) {
        if (keys == null) {
            return Optional.empty();
        }
        try {
            JwtContext context = UNVERIFIED.process(raw);
            return config.issuer().get().equals(context.getJwtClaims().getIssuer()) ? Optional.of(context) : Optional.empty();
        } catch (InvalidJwtException | MalformedClaimException e) {
            return Optional.empty();
        }
    }

    /** Verifies a token {@link #claimsExternal} accepted; fails with the JSON 401. */
    Uni<Identity> verify(JwtContext unverified) {
        if (unverified.getJoseObjects().size() != 1 || !(unverified.getJoseObjects().get(0) instanceof JsonWebSignature jws)
                || !asymmetric(jws)) {
            // before any key lookup: a token that cannot be valid must not make us fetch keys
            return Uni.createFrom().failure(ApiException.unauthorized(INVALID));
        }
        return keys.keyFor(jws).map(key -> identity(unverified, key.getKey()));
    }

    /** JWKS documents fetched from the provider so far. */
    public long keyFetches() {
        return keys == null ? 0 : keys.fetches();
    }

    private Identity identity(JwtContext unverified, java.security.Key key) {
        try {
            new JwtConsumerBuilder()
                    .setJwsAlgorithmConstraints(ASYMMETRIC)
                    .setVerificationKey(key)
                    .setExpectedIssuer(config.issuer().get())
                    .setExpectedAudience(config.audience().get())
                    .setRequireExpirationTime()
                    // for nbf and iat against a provider clock a little ahead; expiry is strict below
                    .setAllowedClockSkewInSeconds(30)
                    .build().processContext(unverified);
        } catch (InvalidJwtException e) {
            throw ApiException.unauthorized(INVALID);
        }
        JwtClaims claims = unverified.getJwtClaims();
        try {
            Instant expiresAt = Instant.ofEpochSecond(claims.getExpirationTime().getValue());
            if (!expiresAt.isAfter(clock.instant())) {
                throw ApiException.unauthorized(INVALID);
            }
            Object subject = claims.getClaimValue(config.userIdClaim());
            if (!(subject instanceof String s) || s.isBlank() || s.length() > 255) {
                throw ApiException.unauthorized("token has no valid " + config.userIdClaim() + " claim");
            }
            return new Identity(claims.getIssuer(), s, stringClaim(claims, config.emailClaim()),
                    stringClaim(claims, config.nameClaim()), groups(claims), expiresAt);
        } catch (MalformedClaimException e) {
            throw ApiException.unauthorized(INVALID);
        }
    }

    private static boolean asymmetric(JsonWebSignature jws) {
        try {
            ASYMMETRIC.checkConstraint(jws.getAlgorithmHeaderValue());
            return true;
        } catch (InvalidAlgorithmException e) {
            return false;
        }
    }

    private Set<String> groups(JwtClaims claims) {
        if (config.groupsClaim().isEmpty()) {
            return Set.of();
        }
        Object value = claims.getClaimsMap();
        for (String step : config.groupsClaim().get().split("\\.")) {
            value = value instanceof Map<?, ?> map ? map.get(step) : null;
        }
        if (value instanceof Collection<?> list) {
            return list.stream().filter(String.class::isInstance).map(String.class::cast).collect(Collectors.toUnmodifiableSet());
        }
        return value instanceof String single ? Set.of(single) : Set.of();
    }

    private static String stringClaim(JwtClaims claims, String name) {
        return claims.getClaimValue(name) instanceof String s ? s : null;
    }
}
