package io.rxsync.replication;

import static io.rxsync.support.Api.ORDERS;
import static io.rxsync.support.Api.order;
import static io.rxsync.support.Api.pull;
import static io.rxsync.support.Api.pullOk;
import static io.rxsync.support.Api.pullUntil;
import static io.rxsync.support.Api.pushOk;
import static io.rxsync.support.Api.register;
import static io.rxsync.support.Api.row;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.rxsync.support.Api.Page;
import io.rxsync.support.Api.TestUser;
import io.rxsync.support.HeldOpenWriter;
import io.rxsync.support.OwnerSql;
import io.rxsync.support.TestDatabase;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Pull by checkpoint against the real database, including out-of-order commits. */
@QuarkusTest
class PullResourceTest {

    @Inject
    Pool pool;

    @Test
    void pagesThroughEveryDocumentInCheckpointOrderWithFullPagesUntilTheEnd() {
        TestUser user = register();
        List<Map<String, Object>> rows = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            rows.add(row(null, order(user, "pending", i)));
        }
        pushOk(user, rows.subList(0, 10));
        pushOk(user, rows.subList(10, 25));

        Set<Object> seen = new HashSet<>();
        Page page = pullOk(user, 0, "", 10);
        List<Integer> sizes = new ArrayList<>();
        while (true) {
            sizes.add(page.documents().size());
            seen.addAll(page.ids());
            if (page.documents().size() < 10) {
                break;
            }
            page = pullOk(user, page.lwt(), page.id(), 10);
        }
        assertEquals(List.of(10, 10, 5), sizes, "exactly min(limit, available) per page");
        assertEquals(25, seen.size());
        Page end = pullOk(user, page.lwt(), page.id(), 10);
        assertEquals(List.of(), end.documents());
        assertEquals(page.checkpoint(), end.checkpoint(), "an empty page echoes the checkpoint");
    }

    @Test
    void aPullWithoutLimitGetsTheDefaultPageSize() {
        TestUser user = register();
        List<Map<String, Object>> rows = new ArrayList<>();
        for (int i = 0; i < 101; i++) {
            rows.add(row(null, order(user, "pending", i)));
        }
        pushOk(user, rows);
        // what a person trying the API with curl sends: no checkpoint, no limit
        List<?> page = given().header("Authorization", user.bearer()).get(ORDERS + "/pull")
                .then().statusCode(200).extract().jsonPath().getList("documents");
        assertEquals(100, page.size(), "rxsync.replication.default-pull-limit");
    }

    @Test
    void aCheckpointNeverPassesATransactionThatHasNotCommitted() {
        TestUser user = register();
        // A writer that started first and commits last.
        try (HeldOpenWriter slow = HeldOpenWriter.insertOrderFor(pool, user.id())) {
            String slowId = slow.orderId();
            Map<String, Object> fast = order(user, "paid", 2);
            pushOk(user, List.of(row(null, fast)));

            Page during = pullOk(user, 0, "", 100);
            assertFalse(during.ids().contains(slowId), "the uncommitted write is invisible");
            assertFalse(during.ids().contains(fast.get("id")),
                    "a later commit is held back while an earlier writer is open: returning it would move "
                            + "the checkpoint past the open one");

            slow.commit();

            Page after = pullOk(user, during.lwt(), during.id(), 100);
            assertEquals(Set.of(slowId, fast.get("id")), new HashSet<>(after.ids()), "nothing is skipped");
        }
    }

    @Test
    void aTransactionOpenInAnotherDatabaseDoesNotHoldPullsBack() throws Exception {
        TestUser user = register();
        // Same cluster, other database: it cannot write our rows, so it must not delay them.
        try (Connection elsewhere = TestDatabase.connectToMaintenanceDatabase(); Statement st = elsewhere.createStatement()) {
            elsewhere.setAutoCommit(false);
            st.execute("SELECT pg_current_xact_id()"); // takes a transaction id, as any write does
            Map<String, Object> doc = order(user, "paid", 3);
            pushOk(user, List.of(row(null, doc)));

            assertEquals(List.of(doc.get("id")), pullOk(user, 0, "", 100).ids(),
                    "a committed push is readable while another database has a transaction open");
            elsewhere.rollback();
        }
    }

    @Test
    void aDeleteRunInSqlArrivesAsATombstone() {
        TestUser user = register();
        Map<String, Object> doc = order(user, "pending", 5);
        pushOk(user, List.of(row(null, doc)));
        Page first = pullOk(user, 0, "", 10);

        OwnerSql.update("DELETE FROM orders WHERE id = ?::uuid", doc.get("id"));

        Page next = pullUntil(user, first.lwt(), first.id(), 10, page -> !page.documents().isEmpty());
        assertEquals(1, next.documents().size());
        assertEquals(true, next.documents().get(0).get("_deleted"));
        assertEquals(doc.get("id"), next.documents().get(0).get("id"));
    }

    @Test
    void anUpdateRunInSqlReplicatesToo() {
        TestUser user = register();
        Map<String, Object> doc = order(user, "pending", 5);
        pushOk(user, List.of(row(null, doc)));
        Page first = pullOk(user, 0, "", 10);

        OwnerSql.update("UPDATE orders SET status = 'shipped' WHERE id = ?::uuid", doc.get("id"));

        Page next = pullUntil(user, first.lwt(), first.id(), 10, page -> !page.documents().isEmpty());
        assertEquals("shipped", next.documents().get(0).get("status"));
    }

    @Test
    void aFractionalLwtMeansAfterThatWholeTransaction() {
        TestUser user = register();
        pushOk(user, List.of(row(null, order(user, "pending", 1))));
        pushOk(user, List.of(row(null, order(user, "pending", 2))));
        Page all = pullOk(user, 0, "", 10);
        Page firstOnly = pullOk(user, 0, "", 1);
        long firstXid = ((Number) firstOnly.lwt()).longValue();

        Page afterFraction = pullOk(user, firstXid + 0.5, "", 10);

        assertEquals(all.ids().subList(1, 2), afterFraction.ids());
    }

    @Test
    void badCheckpointsAndLimitsAreClearErrors() {
        TestUser user = register();
        for (String lwt : List.of("abc", "-1", "NaN", "1e400")) {
            pull(user, ORDERS, lwt, "", 10).then().statusCode(400).body("error", equalTo(true))
                    .body("message", containsString("lwt"));
        }
        pull(user, ORDERS, 0, "not-a-uuid", 10).then().statusCode(400).body("message", containsString("uuid"));
        pull(user, ORDERS, 0, "x".repeat(600), 10).then().statusCode(400);
        for (int limit : List.of(0, -5, 100_000)) {
            pull(user, ORDERS, 0, "", limit).then().statusCode(400).body("message", containsString("limit"));
        }
    }

    @Test
    void routesAnswerWithTheProtocolsStatusCodes() {
        TestUser user = register();
        given().get(ORDERS + "/pull?lwt=0&id=&limit=1").then().statusCode(401)
                .body("code", equalTo(401)).body("error", equalTo(true));
        given().header("Authorization", "Bearer not.a.jwt").get(ORDERS + "/pull?lwt=0&id=&limit=1")
                .then().statusCode(401);
        given().header("Authorization", user.bearer()).get("/api/v1/sync/nothing/0/pull?limit=1")
                .then().statusCode(404).body("error", equalTo(true));
        given().header("Authorization", user.bearer()).get("/api/v1/sync/orders/-1/pull?limit=1")
                .then().statusCode(426).body("message", equalTo("Outdated version -1 (newest is 0)"));
        given().get("/api/v1/sync/orders/-1/pullStream").then().statusCode(426);
        given().get("/api/v1/sync/orders/-1").then().statusCode(426);
    }

    @Test
    void theListingCarriesEachCollectionsRxdbSchema() {
        var listing = given().get("/api/v1/sync").then().statusCode(200).extract().jsonPath();
        // notes: the test fixture of the README's "Add a collection" guide; the shared lists:
        // the fixture of the scopes (V1001); journal: owned by subjects (V1002); bookmarks,
        // contacts and tasks: more owner collections for the web app's six streams (V1005)
        assertEquals(List.of("bookmarks", "contacts", "currencies", "journal", "list_items", "list_members", "lists",
                "notes", "orders", "tasks", "users"), listing.getList("name"));
        assertEquals(List.of("currencies"), listing.getList("findAll { it.pullOnly }.name"),
                "reference data (everyone scope) is pull-only");
        assertEquals("id", listing.getString("find { it.name == 'orders' }.schema.primaryKey"));
        assertEquals(36, listing.getInt("find { it.name == 'orders' }.schema.properties.id.maxLength"));
        assertTrue(listing.getList("find { it.name == 'orders' }.schema.required").contains("status"));
        assertFalse(listing.getMap("find { it.name == 'users' }.schema.properties").containsKey("hashedPassword"));
    }
}
