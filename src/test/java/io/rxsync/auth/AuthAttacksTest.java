package io.rxsync.auth;

import static io.restassured.RestAssured.given;
import static io.rxsync.support.Api.ORDERS;
import static io.rxsync.support.Api.order;
import static io.rxsync.support.Api.register;
import static io.rxsync.support.Api.row;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.emptyOrNullString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.rxsync.support.Api.TestUser;
import io.rxsync.support.OwnerSql;
import io.rxsync.support.SseClient;
import io.smallrye.jwt.build.Jwt;
import jakarta.inject.Inject;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.security.KeyPairGenerator;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Forged, stale and orphaned credentials on every sync route, and password guessing at the
 * login: each answered with the protocol's JSON error, and nothing written.
 */
@QuarkusTest
class AuthAttacksTest {

    @TestHTTPResource("/api/v1/sync/orders/0/pullStream")
    URL streamUrl;

    @Inject
    LoginThrottleConfig throttle;

    @Test
    void forgedAndStaleTokensGet401OnPullPushAndStream() throws Exception {
        TestUser user = register();
        var otherKey = KeyPairGenerator.getInstance("RSA");
        otherKey.initialize(2048);
        Map<String, String> tokens = new LinkedHashMap<>();
        tokens.put("no token", null);
        tokens.put("not a JWT", "not-a-jwt");
        tokens.put("another scheme", "Basic " + Base64.getEncoder().encodeToString("a:b".getBytes()));
        tokens.put("signed with another key",
                Jwt.subject(user.id()).issuer("rxsync").sign(otherKey.generateKeyPair().getPrivate()));
        tokens.put("alg none", unsigned(user.id()));
        tokens.put("expired", Jwt.subject(user.id()).issuer("rxsync").expiresAt(Instant.now().minusSeconds(60)).sign());
        tokens.put("another issuer", Jwt.subject(user.id()).issuer("evil").sign());
        tokens.put("signature of another token", swapPayload(user.token(), user.id().replace('a', 'b')));
        tokens.put("subject not a uuid", Jwt.subject("admin").issuer("rxsync").sign());

        for (var t : tokens.entrySet()) {
            String header = t.getValue() == null ? null
                    : t.getValue().startsWith("Basic ") ? t.getValue() : "Bearer " + t.getValue();
            assertRefused(t.getKey(), header, user);
        }
        assertEquals(0L, ordersOf(user), "nothing was written");
    }

    @Test
    void theTokenOfADeletedAccountGets401() throws Exception {
        TestUser tombstoned = register();
        TestUser removed = register();
        OwnerSql.update("UPDATE users SET deleted = true WHERE id = ?::uuid", tombstoned.id());
        OwnerSql.update("DELETE FROM users WHERE id = ?::uuid", removed.id());

        for (TestUser gone : List.of(tombstoned, removed)) {
            assertRefused("deleted account", gone.bearer(), gone);
            login(gone.email(), "correct horse battery", randomAddress()).then().statusCode(401)
                    .body("message", equalTo("invalid email or password"));
        }
        assertEquals(0L, ordersOf(tombstoned));
    }

    @Test
    void aStreamOfADeletedAccountIsRefusedBeforeItStarts() throws Exception {
        TestUser user = register();
        try (SseClient live = new SseClient(streamUrl.toString(), user.bearer())) {
            assertEquals(200, live.status, "the same token streams while the account exists");
        }
        OwnerSql.update("UPDATE users SET deleted = true WHERE id = ?::uuid", user.id());
        try (SseClient stream = new SseClient(streamUrl.toString(), user.bearer())) {
            assertEquals(401, stream.status);
        }
    }

