package io.rxsync.support;

import static io.restassured.RestAssured.given;

import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** The HTTP API as tests use it: real requests through rest-assured, no shortcuts. */
public final class Api {

    public static final String ORDERS = "/api/v1/sync/orders/0";
    public static final String USERS = "/api/v1/sync/users/0";

    private Api() {
    }

    /** A freshly registered user. */
    public record TestUser(String id, String token, String email) {

        public String bearer() {
            return "Bearer " + token;
        }
    }

    public static TestUser register() {
        String email = "user-" + UUID.randomUUID() + "@example.test";
        Map<?, ?> body = given().contentType(ContentType.JSON)
                .body(Map.of("email", email, "password", "correct horse battery", "displayName", "Test User"))
                .post("/api/v1/auth/register")
                .then().statusCode(201).extract().as(Map.class);
        return new TestUser((String) body.get("userId"), (String) body.get("token"), email);
    }

    public static Map<String, Object> order(TestUser owner, String status, long totalCents) {
        return order(UUID.randomUUID().toString(), owner, status, totalCents);
    }

    public static Map<String, Object> order(String id, TestUser owner, String status, long totalCents) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("id", id);
        doc.put("userId", owner.id());
        doc.put("status", status);
        doc.put("totalCents", Math.toIntExact(totalCents)); // as JSON reads it back
        doc.put("currency", "EUR");
        doc.put("_deleted", false);
        return doc;
    }

    public static Map<String, Object> with(Map<String, Object> doc, String field, Object value) {
        Map<String, Object> copy = new LinkedHashMap<>(doc);
        copy.put(field, value);
        return copy;
    }

    /** A push row; {@code assumed} may be null for a new document. */
    public static Map<String, Object> row(Map<String, Object> assumed, Map<String, Object> next) {
        Map<String, Object> row = new LinkedHashMap<>();
        if (assumed != null) {
            row.put("assumedMasterState", assumed);
        }
        row.put("newDocumentState", next);
        return row;
    }

    public static Response push(TestUser user, String base, List<Map<String, Object>> rows) {
        return given().header("Authorization", user.bearer()).contentType(ContentType.JSON)
                .body(rows).post(base + "/push");
    }

    /** Pushes and asserts success; returns the conflicts. */
    public static List<Map<String, Object>> pushOk(TestUser user, List<Map<String, Object>> rows) {
        return push(user, ORDERS, rows).then().statusCode(200).extract().jsonPath().getList("$");
    }

    public static Response pull(TestUser user, String base, Object lwt, String id, int limit) {
        return given().header("Authorization", user.bearer())
                .queryParam("lwt", lwt).queryParam("id", id).queryParam("limit", limit)
                .get(base + "/pull");
    }

    /** Pulls from a checkpoint and asserts success. */
    public static Page pullOk(TestUser user, Object lwt, String id, int limit) {
        var json = pull(user, ORDERS, lwt, id, limit).then().statusCode(200).extract().jsonPath();
        return new Page(json.getList("documents"), json.getMap("checkpoint"));
    }

    /**
     * Pulls from a checkpoint until {@code arrived} holds, for at most 10 s, and returns the
     * last page. A pull may briefly lag a committed write: any transaction still running in
     * the database (a post-commit NOTIFY, the change pump's window) holds the watermark until
     * it ends. That is a delay, never a loss, so tests of what arrives wait for it.
     */
    public static Page pullUntil(TestUser user, Object lwt, String id, int limit, java.util.function.Predicate<Page> arrived) {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (true) {
            Page page = pullOk(user, lwt, id, limit);
            if (arrived.test(page) || System.nanoTime() > deadline) {
                return page;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return page;
            }
        }
    }

    public record Page(List<Map<String, Object>> documents, Map<String, Object> checkpoint) {

        public Object lwt() {
            return checkpoint.get("lwt");
        }

        public String id() {
            return (String) checkpoint.get("id");
        }

        public List<Object> ids() {
            return documents.stream().map(d -> d.get("id")).toList();
        }
    }
}
