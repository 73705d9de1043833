package io.rxsync.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.rxsync.support.RawHttp;
import java.net.URL;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every error answer carries the JSON error body, whichever layer produces it: the
 * request-size checks in front of the router, and Jackson reading a body of the wrong
 * shape. (The body-size and row checks are in HostileInputTest.) Sent over a raw socket,
 * as a client library would not send these.
 */
@QuarkusTest
class ErrorBodiesTest {

    @TestHTTPResource("/")
    URL server;

    @Test
    void aRequestLineTooLongGets414WithTheJsonError() throws Exception {
        RawHttp.Answer answer = get("/api/v1/sync/orders/0/pull?limit=10&pad=" + "x".repeat(5000), "");
        assertJsonError(answer, 414, "request line too long: at most 4096 characters");
        // just within the limit: the route answers (401, no token), not the limit
        String within = "/api/v1/sync/orders/0/pull?pad=";
        assertEquals(401, get(within + "x".repeat(4096 - "GET  HTTP/1.1".length() - within.length()), "").status());
    }

    @Test
    void headersTooLargeGet431WithTheJsonError() throws Exception {
        RawHttp.Answer answer = get("/api/v1/sync", "\r\nX-Pad: " + "x".repeat(25_000));
        assertJsonError(answer, 431, "request headers too large: at most 20480 bytes");
        // many small headers count together
        StringBuilder many = new StringBuilder();
        for (int i = 0; i < 400; i++) {
            many.append("\r\nX-Pad-").append(i).append(": ").append("y".repeat(60));
        }
        assertJsonError(get("/api/v1/sync", many.toString()), 431, "request headers too large: at most 20480 bytes");
    }

    @Test
    void registerAndLoginBodiesThatAreJsonButNotAnObjectGet400WithTheJsonError() throws Exception {
        for (String route : List.of("/api/v1/auth/register", "/api/v1/auth/login")) {
            for (String body : List.of("[]", "\"ada@example.com\"", "42", "true", "[{\"email\": \"ada@example.com\"}]")) {
                assertJsonError(post(route, body), 400, "the body must be a JSON object");
            }
            assertJsonError(post(route, "{\"email\": {\"$ne\": null}, \"password\": \"correct horse battery\"}"),
                    400, "field 'email' has the wrong JSON type");
        }
    }

    private RawHttp.Answer get(String target, String moreHeaders) throws Exception {
        return RawHttp.exchange(server, "GET " + target + " HTTP/1.1\r\nHost: localhost" + moreHeaders + "\r\nConnection: close", "");
    }

    private RawHttp.Answer post(String route, String body) throws Exception {
        return RawHttp.exchange(server, "POST " + route + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json"
                + "\r\nConnection: close", body);
    }

    private static void assertJsonError(RawHttp.Answer answer, int status, String message) throws Exception {
        assertEquals(status, answer.status(), answer.toString());
        assertTrue(answer.headers().getOrDefault("content-type", "").startsWith("application/json"), answer.toString());
        assertEquals(Map.of("code", status, "error", true, "message", message),
                new ObjectMapper().readValue(answer.body(), Map.class), answer.toString());
    }
}
