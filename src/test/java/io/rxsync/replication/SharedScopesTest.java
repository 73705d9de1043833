package io.rxsync.replication;

import static io.rxsync.support.Api.push;
import static io.rxsync.support.Api.register;
import static io.rxsync.support.Api.row;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.rxsync.support.Api;
import io.rxsync.support.Api.TestUser;
import io.rxsync.support.OwnerSql;
import io.rxsync.support.SseClient;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.net.URL;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * The scopes of issue 14 at the HTTP level, on the shared-lists fixture (V1001): lists and
 * their members (members scope), list items (parent scope), currencies (everyone scope).
 * Each user's client is simulated by a pull loop that applies pages the way RxDB does (a
 * document replaces the local one; {@code _deleted} removes it) from its own checkpoint, so
 * that "the client's set equals the user's view" is checked as the issue states it, against
 * the ground truth computed from the tables by their owner.
 */
@QuarkusTest
class SharedScopesTest {

    static final String LISTS = "/api/v1/sync/lists/0";
    static final String MEMBERS = "/api/v1/sync/list_members/0";
    static final String ITEMS = "/api/v1/sync/list_items/0";
    static final String CURRENCIES = "/api/v1/sync/currencies/0";

    @Inject
    Pool pool;

    @Inject
    ObjectMapper json;

    @TestHTTPResource(ITEMS + "/pullStream")
    URL itemsStream;

    /** A client's local set of one collection, kept by pulls from its own checkpoint. */
    static final class Client {
        final TestUser user;
        final String base;
        final Map<String, Map<String, Object>> docs = new TreeMap<>();
        Object lwt = 0;
        String id = "";

        Client(TestUser user, String base) {
            this.user = user;
            this.base = base;
        }

        /** Pulls pages of 3 until a short page; returns every document received. */
        List<Map<String, Object>> sync() {
            List<Map<String, Object>> received = new ArrayList<>();
            while (true) {
                var page = Api.pull(user, base, lwt, id, 3).then().statusCode(200).extract().jsonPath();
                List<Map<String, Object>> documents = page.getList("documents");
                apply(documents);
                received.addAll(documents);
                Map<String, Object> checkpoint = page.getMap("checkpoint");
                lwt = checkpoint.get("lwt");
                id = (String) checkpoint.get("id");
                if (documents.size() < 3) {
                    return received;
                }
            }
        }

        void apply(List<Map<String, Object>> documents) {
            for (Map<String, Object> d : documents) {
                if (Boolean.TRUE.equals(d.get("_deleted"))) {
                    docs.remove((String) d.get("id"));
                } else {
                    docs.put((String) d.get("id"), d);
                }
            }
        }

