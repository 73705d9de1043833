package io.rxsync.replication;

import static io.restassured.RestAssured.given;
import static io.rxsync.support.Api.ORDERS;
import static io.rxsync.support.Api.order;
import static io.rxsync.support.Api.pull;
import static io.rxsync.support.Api.pullOk;
import static io.rxsync.support.Api.push;
import static io.rxsync.support.Api.pushOk;
import static io.rxsync.support.Api.register;
import static io.rxsync.support.Api.row;
import static io.rxsync.support.Api.with;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.rxsync.support.Api.TestUser;
import io.rxsync.support.OwnerSql;
import io.rxsync.support.RawHttp;
import java.net.URL;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Requests built to break the server: each gets a clear JSON error (or, where the value is
 * merely unusual, is stored verbatim), and nothing of a refused request is written.
 */
@QuarkusTest
class HostileInputTest {

    private static final String SQL = "'); DROP TABLE orders; --";

    @TestHTTPResource("/api/v1/sync/orders/0/push")
    URL pushUrl;

    @Test
    void aPushThatIsNotJsonOrNotAnArrayIsRefused() {
        TestUser user = register();
        String good = "[{\"newDocumentState\":" + json(order(user, "pending", 1)) + "}]";
        assertError(rawPush(user, ContentType.TEXT, good), 415, "content type");
        assertError(rawPush(user, ContentType.URLENC, good), 415, "content type");
        for (String bad : List.of("[{\"newDocumentState\": ", "not json", "{}", "\"a string\"", "[1, 2]", "[null]",
                "[{\"newDocumentState\": null}]", "[{\"newDocumentState\": []}]")) {
            assertError(rawPush(user, ContentType.JSON, bad), 400, bad);
        }
        assertNothingStored(user);
    }

    @Test
    void aBatchNamingOneIdTwiceIsRefusedWhole() {
        TestUser user = register();
        Map<String, Object> doc = order(user, "pending", 1);
        push(user, ORDERS, List.of(row(null, order(user, "paid", 2)), row(null, doc), row(null, with(doc, "totalCents", 3))))
                .then().statusCode(400).body("error", equalTo(true))
                .body("message", containsString("row 2")).body("message", containsString("twice"));
        assertNothingStored(user);
    }

    @Test
    void deepOrHugeMetadataIsRefused() {
        TestUser user = register();
        Map<String, Object> deep = new LinkedHashMap<>();
        Map<String, Object> level = deep;
        for (int i = 0; i < 200; i++) {
            Map<String, Object> next = new LinkedHashMap<>();
            level.put("d", next);
            level = next;
        }
        Map<String, Object> wide = new LinkedHashMap<>();
        for (int i = 0; i < 20_000; i++) {
            wide.put("k" + i, "v" + i);
        }
        for (var metadata : Map.of("nested 200 deep", deep, "20,000 keys", wide).entrySet()) {
            push(user, ORDERS, List.of(row(null, with(order(user, "pending", 1), "metadata", metadata.getValue()))))
                    .then().statusCode(400).body("error", equalTo(true))
                    .body("message", containsString("row 0")).body("message", containsString("metadata"));
        }
        assertNothingStored(user);
    }

    @Test
    void aBodyOverTheSizeLimitGets413WithTheJsonErrorBody() throws Exception {
        TestUser user = register();
        Map<String, Object> big = with(order(user, "pending", 1), "note", "x".repeat(5 * 1024 * 1024));
        // declared length (what browsers and RxDB clients send)
        push(user, ORDERS, List.of(row(null, big))).then().statusCode(413)
                .body("code", equalTo(413)).body("error", equalTo(true)).body("message", equalTo("request body too large"));
        // chunked, no length declared (no RxDB client sends this): refused while it streams in,
        // with the same JSON error
        String chunk = "[" + json(row(null, with(order(user, "pending", 1), "note", "x".repeat(60_000)))) + ",";
        RawHttp.Answer chunked = RawHttp.chunked(pushUrl, "POST " + pushUrl.getPath() + " HTTP/1.1\r\nHost: localhost\r\n"
                + "Content-Type: application/json\r\nAuthorization: " + user.bearer(),
                chunk, 5 * 1024 * 1024 / chunk.length() + 2);
        assertEquals(413, chunked.status(), chunked.toString());
        assertEquals(Map.of("code", 413, "error", true, "message", "request body too large"), parse(chunked.body()));
        assertEquals("close", chunked.headers().get("connection"));
        assertNothingStored(user);
    }

