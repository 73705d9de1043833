package io.rxsync.support;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jwk.RsaJsonWebKey;
import org.jose4j.jwk.RsaJwkGenerator;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.keys.HmacKey;
import org.jose4j.lang.JoseException;

/**
 * An OIDC provider of the tests' own, over real HTTP on a free loopback port: a discovery
 * document and a JWKS endpoint that counts its fetches, RSA keys it can rotate, and tokens
 * signed with them (or forged in the ways an attacker would). The real provider (Keycloak)
 * is proven in the Node suite; this one lets the Java tests see every fetch.
 */
public class TestIdentityProvider implements QuarkusTestResourceLifecycleManager {

    public static final String AUDIENCE = "rxsync-tests";
    private static volatile TestIdentityProvider running;

    private HttpServer server;
    private String issuer;
    private final List<RsaJsonWebKey> published = new ArrayList<>();
    private final AtomicInteger jwksFetches = new AtomicInteger();

    /** The provider of the running application. */
    public static TestIdentityProvider running() {
        if (running == null) {
            throw new IllegalStateException("the test identity provider runs only under its test profile");
        }
        return running;
    }

    @Override
    public Map<String, String> start() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        issuer = "http://127.0.0.1:" + server.getAddress().getPort() + "/realms/tests";
        server.createContext("/realms/tests/.well-known/openid-configuration", exchange -> answer(exchange,
                "{\"issuer\":\"" + issuer + "\",\"jwks_uri\":\"" + issuer + "/protocol/openid-connect/certs\"}"));
        server.createContext("/realms/tests/protocol/openid-connect/certs", exchange -> {
            jwksFetches.incrementAndGet();
            answer(exchange, jwks());
        });
        server.start();
        rotate();
        running = this;
        return Map.of("rxsync.oidc.issuer", issuer, "rxsync.oidc.audience", AUDIENCE,
                "rxsync.oidc.groups-claim", "realm_access.roles",
                "rxsync.oidc.jwks-min-refresh-interval", "PT2S");
    }

    @Override
    public void stop() {
        server.stop(0);
        running = null;
    }

    public String issuer() {
        return issuer;
    }

    public int jwksFetches() {
        return jwksFetches.get();
    }

    /** Publishes a new signing key beside the old ones; new tokens are signed with it. */
    public synchronized RsaJsonWebKey rotate() {
        try {
            RsaJsonWebKey key = RsaJwkGenerator.generateJwk(2048);
            key.setKeyId(UUID.randomUUID().toString());
            key.setAlgorithm(AlgorithmIdentifiers.RSA_USING_SHA256);
            key.setUse("sig");
            published.add(key);
            return key;
        } catch (JoseException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Claims of a valid token: this issuer, the audience, 5 minutes to live. */
    public JwtClaims claims(String subject) {
        JwtClaims claims = new JwtClaims();
        claims.setIssuer(issuer);
        claims.setAudience(AUDIENCE);
        claims.setSubject(subject);
        claims.setIssuedAtToNow();
        claims.setExpirationTimeMinutesInTheFuture(5);
        claims.setClaim("email", subject.replaceAll("[^a-z0-9]", "") + "@example.test");
        claims.setClaim("name", "User " + subject);
        claims.setClaim("realm_access", Map.of("roles", List.of("sales", "europe")));
        return claims;
    }

    /** Signed with the newest published key. */
    public synchronized String sign(JwtClaims claims) {
        return sign(claims, published.get(published.size() - 1));
    }

    /** Signed with a key that may or may not be published. */
    public String sign(JwtClaims claims, RsaJsonWebKey key) {
        JsonWebSignature jws = new JsonWebSignature();
        jws.setPayload(claims.toJson());
        jws.setKey(key.getPrivateKey());
        jws.setKeyIdHeaderValue(key.getKeyId());
        jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.RSA_USING_SHA256);
        return serialize(jws);
    }

    /** HS256 with the public modulus as the secret: the key-confusion forgery. */
    public synchronized String signHmacWithPublicKey(JwtClaims claims) {
        RsaJsonWebKey key = published.get(published.size() - 1);
        JsonWebSignature jws = new JsonWebSignature();
        jws.setPayload(claims.toJson());
        jws.setKey(new HmacKey(key.getRsaPublicKey().getEncoded()));
        jws.setKeyIdHeaderValue(key.getKeyId());
        jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.HMAC_SHA256);
        jws.setDoKeyValidation(false);
        return serialize(jws);
    }

    /** No signature at all. */
    public String unsigned(JwtClaims claims) {
        JsonWebSignature jws = new JsonWebSignature();
        jws.setPayload(claims.toJson());
        jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.NONE);
        jws.setAlgorithmConstraints(org.jose4j.jwa.AlgorithmConstraints.NO_CONSTRAINTS);
        return serialize(jws);
    }

    private synchronized String jwks() {
        return new JsonWebKeySet(new ArrayList<>(published)).toJson(org.jose4j.jwk.JsonWebKey.OutputControlLevel.PUBLIC_ONLY);
    }

    private static String serialize(JsonWebSignature jws) {
        try {
            return jws.getCompactSerialization();
        } catch (JoseException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void answer(HttpExchange exchange, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, body.length);
        exchange.getResponseBody().write(body);
        exchange.close();
    }
}
