package io.rxsync.ops;

import static io.rxsync.support.Api.ORDERS;
import static io.rxsync.support.Api.order;
import static io.rxsync.support.Api.pull;
import static io.rxsync.support.Api.pullOk;
import static io.rxsync.support.Api.pushOk;
import static io.rxsync.support.Api.register;
import static io.rxsync.support.Api.row;
import static io.rxsync.support.Api.with;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.rxsync.support.Api.Page;
import io.rxsync.support.Api.TestUser;
import io.rxsync.support.OwnerSql;
import io.vertx.mutiny.sqlclient.Pool;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Tombstone retention against the real database: the purge removes only tombstones older
 * than the retention, a checkpoint at or below a purged tombstone gets 410 with a message
 * that says to resync from scratch, and a fresh client gets the surviving rows.
 */
@QuarkusTest
class TombstonePurgeTest {

    private static final Duration LONG_AGO = Duration.ofDays(400); // beyond any retention

    @jakarta.inject.Inject
    TombstonePurge purge;

    @jakarta.inject.Inject
    Pool pool;

    @Test
    void aCheckpointOlderThanAPurgedTombstoneMustResyncAndAFreshClientGetsTheSurvivors() throws Exception {
        TestUser user = register();
        Map<String, Object> old = order(user, "pending", 1);
        Map<String, Object> young = order(user, "pending", 2);
        Map<String, Object> live = order(user, "paid", 3);
        pushOk(user, List.of(row(null, old)));
        pushOk(user, List.of(row(null, young)));
        pushOk(user, List.of(row(null, live)));
        Page beforeDeletes = pullOk(user, 0, "", 100);
        assertEquals(3, beforeDeletes.documents().size());

        pushOk(user, List.of(row(old, with(old, "_deleted", true))));
        pushOk(user, List.of(row(young, with(young, "_deleted", true))));
        Page afterDeletes = pullOk(user, beforeDeletes.lwt(), beforeDeletes.id(), 100);
        assertEquals(List.of(old.get("id"), young.get("id")), afterDeletes.ids());
        backdate(old.get("id"), LONG_AGO);

        purge.purgeAll().await().atMost(Duration.ofSeconds(30));

        assertEquals(0L, count("SELECT count(*) FROM orders WHERE id = ?::uuid", old.get("id")), "old tombstone purged");
        assertEquals(1L, count("SELECT count(*) FROM orders WHERE id = ?::uuid AND deleted", young.get("id")),
                "a tombstone younger than the retention stays");
        assertEquals(1L, count("SELECT count(*) FROM orders WHERE id = ?::uuid AND NOT deleted", live.get("id")),
                "live documents are never purged");

        // the client that had not seen the purged delete must start over
        pull(user, ORDERS, beforeDeletes.lwt(), beforeDeletes.id(), 100).then().statusCode(410)
                .body("code", equalTo(410)).body("error", equalTo(true))
                .body("message", containsString("resync from scratch"));
        // a client that had seen it continues
        assertEquals(List.of(), pullOk(user, afterDeletes.lwt(), afterDeletes.id(), 100).documents());
        // a fresh client (no checkpoint) gets what survives: the live row and the young tombstone
        Page fresh = pullOk(user, 0, "", 100);
        assertEquals(List.of(live.get("id"), young.get("id")), fresh.ids());
    }

    @Test
    void aClientWhoseLastDocumentIsTheNewestPurgedTombstoneMissedNothingAndGoesOn() throws Exception {
        TestUser user = register();
        Map<String, Object> first = order(user, "pending", 1);
        Map<String, Object> second = order(user, "pending", 2);
        pushOk(user, List.of(row(null, first), row(null, second)));
        // both deleted in one transaction: one change_xid, told apart by id
        pushOk(user, List.of(row(first, with(first, "_deleted", true)), row(second, with(second, "_deleted", true))));
        Page all = pullOk(user, 0, "", 100);
        assertEquals(2, all.documents().size());
        Page firstOnly = pullOk(user, 0, "", 1);
        backdate(first.get("id"), LONG_AGO);
        backdate(second.get("id"), LONG_AGO);

        purge.purgeAll().await().atMost(Duration.ofSeconds(30));

        // its checkpoint IS the newest purged tombstone: it received every delete
        assertEquals(List.of(), pullOk(user, all.lwt(), all.id(), 100).documents());
        // one tombstone short, at the same change_xid: it missed a delete
        pull(user, ORDERS, firstOnly.lwt(), firstOnly.id(), 100).then().statusCode(410)
                .body("message", containsString("resync from scratch"));
    }

    @Test
    void aCheckpointTheDatabaseHasNotReachedComesFromAnotherTimelineAndMustResync() {
        TestUser user = register();
        Map<String, Object> doc = order(user, "pending", 1);
        pushOk(user, List.of(row(null, doc)));
        Page now = pullOk(user, 0, "", 100);
        long current = Long.parseLong(now.lwt().toString());
        // what a client holds after the database was restored to an earlier point
        long fromBeforeTheRestore = current + 1_000_000;
        pull(user, ORDERS, fromBeforeTheRestore, now.id(), 100).then().statusCode(410)
                .body("code", equalTo(410)).body("error", equalTo(true))
                .body("message", containsString("ahead of this database"));
        // its own checkpoint and a fresh start are fine
        assertEquals(List.of(), pullOk(user, now.lwt(), now.id(), 100).documents());
        assertEquals(List.of(doc.get("id")), pullOk(user, 0, "", 100).ids());
    }

