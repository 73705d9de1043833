package io.rxsync.auth;

import io.rxsync.web.ApiException;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.core.buffer.Buffer;
import io.vertx.mutiny.core.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;
import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jwk.VerificationJwkSelector;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.lang.JoseException;

/**
 * One provider's signing keys, fetched from its JWKS URL (found by discovery unless
 * configured) without blocking: Vert.x's HTTP client, on the event loop's terms.
 *
 * <p>A token signed by a key we do not have (the provider rotated) triggers one fetch, shared
 * by every request waiting for it and at most one per {@code jwks-min-refresh-interval}, so a
 * flood of made-up key ids cannot turn into a flood of fetches. Keys older than
 * {@code jwks-max-age} are fetched again in the background while the old ones keep serving.
 */
final class ProviderKeys {

    private static final Logger LOG = Logger.getLogger(ProviderKeys.class);

    private final HttpClient http;
    private final String issuer;
    private final String configuredJwksUrl;
    private final Duration minRefreshInterval;
    private final Duration maxAge;
    private final Duration timeout;
    private final Clock clock;
    private final AtomicLong fetches = new AtomicLong();

    private volatile List<JsonWebKey> keys = List.of();
    private volatile Instant fetchedAt = Instant.EPOCH;
    /** Guarded by this: when the last fetch started, and the fetch under way. */
    private Instant lastAttempt = Instant.EPOCH;
    private Uni<Void> inFlight;
    private volatile String jwksUrl;

    ProviderKeys(HttpClient http, String issuer, String jwksUrl, Duration minRefreshInterval, Duration maxAge,
                 Duration timeout, Clock clock) {
        this.http = http;
        this.issuer = issuer;
        this.configuredJwksUrl = jwksUrl;
        this.jwksUrl = jwksUrl;
        this.minRefreshInterval = minRefreshInterval;
        this.maxAge = maxAge;
        this.timeout = timeout;
        this.clock = clock;
    }

    /** The key that verifies this signature; fails with 401 when the provider has none for it. */
    Uni<JsonWebKey> keyFor(JsonWebSignature jws) {
        JsonWebKey known = select(jws);
        if (known != null) {
            if (fetchedAt.plus(maxAge).isBefore(clock.instant())) {
                refresh().subscribe().with(done -> { }, failure -> LOG.warnf("refreshing the keys of %s failed: %s", issuer, failure.getMessage()));
            }
            return Uni.createFrom().item(known);
        }
        return refresh().map(fetched -> {
            JsonWebKey key = select(jws);
            if (key == null) {
                throw ApiException.unauthorized("invalid or expired token");
            }
            return key;
        });
    }

    /** JWKS documents fetched so far (the rate limit is observable: metrics, tests). */
    long fetches() {
        return fetches.get();
    }

    /** The fetch under way, a new one, or nothing when the last one started too recently. */
    private synchronized Uni<Void> refresh() {
        if (inFlight != null) {
            return inFlight;
        }
        Instant now = clock.instant();
        if (now.isBefore(lastAttempt.plus(minRefreshInterval))) {
            return Uni.createFrom().voidItem();
        }
        lastAttempt = now;
        Uni<Void> fetch = jwksUrl()
                .flatMap(url -> get(url).invoke(fetches::incrementAndGet))
                .invoke(body -> {
                    keys = parse(body);
                    fetchedAt = clock.instant();
                })
                .replaceWithVoid()
                .onFailure().transform(e -> e instanceof ApiException ? e
                        : new ApiException(503, "the identity provider's keys could not be fetched"))
                .onTermination().invoke(this::fetchEnded)
                .memoize().indefinitely();
        inFlight = fetch;
        return fetch;
    }

    private synchronized void fetchEnded() {
        inFlight = null;
    }

    private JsonWebKey select(JsonWebSignature jws) {
        try {
            return new VerificationJwkSelector().select(jws, keys);
        } catch (JoseException e) {
            return null;
        }
    }

    /** The configured JWKS URL, or the one the provider's discovery document names (read once). */
    private Uni<String> jwksUrl() {
        String url = jwksUrl;
        if (url != null) {
            return Uni.createFrom().item(url);
        }
        String discovery = issuer.replaceAll("/+$", "") + "/.well-known/openid-configuration";
        return get(discovery).map(body -> {
            JsonObject document = new JsonObject(body.toString());
            if (!issuer.equals(document.getString("issuer"))) {
                throw new IllegalStateException("discovery document of " + issuer + " names issuer " + document.getString("issuer"));
            }
            String named = document.getString("jwks_uri");
            if (named == null) {
                throw new IllegalStateException("discovery document of " + issuer + " names no jwks_uri");
            }
            jwksUrl = named;
            return named;
        });
    }

    private Uni<Buffer> get(String url) {
        return http.request(new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(url)
                        .putHeader("Accept", "application/json"))
                .flatMap(request -> request.send())
                .flatMap(response -> {
                    if (response.statusCode() != 200) {
                        return Uni.createFrom().failure(new IllegalStateException(url + " answered " + response.statusCode()));
                    }
                    return response.body();
                })
                .ifNoItem().after(timeout).fail()
                .onFailure().invoke(e -> LOG.warnf("fetching %s failed: %s", url, e.getMessage()));
    }

    private static List<JsonWebKey> parse(Buffer body) {
        try {
            return List.copyOf(new JsonWebKeySet(body.toString()).getJsonWebKeys());
        } catch (JoseException e) {
            throw new IllegalStateException("not a JWKS document: " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "keys of " + issuer + (configuredJwksUrl != null ? " at " + configuredJwksUrl : " by discovery");
    }
}