    @Test
    void aChunkedBodyWithinTheLimitIsReadAsSent() throws Exception {
        TestUser user = register();
        Map<String, Object> doc = with(order(user, "pending", 1), "note", "y".repeat(900));
        String body = "[" + json(row(null, doc)) + "]";
        RawHttp.Answer answer = RawHttp.chunked(pushUrl, "POST " + pushUrl.getPath() + " HTTP/1.1\r\nHost: localhost\r\n"
                + "Content-Type: application/json\r\nAuthorization: " + user.bearer() + "\r\nConnection: close", body, 1);
        assertEquals(200, answer.status(), answer.toString());
        assertEquals("[]", answer.body());
        assertEquals(List.of(doc), pullOk(user, 0, "", 10).documents());
    }

    @Test
    void invalidUnicodeIsRefusedNamingTheRowAndFieldRatherThanStoredAsQuestionMarks() {
        TestUser user = register();
        String good = "{\"newDocumentState\": " + json(order(user, "pending", 1)) + "}";
        // JSON may escape half of a UTF-16 pair; Java then holds a lone surrogate, which the
        // way to PostgreSQL turned into '?'
        Map<String, String> bad = Map.of(
                "note", json(with(order(user, "pending", 1), "note", "NOTE")).replace("NOTE", "a\\ud800b"),
                "metadata", json(with(order(user, "pending", 1), "metadata", Map.of("k", "VALUE"))).replace("VALUE", "\\udc00"),
                "metadata key", json(with(order(user, "pending", 1), "metadata", Map.of("KEY", 1))).replace("KEY", "x\\ud83d"));
        bad.forEach((what, doc) -> {
            Response r = rawPush(user, ContentType.JSON, "[" + good + ", {\"newDocumentState\": " + doc + "}]");
            assertError(r, 400, what);
            r.then().body("message", containsString("row 1")).body("message", containsString("field '" + what.split(" ")[0] + "'"));
        });
        // a lone surrogate in an account's name is refused too
        given().contentType(ContentType.JSON)
                .body("{\"email\": \"u" + UUID.randomUUID() + "@example.test\", \"password\": \"correct horse battery\", "
                        + "\"displayName\": \"a\\ud800b\"}")
                .post("/api/v1/auth/register").then().statusCode(400).body("message", containsString("displayName"));
        assertNothingStored(user);

        // an escaped pair is one character (an emoji): stored and pulled back as sent
        Map<String, Object> emoji = with(order(user, "pending", 1), "note", "NOTE");
        Response ok = rawPush(user, ContentType.JSON, "[{\"newDocumentState\": " + json(emoji).replace("NOTE", "ok \\ud83d\\ude00") + "}]");
        ok.then().statusCode(200);
        assertEquals("ok \ud83d\ude00", OwnerSql.single("SELECT note FROM orders WHERE id = ?::uuid", emoji.get("id")));
    }

    @Test
    void deletedNullIsNotABoolean() {
        TestUser user = register();
        Map<String, Object> doc = order(user, "pending", 1);
        push(user, ORDERS, List.of(row(null, doc), row(null, with(order(user, "pending", 2), "_deleted", null))))
                .then().statusCode(400).body("error", equalTo(true))
                .body("message", equalTo("row 1: field '_deleted' must be a boolean"));
        assertNothingStored(user);
        // with the flag left out it is a live document
        Map<String, Object> withoutFlag = new LinkedHashMap<>(doc);
        withoutFlag.remove("_deleted");
        pushOk(user, List.of(row(null, withoutFlag)));
        assertEquals(List.of(doc), pullOk(user, 0, "", 10).documents());
    }