        /**
         * Syncs until the local set equals {@code expected} (ids and values), for at most 10 s: a
         * pull may lag a commit while any transaction runs (a delay, never a loss; Api.pullUntil).
         */
        void syncUntilEquals(Map<String, Map<String, Object>> expected) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (true) {
                sync();
                if (docs.equals(expected) || System.nanoTime() > deadline) {
                    assertEquals(expected, docs, user.email() + " on " + base);
                    return;
                }
                sleep(20);
            }
        }
    }

    // ---------- ground truth, computed from the tables by their owner ----------

    /** The items of the lists the user is an active member of, as documents. */
    static Map<String, Map<String, Object>> itemsView(TestUser u) {
        Map<String, Map<String, Object>> view = new TreeMap<>();
        for (Map<String, Object> r : OwnerSql.query("""
                SELECT i.id::text AS id, i.list_id::text AS list_id, i.title, i.done FROM list_items i
                  JOIN list_members m ON m.list_id = i.list_id AND m.user_id = ?::uuid AND NOT m.deleted
                 WHERE NOT i.deleted""", u.id())) {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("id", r.get("id"));
            d.put("listId", r.get("list_id"));
            d.put("title", r.get("title"));
            d.put("done", r.get("done"));
            d.put("_deleted", false);
            view.put((String) r.get("id"), d);
        }
        return view;
    }

    static Map<String, Map<String, Object>> listsView(TestUser u) {
        Map<String, Map<String, Object>> view = new TreeMap<>();
        for (Map<String, Object> r : OwnerSql.query("""
                SELECT l.id::text AS id, l.name FROM lists l
                  JOIN list_members m ON m.list_id = l.id AND m.user_id = ?::uuid AND NOT m.deleted
                 WHERE NOT l.deleted""", u.id())) {
            view.put((String) r.get("id"), doc("id", r.get("id"), "name", r.get("name"), "_deleted", false));
        }
        return view;
    }

    static Map<String, Map<String, Object>> membersView(TestUser u) {
        Map<String, Map<String, Object>> view = new TreeMap<>();
        for (Map<String, Object> r : OwnerSql.query("""
                SELECT o.id::text AS id, o.list_id::text AS list_id, o.user_id::text AS user_id, o.role FROM list_members o
                  JOIN list_members m ON m.list_id = o.list_id AND m.user_id = ?::uuid AND NOT m.deleted
                 WHERE NOT o.deleted""", u.id())) {
            view.put((String) r.get("id"), doc("id", r.get("id"), "listId", r.get("list_id"), "userId", r.get("user_id"),
                    "role", r.get("role"), "_deleted", false));
        }
        return view;
    }

    // ---------- writes through the API ----------

    static Map<String, Object> doc(Object... pairs) {
        Map<String, Object> d = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            d.put((String) pairs[i], pairs[i + 1]);
        }
        return d;
    }

    static List<Map<String, Object>> pushOk(TestUser u, String base, List<Map<String, Object>> rows) {
        return push(u, base, rows).then().statusCode(200).extract().jsonPath().getList("$");
    }

    /** A new list of {@code owner}'s: they become its first member. */
    static String newList(TestUser owner, String name) {
        String id = UUID.randomUUID().toString();
        assertEquals(List.of(), pushOk(owner, LISTS, List.of(row(null, doc("id", id, "name", name, "_deleted", false)))));
        return id;
    }

    static Map<String, Object> item(String list, String title) {
        return doc("id", UUID.randomUUID().toString(), "listId", list, "title", title, "done", false, "_deleted", false);
    }

    static Map<String, Object> addItem(TestUser by, String list, String title) {
        Map<String, Object> item = item(list, title);
        assertEquals(List.of(), pushOk(by, ITEMS, List.of(row(null, item))));
        return item;
    }

    /** Grants through the API: a member of the list pushes the membership row. */
    static Map<String, Object> grant(TestUser by, String list, TestUser to, String role) {
        Map<String, Object> m = doc("id", UUID.randomUUID().toString(), "listId", list, "userId", to.id(), "role", role,
                "_deleted", false);
        assertEquals(List.of(), pushOk(by, MEMBERS, List.of(row(null, m))));
        return m;
    }

    /** Revokes in SQL, as a back office would: the delete becomes a stamped tombstone. */
    static void revoke(String list, TestUser user) {
        OwnerSql.update("DELETE FROM list_members WHERE list_id = ?::uuid AND user_id = ?::uuid", list, user.id());
    }

    static void regrant(String list, TestUser user) {
        OwnerSql.update("UPDATE list_members SET deleted = false WHERE list_id = ?::uuid AND user_id = ?::uuid", list, user.id());
    }

    // ---------- everyone ----------

    @Test
    void everySignedInUserReadsReferenceDataAndNobodyPushesIt() {
        TestUser u = register();
        Client c = new Client(u, CURRENCIES);
        c.syncUntilEquals(currencies());
        assertTrue(c.docs.size() >= 3);

        push(u, CURRENCIES, List.of(row(null, doc("id", UUID.randomUUID().toString(), "code", "XTS", "name", "Test",
                "decimals", 2, "_deleted", false))))
                .then().statusCode(403).body("error", equalTo(true)).body("message", containsString("pull-only"));
        assertEquals(0L, OwnerSql.single("SELECT count(*) FROM currencies WHERE code = 'XTS'"));

        // the owner's change reaches every user, through the pull and the stream alike
        String id = UUID.randomUUID().toString();
        OwnerSql.update("INSERT INTO currencies (id, code, name) VALUES (?::uuid, ?, 'Test')", id, code(id));
        try {
            c.syncUntilEquals(currencies());
            new Client(register(), CURRENCIES).syncUntilEquals(currencies());
        } finally {
            OwnerSql.update("DELETE FROM currencies WHERE id = ?::uuid", id);
        }
        c.syncUntilEquals(currencies());
    }

    private static String code(String id) {
        return ("Q" + id.replace("-", "").toUpperCase()).substring(0, 3);
    }

    static Map<String, Map<String, Object>> currencies() {
        Map<String, Map<String, Object>> view = new TreeMap<>();
        for (Map<String, Object> r : OwnerSql.query("SELECT id::text AS id, code, name, decimals FROM currencies WHERE NOT deleted")) {
            view.put((String) r.get("id"), doc("id", r.get("id"), "code", r.get("code"), "name", r.get("name"),
                    "decimals", ((Number) r.get("decimals")).intValue(), "_deleted", false));
        }
        return view;
    }

    // ---------- members and parent: exactness cases of issue 14 ----------

    @Test
    void moveIn_aGrantBringsEveryExistingRowOfTheGroup() {
        TestUser a = register();
        TestUser b = register();
        String list = newList(a, "groceries");
        for (int i = 0; i < 7; i++) {
            addItem(a, list, "item " + i);
        }
        Client items = new Client(b, ITEMS);
        Client lists = new Client(b, LISTS);
        Client members = new Client(b, MEMBERS);
        items.sync();
        lists.sync();
        assertEquals(Map.of(), items.docs);
        assertEquals(Map.of(), lists.docs);

        grant(a, list, b, "editor");
        items.syncUntilEquals(itemsView(b));
        assertEquals(7, items.docs.size());
        lists.syncUntilEquals(listsView(b));
        members.syncUntilEquals(membersView(b));
        assertEquals(2, members.docs.size());
        // a restart: a new client from an empty checkpoint gets the same view
        new Client(b, ITEMS).syncUntilEquals(itemsView(b));
        // and A's own view is untouched
        new Client(a, ITEMS).syncUntilEquals(itemsView(a));
    }

    @Test
    void moveIn_aGrantCommittingAfterLaterWritesStillBringsThemAll() throws Exception {
        TestUser a = register();
        TestUser b = register();
        String list = newList(a, "held grant");
        addItem(a, list, "before");
        Client items = new Client(b, ITEMS);
        items.sync();
        // the grant's transaction starts (its stamp is below what follows) and stays open
        try (Held grant = Held.begin()) {
            grant.run("INSERT INTO list_members (list_id, user_id, role) VALUES (?::uuid, ?::uuid, 'editor')",
                    list, b.id());
            addItem(a, list, "after 1");
            addItem(a, list, "after 2");
            items.sync(); // B pulls meanwhile: nothing of the group, and its checkpoint stays below the grant
            assertEquals(Map.of(), items.docs);
            grant.commit();
        }
        items.syncUntilEquals(itemsView(b));
        assertEquals(3, items.docs.size());
    }

    @Test
    void moveIn_aWriteCommittingAfterTheGrantStillArrives() throws Exception {
        TestUser a = register();
        TestUser b = register();
        String list = newList(a, "held write");
        addItem(a, list, "existing");
        Client items = new Client(b, ITEMS);
        items.sync();
        String held = UUID.randomUUID().toString();
        try (Held write = Held.begin()) {
            write.run("INSERT INTO list_items (id, list_id, title) VALUES (?::uuid, ?::uuid, 'held')", held, list);
            grant(a, list, b, "viewer");
            items.sync(); // the held write holds the watermark: the grant is not visible yet either
            write.commit();
        }
        items.syncUntilEquals(itemsView(b));
        assertTrue(items.docs.containsKey(held));
        assertEquals(2, items.docs.size());
    }

    @Test
    void moveOut_everyRowLeavesAsASchemaValidDocumentWithNoLaterValue() {
        TestUser a = register();
        TestUser b = register();
        String list = newList(a, "secret plans");
        Map<String, Object> first = addItem(a, list, "first");
        grant(a, list, b, "editor");
        Client items = new Client(b, ITEMS);
        Client lists = new Client(b, LISTS);
        Client members = new Client(b, MEMBERS);
        items.syncUntilEquals(itemsView(b));
        lists.syncUntilEquals(listsView(b));
        members.syncUntilEquals(membersView(b));

        revoke(list, b);
        // written after the revoke: never to reach B, not even inside a leaving document
        OwnerSql.update("UPDATE list_items SET title = 'written after the revoke' WHERE id = ?::uuid", first.get("id"));
        OwnerSql.update("UPDATE lists SET name = 'renamed after the revoke' WHERE id = ?::uuid", list);
        List<Map<String, Object>> received = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!items.docs.isEmpty() && System.nanoTime() < deadline) {
            received.addAll(items.sync());
            sleep(20);
        }
        assertEquals(Map.of(), items.docs);
        lists.syncUntilEquals(Map.of());
        members.syncUntilEquals(Map.of());
        Map<String, Object> leaving = received.get(received.size() - 1);
        // id, placeholders of the required fields (done has a default: absent), _deleted: nothing
        // written after the revoke
        assertEquals(doc("id", first.get("id"), "listId", "00000000-0000-0000-0000-000000000000", "title", "", "_deleted", true), leaving);
        assertFalse(json.valueToTree(received).toString().contains("after the revoke"));

        addItem(a, list, "later");
        assertTrue(items.sync().isEmpty(), "later writes to the group never reach B");
        assertEquals(Map.of(), itemsView(b));
    }

    @Test
    void revokeAndRegrantWhileOfflineEndsWithExactlyTheGroupsCurrentRows() {
        TestUser a = register();
        TestUser b = register();
        String list = newList(a, "offline");
        Map<String, Object> kept = addItem(a, list, "kept");
        Map<String, Object> changed = addItem(a, list, "changed");
        Map<String, Object> deleted = addItem(a, list, "deleted");
        grant(a, list, b, "editor");
        Client items = new Client(b, ITEMS);
        items.syncUntilEquals(itemsView(b));
        assertEquals(3, items.docs.size());

        // B is offline from here
        revoke(list, b);
        OwnerSql.update("UPDATE list_items SET title = 'changed while B was out' WHERE id = ?::uuid", changed.get("id"));
        OwnerSql.update("DELETE FROM list_items WHERE id = ?::uuid", deleted.get("id"));
        Map<String, Object> added = addItem(a, list, "added while B was out");
        regrant(list, b);

        items.syncUntilEquals(itemsView(b));
        assertEquals(Set.of(kept.get("id"), changed.get("id"), added.get("id")), items.docs.keySet());
        assertEquals("changed while B was out", items.docs.get((String) changed.get("id")).get("title"));
    }

    @Test
    void aRowMovedToAnotherGroupLeavesTheFirstGroupsMembersAndEntersTheSeconds() {
        TestUser a = register();
        TestUser b = register();
        TestUser c = register();
        String first = newList(a, "first");
        String second = newList(a, "second");
        grant(a, first, b, "editor");
        grant(a, second, c, "editor");
        Map<String, Object> moving = addItem(a, first, "moving");
        addItem(a, first, "staying");
        Client ofB = new Client(b, ITEMS);
        Client ofC = new Client(c, ITEMS);
        ofB.syncUntilEquals(itemsView(b));
        ofC.syncUntilEquals(itemsView(c));
        assertEquals(2, ofB.docs.size());
        assertEquals(0, ofC.docs.size());

        Map<String, Object> moved = new LinkedHashMap<>(moving);
        moved.put("listId", second);
        assertEquals(List.of(), pushOk(a, ITEMS, List.of(row(moving, moved))));

        ofB.syncUntilEquals(itemsView(b));
        ofC.syncUntilEquals(itemsView(c));
        assertEquals(1, ofB.docs.size());
        assertEquals(Set.of(moving.get("id")), ofC.docs.keySet());
        new Client(a, ITEMS).syncUntilEquals(itemsView(a));
    }

    @Test
    void aDeletedParentRemovesItsChildrenFromEveryView() {
        TestUser a = register();
        TestUser b = register();
        String list = newList(a, "to delete");
        addItem(a, list, "one");
        addItem(a, list, "two");
        grant(a, list, b, "editor");
        Client ofA = new Client(a, ITEMS);
        Client ofB = new Client(b, ITEMS);
        Client listsOfB = new Client(b, LISTS);
        ofA.syncUntilEquals(itemsView(a));
        ofB.syncUntilEquals(itemsView(b));
        listsOfB.syncUntilEquals(listsView(b));
        assertEquals(2, ofB.docs.size());

        Map<String, Object> current = listsOfB.docs.get(list);
        Map<String, Object> gone = new LinkedHashMap<>(current);
        gone.put("_deleted", true);
        assertEquals(List.of(), pushOk(b, LISTS, List.of(row(current, gone))));

        ofA.syncUntilEquals(Map.of());
        ofB.syncUntilEquals(Map.of());
        listsOfB.syncUntilEquals(Map.of());
        assertEquals(0L, OwnerSql.single("SELECT count(*) FROM list_items WHERE list_id = ?::uuid AND NOT deleted", list));
    }

    @Test
    void anOfflineEditOfARowNoLongerInViewIsAConflictWithTheLeavingDocument() {
        TestUser a = register();
        TestUser b = register();
        String list = newList(a, "lost access");
        Map<String, Object> it = addItem(a, list, "original");
        grant(a, list, b, "editor");
        Client items = new Client(b, ITEMS);
        items.syncUntilEquals(itemsView(b));

        revoke(list, b);
        OwnerSql.update("UPDATE list_items SET title = 'secret after revoke' WHERE id = ?::uuid", it.get("id"));
        Map<String, Object> edited = new LinkedHashMap<>(it);
        edited.put("title", "edited offline");
        Map<String, Object> created = item(list, "created offline");
        var conflicts = push(b, ITEMS, List.of(row(it, edited), row(null, created)))
                .then().statusCode(200).extract().jsonPath().<Map<String, Object>>getList("$");
        assertEquals(List.of(
                doc("id", it.get("id"), "listId", "00000000-0000-0000-0000-000000000000", "title", "", "_deleted", true),
                doc("id", created.get("id"), "listId", "00000000-0000-0000-0000-000000000000", "title", "", "_deleted", true)),
                conflicts);
        assertEquals("secret after revoke", OwnerSql.single("SELECT title FROM list_items WHERE id = ?::uuid", it.get("id")));
        assertEquals(0L, OwnerSql.single("SELECT count(*) FROM list_items WHERE id = ?::uuid", created.get("id")));
        // replication goes on: B's pulls still answer, and B ends with its (empty) view
        items.syncUntilEquals(itemsView(b));
    }

    @Test
    void aReadOnlyMemberReadsButItsWritesAreConflictsWithTheCurrentState() {
        TestUser a = register();
        TestUser viewer = register();
        String list = newList(a, "read only");
        Map<String, Object> it = addItem(a, list, "look, don't touch");
        grant(a, list, viewer, "viewer");
        Client items = new Client(viewer, ITEMS);
        items.syncUntilEquals(itemsView(viewer));

        Map<String, Object> edited = new LinkedHashMap<>(it);
        edited.put("title", "touched");
        var conflicts = pushOk(viewer, ITEMS, List.of(row(it, edited)));
        assertEquals(List.of(it), conflicts);
        var created = pushOk(viewer, ITEMS, List.of(row(null, item(list, "new"))));
        assertEquals(1, created.size());
        assertEquals(true, created.get(0).get("_deleted"));
        // nor may a viewer grant
        var granted = pushOk(viewer, MEMBERS, List.of(row(null, doc("id", UUID.randomUUID().toString(), "listId", list,
                "userId", register().id(), "role", "editor", "_deleted", false))));
        assertEquals(1, granted.size());
        assertEquals(itemsView(viewer), Map.of((String) it.get("id"), it));
        assertEquals(2L, OwnerSql.single("SELECT count(*) FROM list_members WHERE list_id = ?::uuid", list));
    }

    @Test
    void anOutsiderNeverReceivesNorWritesAGroupsRowsByAnyRoute() throws Exception {
        TestUser a = register();
        TestUser outsider = register();
        String list = newList(a, "private");
        Map<String, Object> it = addItem(a, list, "private item");

        Client items = new Client(outsider, ITEMS);
        items.sync();
        assertEquals(Map.of(), items.docs);
        new Client(outsider, LISTS).syncUntilEquals(Map.of());
        new Client(outsider, MEMBERS).syncUntilEquals(Map.of());

        // writing it, knowing its id: a conflict that carries nothing of it, and nothing written
        Map<String, Object> forged = new LinkedHashMap<>(it);
        forged.put("title", "forged");
        for (var rows : List.of(List.of(row(null, forged)), List.of(row(it, forged)))) {
            var conflicts = pushOk(outsider, ITEMS, rows);
            assertEquals(1, conflicts.size());
            assertFalse(conflicts.toString().contains("private item"), conflicts.toString());
            assertFalse(conflicts.toString().contains(list), conflicts.toString());
        }
        var listConflict = pushOk(outsider, LISTS, List.of(row(null, doc("id", list, "name", "mine now", "_deleted", false))));
        assertEquals(List.of(doc("id", list, "name", "", "_deleted", true)), listConflict);
        // granting oneself into it
        var selfGrant = pushOk(outsider, MEMBERS, List.of(row(null, doc("id", UUID.randomUUID().toString(), "listId", list,
                "userId", outsider.id(), "role", "editor", "_deleted", false))));
        assertEquals(1, selfGrant.size());
        assertEquals("private item", OwnerSql.single("SELECT title FROM list_items WHERE id = ?::uuid", it.get("id")));
        assertEquals("private", OwnerSql.single("SELECT name FROM lists WHERE id = ?::uuid", list));
        assertEquals(1L, OwnerSql.single("SELECT count(*) FROM list_members WHERE list_id = ?::uuid", list));

        // the runtime role without a declared caller sees nothing of any shared table
        for (String table : List.of("lists", "list_members", "list_items", "currencies")) {
            long seen = pool.query("SELECT count(*) FROM " + table).execute().await().indefinitely()
                    .iterator().next().getLong(0);
            assertEquals(0, seen, table);
        }
        // and an outsider's transaction sees nothing of the group
        long seenByOutsider = pool.withTransaction(tx -> tx.preparedQuery("SELECT rxsync_act_for($1)").execute(Tuple.of(outsider.id()))
                        .flatMap(ignored -> tx.query("SELECT (SELECT count(*) FROM lists) + (SELECT count(*) FROM list_items)"
                                + " + (SELECT count(*) FROM list_members)").execute()))
                .await().indefinitely().iterator().next().getLong(0);
        assertEquals(0, seenByOutsider);
    }

    @Test
    void theStreamDeliversAGrantsRowsAndARevokesLeavingDocuments() throws Exception {
        TestUser a = register();
        TestUser b = register();
        String list = newList(a, "live");
        Map<String, Object> it = addItem(a, list, "streamed");
        try (SseClient stream = new SseClient(itemsStream.toString(), b.bearer())) {
            assertEquals(200, stream.status);
            assertEquals("ping", stream.comments.poll(5, TimeUnit.SECONDS));
            grant(a, list, b, "editor");
            Map<String, Object> frame = nextFrameWith(stream, d -> d.get("id").equals(it.get("id")));
            assertEquals(false, document(frame, it).get("_deleted"));
            assertEquals("streamed", document(frame, it).get("title"));

            Map<String, Object> later = addItem(a, list, "written while live");
            nextFrameWith(stream, d -> d.get("id").equals(later.get("id")));

            revoke(list, b);
            Map<String, Object> leaving = nextFrameWith(stream, d -> d.get("id").equals(it.get("id")));
            assertEquals(doc("id", it.get("id"), "listId", "00000000-0000-0000-0000-000000000000", "title", "", "_deleted", true), document(leaving, it));
        }
    }

    @Test
    void aGrantBeyondTheBoundIsRefusedWithAClearError() {
        TestUser a = register();
        TestUser many = register();
        // 100 lists of many's own (each founds a membership), through SQL to keep it quick
        OwnerSql.update("""
                WITH l AS (INSERT INTO lists (id, name) SELECT gen_random_uuid(), 'bulk ' || g FROM generate_series(1, 100) g RETURNING id)
                INSERT INTO list_members (list_id, user_id) SELECT l.id, ?::uuid FROM l""", many.id());
        String list = newList(a, "one too many");
        push(a, MEMBERS, List.of(row(null, doc("id", UUID.randomUUID().toString(), "listId", list, "userId", many.id(),
                "role", "editor", "_deleted", false))))
                .then().statusCode(400).body("error", equalTo(true)).body("message", containsString("at most 100 groups"));
        // and creating a 101st list of one's own is refused the same way
        push(many, LISTS, List.of(row(null, doc("id", UUID.randomUUID().toString(), "name", "101st", "_deleted", false))))
                .then().statusCode(400).body("message", containsString("at most 100 groups"));
    }

    // ---------- helpers ----------

    @SuppressWarnings("unchecked")
    private Map<String, Object> nextFrameWith(SseClient stream, Predicate<Map<String, Object>> wanted) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            String frame = stream.nextFrame(Duration.ofSeconds(1));
            if (frame == null) {
                continue;
            }
            Map<String, Object> parsed = json.readValue(frame, Map.class);
            for (Map<String, Object> d : (List<Map<String, Object>>) parsed.get("documents")) {
                if (wanted.test(d)) {
                    return parsed;
                }
            }
        }
        throw new AssertionError("no frame with the wanted document");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> document(Map<String, Object> frame, Map<String, Object> of) {
        Map<String, Object> found = new HashMap<>();
        for (Map<String, Object> d : (List<Map<String, Object>>) frame.get("documents")) {
            if (d.get("id").equals(of.get("id"))) {
                found = d;
            }
        }
        return found;
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A transaction of the table owner's kept open, as another system's long transaction would be. */
    static final class Held implements AutoCloseable {
        private final java.sql.Connection connection;

        private Held(java.sql.Connection connection) {
            this.connection = connection;
        }

        static Held begin() throws java.sql.SQLException {
            java.sql.Connection c = OwnerSql.connect();
            c.setAutoCommit(false);
            return new Held(c);
        }

        void run(String sql, Object... params) throws java.sql.SQLException {
            try (var s = connection.prepareStatement(sql)) {
                for (int i = 0; i < params.length; i++) {
                    s.setObject(i + 1, params[i]);
                }
                s.execute();
            }
        }

        void commit() throws java.sql.SQLException {
            connection.commit();
        }

        @Override
        public void close() throws java.sql.SQLException {
            connection.close(); // rolls back what was not committed
        }
    }
}
