package io.rxsync.replication;

import static io.rxsync.support.Api.ORDERS;
import static io.rxsync.support.Api.USERS;
import static io.rxsync.support.Api.order;
import static io.rxsync.support.Api.pullOk;
import static io.rxsync.support.Api.pullUntil;
import static io.rxsync.support.Api.push;
import static io.rxsync.support.Api.pushOk;
import static io.rxsync.support.Api.register;
import static io.rxsync.support.Api.row;
import static io.rxsync.support.Api.with;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.rxsync.support.Api.Page;
import io.rxsync.support.Api.TestUser;
import io.rxsync.support.OwnerSql;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import org.junit.jupiter.api.Test;

/** Push over HTTP against the real database: the four cases, idempotency, races, isolation. */
@QuarkusTest
class PushResourceTest {

    @Test
    void insertsANewDocumentAndReportsNoConflict() {
        TestUser user = register();
        Map<String, Object> doc = order(user, "pending", 1250);

        assertEquals(List.of(), pushOk(user, List.of(row(null, doc))));

        var page = pullOk(user, 0, "", 10);
        assertEquals(List.of(doc), page.documents());
    }

    @Test
    void updatesWhenTheAssumedStateMatches() {
        TestUser user = register();
        Map<String, Object> v1 = with(order(user, "pending", 100), "note", "first");
        pushOk(user, List.of(row(null, v1)));
        Map<String, Object> v2 = with(with(v1, "status", "paid"), "metadata", Map.of("tags", List.of("a", 1)));

        assertEquals(List.of(), pushOk(user, List.of(row(v1, v2))));

        assertEquals(List.of(v2), pullOk(user, 0, "", 10).documents());
    }

    @Test
    void aStaleAssumedStateIsAConflictAnsweredWithTheServerDocument() {
        TestUser user = register();
        Map<String, Object> v1 = order(user, "pending", 100);
        Map<String, Object> v2 = with(v1, "status", "paid");
        pushOk(user, List.of(row(null, v1)));
        pushOk(user, List.of(row(v1, v2)));

        // another client still believes v1 and wants "cancelled"
        List<Map<String, Object>> conflicts = pushOk(user, List.of(row(v1, with(v1, "status", "cancelled"))));

        assertEquals(List.of(v2), conflicts);
        assertEquals(List.of(v2), pullOk(user, 0, "", 10).documents());
    }

    @Test
    void anExistingDocumentPushedWithoutAssumedStateIsAConflict() {
        TestUser user = register();
        Map<String, Object> v1 = order(user, "pending", 100);
        pushOk(user, List.of(row(null, v1)));

        List<Map<String, Object>> conflicts = pushOk(user, List.of(row(null, with(v1, "totalCents", 999))));

        assertEquals(List.of(v1), conflicts);
    }

    @Test
    void aResentBatchChangesNothingAndReportsNoConflict() {
        TestUser user = register();
        Map<String, Object> a = order(user, "pending", 1);
        Map<String, Object> b = order(user, "paid", 2);
        pushOk(user, List.of(row(null, a), row(null, b)));
        Map<String, Object> a2 = with(a, "status", "shipped");
        List<Map<String, Object>> update = List.of(row(a, a2));
        pushOk(user, update);
        var before = pullUntilStatus(user, a.get("id"), "shipped");
        long xidA = changeXid(a.get("id"));

        assertEquals(List.of(), pushOk(user, List.of(row(null, a2), row(null, b))), "re-sent inserts");
        assertEquals(List.of(), pushOk(user, update), "re-sent update");

        assertEquals(xidA, changeXid(a.get("id")), "a re-sent row must not rewrite the document");
        var after = pullOk(user, before.lwt(), before.id(), 10);
        assertEquals(List.of(), after.documents(), "nothing new to pull after re-sending");
    }

    /** Pulls from the start until the document shows that status (a pull may briefly lag a commit: Api.pullUntil). */
    private static Page pullUntilStatus(TestUser user, Object id, String status) {
        return pullUntil(user, 0, "", 10, page -> page.documents().stream()
                .anyMatch(d -> id.equals(d.get("id")) && status.equals(d.get("status"))));
    }

    @Test
    void numbersCompareByValue() {
        TestUser user = register();
        Map<String, Object> v1 = with(order(user, "pending", 100), "metadata", Map.of("weight", 2));
        pushOk(user, List.of(row(null, v1)));
        Map<String, Object> assumedWithDecimals = with(with(v1, "totalCents", 100.0), "metadata", Map.of("weight", 2.0));

        assertEquals(List.of(), pushOk(user, List.of(row(assumedWithDecimals, with(v1, "status", "paid")))));
        assertEquals("paid", pullOk(user, 0, "", 10).documents().get(0).get("status"));
    }

    @Test
    void concurrentUpdatesOfOneDocumentHaveExactlyOneWinner() throws Exception {
        TestUser user = register();
        for (int round = 0; round < 10; round++) {
            Map<String, Object> base = order(user, "pending", round);
            pushOk(user, List.of(row(null, base)));
            Map<String, Object> paid = with(base, "status", "paid");
            Map<String, Object> cancelled = with(base, "status", "cancelled");

            List<List<Map<String, Object>>> results = race(
                    () -> pushOk(user, List.of(row(base, paid))),
                    () -> pushOk(user, List.of(row(base, cancelled))));

            long winners = results.stream().filter(List::isEmpty).count();
            assertEquals(1, winners, "exactly one push wins, round " + round);
            Map<String, Object> stored = storedOrder(base.get("id"));
            List<Map<String, Object>> conflict = results.stream().filter(r -> !r.isEmpty()).findFirst().orElseThrow();
            assertEquals(List.of(stored), conflict, "the loser is told the winner's state");
        }
    }