    @Test
    void sqlJsonAndPathTricksInValuesAreStoredVerbatim() {
        TestUser user = register();
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("'; DELETE FROM users; --", SQL);
        metadata.put("$where", "1 == 1");
        metadata.put("__proto__", Map.of("admin", true));
        metadata.put("../../etc/passwd", "{\"injected\": true}");
        metadata.put("a\\\"b", List.of("\\u0000 as text", "${jndi:ldap://x}", "<script>alert(1)</script>"));
        Map<String, Object> doc = with(with(order(user, "pending", 1), "note", SQL + " \\ \" ' ` $1 %s ?"), "metadata", metadata);
        pushOk(user, List.of(row(null, doc)));

        assertEquals(List.of(doc), pullOk(user, 0, "", 10).documents(), "pulled back exactly as pushed");
        assertEquals(SQL + " \\ \" ' ` $1 %s ?", OwnerSql.single("SELECT note FROM orders WHERE id = ?::uuid", doc.get("id")));
        assertEquals(2L, ((Number) OwnerSql.single("SELECT count(*) FROM pg_tables WHERE tablename IN ('orders', 'users')")).longValue());
    }

    @Test
    void sqlJsonAndPathTricksInIdsCheckpointsAndRoutesAreRefused() {
        TestUser user = register();
        for (Object id : List.of("x' OR '1'='1", UUID.randomUUID() + "'; --", "../" + UUID.randomUUID(),
                Map.of("$gt", ""), List.of(UUID.randomUUID().toString()))) {
            push(user, ORDERS, List.of(row(null, with(order(user, "pending", 1), "id", id))))
                    .then().statusCode(400).body("error", equalTo(true)).body("message", containsString("id"));
        }
        // the owner cannot be smuggled in as an object or a list either
        push(user, ORDERS, List.of(row(null, with(order(user, "pending", 1), "userId", Map.of("$ne", "")))))
                .then().statusCode(400).body("error", equalTo(true));
        // a NUL character, which PostgreSQL text cannot hold, is refused rather than failing the write
        push(user, ORDERS, List.of(row(null, with(order(user, "pending", 1), "note", "a\u0000b"))))
                .then().statusCode(400).body("message", containsString("note"));
        push(user, ORDERS, List.of(row(null, with(order(user, "pending", 1), "metadata", Map.of("a\u0000b", 1)))))
                .then().statusCode(400).body("message", containsString("metadata"));

        for (String lwt : List.of("0 OR 1=1", "0; SELECT 1", "0x10", "Infinity",
                "99999999999999999999999", "1e999999999", "1e-999999999", "0e-999999999")) {
            assertError(pull(user, ORDERS, lwt, "", 10), 400, "lwt " + lwt);
        }
        for (String id : List.of("' OR 1=1 --", UUID.randomUUID() + "' --", "%' --")) {
            assertError(pull(user, ORDERS, 0, id, 10), 400, "id " + id);
        }
        for (String route : List.of("/api/v1/sync/orders%27--/0/pull", "/api/v1/sync/..%2Fauth/0/pull",
                "/api/v1/sync/pg_catalog.pg_authid/0/pull", "/api/v1/sync/users%3BDROP/0/pull")) {
            Response r = given().urlEncodingEnabled(false).header("Authorization", user.bearer())
                    .queryParam("limit", 10).get(route);
            assertEquals(404, r.statusCode(), route + ": " + r.asString());
        }
        assertNothingStored(user);
    }

    private static Response rawPush(TestUser user, ContentType type, String body) {
        return given().header("Authorization", user.bearer()).contentType(type).body(body).post(ORDERS + "/push");
    }

    private static void assertError(Response response, int status, String what) {
        response.then().statusCode(status).body("code", equalTo(status)).body("error", equalTo(true))
                .body("message", not(equalTo(""))).body(not(containsString("Exception")));
    }

    private static void assertNothingStored(TestUser user) {
        assertEquals(0L, ((Number) OwnerSql.single("SELECT count(*) FROM orders WHERE user_id = ?::uuid", user.id())).longValue(),
                "nothing of a refused request is written");
    }

    private static Map<?, ?> parse(String body) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readValue(body, Map.class);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new AssertionError("not a JSON object: " + body, e);
        }
    }

    private static String json(Object value) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(value);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