    @Test
    void guessingOneAccountsPasswordIsThrottledWhetherOrNotTheAccountExists() {
        TestUser victim = register();
        String unknown = "nobody-" + UUID.randomUUID() + "@example.test";
        for (String email : List.of(victim.email(), unknown)) {
            String address = randomAddress();
            for (int i = 0; i < throttle.maxFailuresPerAccount(); i++) {
                login(email, "wrong password " + i, address).then().statusCode(401)
                        .body("message", equalTo("invalid email or password"));
            }
            // the next try, even with the right password and from elsewhere, waits for the window
            for (String from : List.of(address, randomAddress())) {
                login(email, "correct horse battery", from).then().statusCode(429)
                        .header("Retry-After", not(emptyOrNullString()))
                        .body("code", equalTo(429)).body("error", equalTo(true))
                        .body("message", equalTo("too many failed logins; try again later"));
            }
        }
        Response throttled = login(victim.email(), "x", randomAddress());
        int retryAfter = Integer.parseInt(throttled.header("Retry-After"));
        assertTrue(retryAfter > 0 && retryAfter <= 15 * 60, "within the 15-minute window: " + retryAfter);
        // other accounts are not affected
        TestUser bystander = register();
        login(bystander.email(), "correct horse battery", randomAddress()).then().statusCode(200);
    }

    @Test
    void oneAddressTryingManyAccountsIsThrottled() {
        String address = randomAddress();
        for (int i = 0; i < throttle.maxFailuresPerAddress(); i++) {
            login("spray-" + UUID.randomUUID() + "@example.test", "Winter2024!", address).then().statusCode(401);
        }
        TestUser someone = register();
        login(someone.email(), "correct horse battery", address).then().statusCode(429)
                .header("Retry-After", not(emptyOrNullString())).body("error", equalTo(true));
        login(someone.email(), "correct horse battery", randomAddress()).then().statusCode(200);
    }

    @Test
    void registrationRequiresAPasswordOfTenCharactersAtLeast() {
        for (String weak : List.of("", "          ", "123456789")) {
            given().contentType(ContentType.JSON)
                    .body(Map.of("email", "weak-" + UUID.randomUUID() + "@example.test", "password", weak, "displayName", "W"))
                    .post("/api/v1/auth/register").then().statusCode(400).body("error", equalTo(true))
                    .body("message", org.hamcrest.Matchers.containsString("password"));
        }
    }

    private void assertRefused(String what, String authorization, TestUser owner) throws Exception {
        var pull = given().queryParam("lwt", 0).queryParam("id", "").queryParam("limit", 10);
        var push = given().contentType(ContentType.JSON).body(List.of(row(null, order(owner, "pending", 1))));
        if (authorization != null) {
            pull = pull.header("Authorization", authorization);
            push = push.header("Authorization", authorization);
        }
        pull.get(ORDERS + "/pull").then().statusCode(401).body("code", equalTo(401)).body("error", equalTo(true));
        push.post(ORDERS + "/push").then().statusCode(401).body("code", equalTo(401)).body("error", equalTo(true));
        try (SseClient stream = new SseClient(streamUrl.toString(), authorization)) {
            assertEquals(401, stream.status, what + ": stream");
        }
    }

    private static Response login(String email, String password, String address) {
        return given().contentType(ContentType.JSON).header("X-Forwarded-For", address)
                .body(Map.of("email", email, "password", password)).post("/api/v1/auth/login");
    }

    /** A client address of the documentation range, a new one per call. */
    private static String randomAddress() {
        int n = (int) (Math.random() * 65_000);
        return "198.51." + (n / 256) + "." + (n % 256);
    }

    private static long ordersOf(TestUser user) {
        return ((Number) OwnerSql.single("SELECT count(*) FROM orders WHERE user_id = ?::uuid", user.id())).longValue();
    }

    /** A token that names no signature algorithm at all ({@code alg: none}), the classic forgery. */
    private static String unsigned(String subject) {
        var b64 = Base64.getUrlEncoder().withoutPadding();
        String header = b64.encodeToString("{\"alg\":\"none\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
        String payload = b64.encodeToString(("{\"sub\":\"" + subject + "\",\"iss\":\"rxsync\",\"exp\":"
                + Instant.now().plusSeconds(3600).getEpochSecond() + "}").getBytes(StandardCharsets.UTF_8));
        return header + "." + payload + ".";
    }

    /** A real token's header and signature around a payload naming someone else. */
    private static String swapPayload(String token, String subject) {
        String[] parts = token.split("\\.");
        String payload = Base64.getUrlEncoder().withoutPadding().encodeToString(("{\"sub\":\"" + subject
                + "\",\"iss\":\"rxsync\",\"exp\":" + Instant.now().plusSeconds(3600).getEpochSecond() + "}")
                .getBytes(StandardCharsets.UTF_8));
        return parts[0] + "." + payload + "." + parts[2];
    }
}