    @Test
    void aDeviceOfflineLongerThanTheRetentionCannotBringADeletedDocumentBack() throws Exception {
        TestUser user = register();
        Map<String, Object> doc = order(user, "pending", 1);
        pushOk(user, List.of(row(null, doc)));
        pushOk(user, List.of(row(doc, with(doc, "_deleted", true))));
        backdate(doc.get("id"), LONG_AGO);
        purge.purgeAll().await().atMost(Duration.ofSeconds(30));
        assertEquals(0L, count("SELECT count(*) FROM orders WHERE id = ?::uuid", doc.get("id")), "tombstone purged");

        // the stale device still holds the live document and edits it
        List<Map<String, Object>> conflicts = pushOk(user, List.of(row(doc, with(doc, "note", "edited offline"))));

        assertEquals(1, conflicts.size(), "a conflict: the document is deleted on the server");
        assertEquals(doc.get("id"), conflicts.get(0).get("id"));
        assertEquals(true, conflicts.get(0).get("_deleted"));
        assertEquals(0L, count("SELECT count(*) FROM orders WHERE id = ?::uuid AND NOT deleted", doc.get("id")),
                "never resurrected");
        assertTrue(pullOk(user, 0, "", 100).documents().stream()
                .allMatch(d -> !d.get("id").equals(doc.get("id")) || Boolean.TRUE.equals(d.get("_deleted"))),
                "no device pulls it back alive");
        // the same delete from the stale device is no conflict: the server holds that state
        Map<String, Object> other = order(user, "pending", 2);
        pushOk(user, List.of(row(null, other)));
        pushOk(user, List.of(row(other, with(other, "_deleted", true))));
        backdate(other.get("id"), LONG_AGO);
        purge.purgeAll().await().atMost(Duration.ofSeconds(30));
        assertEquals(List.of(), pushOk(user, List.of(row(other, with(other, "_deleted", true)))));
    }

    @Test
    void theHorizonIsPerUserSoAnotherUsersOldCheckpointStillWorks() throws Exception {
        TestUser purged = register();
        TestUser other = register();
        Map<String, Object> doc = order(purged, "pending", 1);
        pushOk(purged, List.of(row(null, doc)));
        Map<String, Object> othersDoc = order(other, "pending", 1);
        pushOk(other, List.of(row(null, othersDoc)));
        Page othersCheckpoint = pullOk(other, 0, "", 100);

        pushOk(purged, List.of(row(doc, with(doc, "_deleted", true))));
        backdate(doc.get("id"), LONG_AGO);
        purge.purgeAll().await().atMost(Duration.ofSeconds(30));

        pull(purged, ORDERS, othersCheckpoint.lwt(), "", 100).then().statusCode(410);
        Map<String, Object> later = order(other, "paid", 2);
        pushOk(other, List.of(row(null, later)));
        assertEquals(List.of(later.get("id")), pullOk(other, othersCheckpoint.lwt(), othersCheckpoint.id(), 100).ids());
    }

    @Test
    void anotherInstancePurgingTheSameCollectionMakesThisOneSkipIt() throws Exception {
        try (Connection other = OwnerSql.connect()) {
            other.setAutoCommit(false);
            try (PreparedStatement lock = other.prepareStatement(
                    "SELECT pg_advisory_xact_lock(hashtext('rxsync_purge_tombstones'), hashtext('orders'))")) {
                lock.execute();
            }
            Map<String, Long> purgedNow = purge.purgeAll().await().atMost(Duration.ofSeconds(30));
            assertEquals(-1L, purgedNow.get("orders"), "skipped while another instance holds the lock");
            assertTrue(purgedNow.get("notes") >= 0, "other collections are purged meanwhile: " + purgedNow);
            other.rollback();
        }
        assertTrue(purge.purgeAll().await().atMost(Duration.ofSeconds(30)).get("orders") >= 0);
    }

    @Test
    void theRuntimeRoleCannotPurgeWhatIsNotACollectionOfTombstones() {
        RuntimeException refused = assertThrows(RuntimeException.class, () -> pool
                .query("SELECT rxsync_purge_tombstones('users', interval '1 day')").execute()
                .await().atMost(Duration.ofSeconds(10)));
        // users is a declared collection (V20), but one whose deletes are real: no tombstones to purge
        assertTrue(refused.getMessage().contains("public.users is not a table of tombstones"), refused.getMessage());
    }

    /** Moves a tombstone's delete time back, as if it had been deleted that long ago. */
    private static void backdate(Object id, Duration age) throws Exception {
        try (Connection c = OwnerSql.connect(); Statement s = c.createStatement()) {
            // as the owner, without triggers: the stamp trigger would reset updated_at
            s.execute("SET session_replication_role = replica");
            try (PreparedStatement p = c.prepareStatement(
                    "UPDATE orders SET updated_at = now() - ?::interval WHERE id = ?::uuid")) {
                p.setString(1, age.toSeconds() + " seconds");
                p.setString(2, id.toString());
                assertEquals(1, p.executeUpdate());
            }
        }
    }

    private static long count(String sql, Object id) {
        return ((Number) OwnerSql.single(sql, id.toString())).longValue();
    }

}