    @Test
    void concurrentInsertsOfOneNewIdHaveExactlyOneWinner() throws Exception {
        TestUser user = register();
        for (int round = 0; round < 10; round++) {
            String id = UUID.randomUUID().toString();
            Map<String, Object> one = order(id, user, "pending", 1);
            Map<String, Object> two = order(id, user, "paid", 2);

            List<List<Map<String, Object>>> results = race(
                    () -> pushOk(user, List.of(row(null, one))),
                    () -> pushOk(user, List.of(row(null, two))));

            assertEquals(1, results.stream().filter(List::isEmpty).count(), "round " + round);
            assertEquals(List.of(storedOrder(id)), results.stream().filter(r -> !r.isEmpty()).findFirst().orElseThrow());
        }
    }

    @Test
    void anotherUsersDocumentIsRefusedWithoutRevealingIt() {
        TestUser alice = register();
        TestUser mallory = register();
        Map<String, Object> secret = with(order(alice, "paid", 424242), "note", "alice's secret note");
        pushOk(alice, List.of(row(null, secret)));
        String id = (String) secret.get("id");

        push(mallory, ORDERS, List.of(row(null, order(id, mallory, "pending", 1))))
                .then().statusCode(403)
                .body("error", equalTo(true))
                .body(not(containsString("424242")))
                .body(not(containsString("secret")));
        // claiming the victim as owner is refused as well
        push(mallory, ORDERS, List.of(row(null, order(alice, "pending", 1)))).then().statusCode(403);

        assertEquals(secret, storedOrder(id));
        assertEquals(List.of(), pullOk(mallory, 0, "", 10).documents());
    }

    @Test
    void oneBadRowRejectsTheWholeBatch() {
        TestUser user = register();
        Map<String, Object> good = order(user, "pending", 1);
        Map<String, Object> bad = order(user, "lost-in-the-mail", 1);

        push(user, ORDERS, List.of(row(null, good), row(null, bad))).then().statusCode(400)
                .body("code", equalTo(400)).body("error", equalTo(true))
                .body("message", containsString("row 1")).body("message", containsString("status"));

        assertEquals(List.of(), pullOk(user, 0, "", 10).documents());
    }

    @Test
    void theProfileReplicatesButItsPasswordHashNeverDoes() {
        TestUser user = register();
        var page = io.rxsync.support.Api.pull(user, USERS, 0, "", 10).then().statusCode(200).extract().jsonPath();
        Map<String, Object> profile = page.getMap("documents[0]");
        assertEquals(Map.of("id", user.id(), "email", user.email(), "displayName", "Test User", "_deleted", false), profile);

        push(user, USERS, List.of(row(profile, with(profile, "hashedPassword", "x")))).then().statusCode(403)
                .body("message", containsString("server-only"));
        push(user, USERS, List.of(row(profile, with(profile, "email", "other@example.test")))).then().statusCode(403)
                .body("message", containsString("read-only"));
        push(user, USERS, List.of(row(profile, with(profile, "displayName", "Renamed")))).then().statusCode(200)
                .body("size()", equalTo(0));

        var renamed = io.rxsync.support.Api.pull(user, USERS, 0, "", 10).then().extract().jsonPath();
        assertEquals("Renamed", renamed.getString("documents[0].displayName"));
    }

    private long changeXid(Object id) {
        return Long.parseLong((String) OwnerSql.single("SELECT change_xid::text FROM orders WHERE id = ?::uuid", id));
    }

    /** The stored order in wire form, read straight from the table. */
    private Map<String, Object> storedOrder(Object id) {
        var row = OwnerSql.query("SELECT user_id::text AS u, status, total_cents, currency, note, deleted "
                + "FROM orders WHERE id = ?::uuid", id).get(0);
        Map<String, Object> doc = new java.util.LinkedHashMap<>();
        doc.put("id", id);
        doc.put("userId", row.get("u"));
        doc.put("status", row.get("status"));
        doc.put("totalCents", ((Number) row.get("total_cents")).intValue());
        doc.put("currency", row.get("currency"));
        if (row.get("note") != null) {
            doc.put("note", row.get("note"));
        }
        doc.put("_deleted", row.get("deleted"));
        return doc;
    }

    @SafeVarargs
    private static <T> List<T> race(java.util.concurrent.Callable<T>... pushes) throws Exception {
        CyclicBarrier start = new CyclicBarrier(pushes.length);
        List<CompletableFuture<T>> futures = new ArrayList<>();
        for (var push : pushes) {
            futures.add(CompletableFuture.supplyAsync(() -> {
                try {
                    start.await();
                    return push.call();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        List<T> results = new ArrayList<>();
        for (var future : futures) {
            results.add(future.get());
        }
        assertTrue(results.size() == pushes.length);
        return results;
    }
}
