package io.rxsync.replication.stream;

import static io.restassured.RestAssured.given;
import static io.rxsync.support.Api.ORDERS;
import static io.rxsync.support.Api.order;
import static io.rxsync.support.Api.pushOk;
import static io.rxsync.support.Api.register;
import static io.rxsync.support.Api.row;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.rxsync.auth.Caller;
import io.rxsync.replication.CollectionRegistry;
import io.rxsync.replication.ReplicatedCollection;
import io.rxsync.replication.Descriptors;
import io.rxsync.replication.ReplicationRepository;
import io.rxsync.support.Api.TestUser;
import io.rxsync.support.OwnerSql;
import io.rxsync.support.SseClient;
import io.smallrye.jwt.build.Jwt;
import io.smallrye.mutiny.operators.multi.processors.UnicastProcessor;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;
import java.net.URL;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * One stream for several collections ({@code GET /api/v1/sync/stream?collections=…}): a
 * browser that replicates six collections over HTTP/1.1 would otherwise spend all six of its
 * connections to the host on streams. Each event names its collection; the guarantees of a
 * single pullStream hold for each (registration before the headers, expiry, no compression),
 * and a collection is asked to resync on its own.
 */
@QuarkusTest
class MultiplexedStreamTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String STREAM = "/api/v1/sync/stream";
    private static final String NOTES = "/api/v1/sync/notes/0";
    private static final long HOLD_MS = 1_500;

    @TestHTTPResource(STREAM)
    URL streamUrl;

    @TestHTTPResource(ORDERS + "/pullStream")
    URL ordersStreamUrl;

    @Inject
    ObjectMapper json;

    @Inject
    ChangePumps pumps;

    @Inject
    CollectionRegistry registry;

    @Inject
    ReplicationRepository repository;

    @Inject
    Pool pool;

    @Inject
    StreamService streams;

    @AfterEach
    void releaseSeam() {
        pumps.of(registry.resolve("notes", 0)).beforeSubscriberAdded(() -> { });
    }

    @Test
    void eachEventNamesItsCollectionAndCarriesOnlyTheCallersChanges() throws Exception {
        TestUser alice = register();
        TestUser bob = register();
        try (SseClient aliceStream = open(alice, "orders:0,notes:0,users:0");
             SseClient aliceOrders = new SseClient(ordersStreamUrl.toString(), alice.bearer());
             SseClient bobStream = open(bob, "notes:0, orders:0")) {
            assertEquals("ping", aliceOrders.comments.poll(5, TimeUnit.SECONDS));
            Map<String, Object> order = order(alice, "pending", 10);
            Map<String, Object> note = note(alice, "Groceries");
            pushOk(alice, List.of(row(null, order)));
            pushNote(alice, note);
            pushNote(bob, note(bob, "Bob's"));

            // alice's own profile (users) may arrive too: a stream gets every window read after
            // it registered, and her registration may be in one of them
            Map<String, String> firstIdByCollection = new HashMap<>();
            while (firstIdByCollection.size() < 2) {
                SseClient.Event event = aliceStream.nextEvent(WAIT);
                assertNotNull(event, "alice's order and note both arrive on her one stream, got " + firstIdByCollection);
                JsonNode frame = json.readTree(event.data());
                assertEquals(frame.at("/documents/0/id").asText(), frame.at("/checkpoint/id").asText());
                if (event.name().equals("users")) {
                    assertEquals(alice.id(), frame.at("/documents/0/id").asText(), "only her own profile");
                    continue;
                }
                firstIdByCollection.put(event.name(), frame.at("/documents/0/id").asText());
            }
            assertEquals(Map.of("orders", order.get("id"), "notes", note.get("id")), firstIdByCollection);

            SseClient.Event bobs = bobStream.nextEvent(WAIT);
            assertNotNull(bobs);
            assertEquals("notes", bobs.name());
            for (SseClient.Event more = aliceStream.nextEvent(Duration.ofSeconds(1)); more != null;
                 more = aliceStream.nextEvent(Duration.ofSeconds(1))) {
                assertEquals("users", more.name(), "alice never sees bob's note: " + more);
                assertEquals(alice.id(), json.readTree(more.data()).at("/documents/0/id").asText(), "only her own profile");
            }

            // the collection's own pullStream is unchanged for the official client: unnamed frames
            String single = aliceOrders.nextFrame(WAIT);
            assertEquals(order.get("id"), json.readTree(single).at("/documents/0/id").asText());
            assertTrue(aliceOrders.otherLines.isEmpty(), "no named events on a pullStream: " + aliceOrders.otherLines);
        }
    }

    @Test
    void aBadListIsRefusedWithAJsonErrorBeforeAnythingIsRegistered() {
        TestUser user = register();
        int before = pumps.of(registry.resolve("orders", 0)).subscriberCount();
        refused(user, null, 400, "collections must list name:schemaVersion pairs, e.g. collections=orders:0,notes:0");
        refused(user, "", 400, "collections must list name:schemaVersion pairs, e.g. collections=orders:0,notes:0");
        refused(user, "orders", 400, "collections: 'orders' is not a name:schemaVersion pair such as orders:0");
        refused(user, "orders:0,", 400, "collections: '' is not a name:schemaVersion pair such as orders:0");
        refused(user, "orders:x", 400, "collections: 'orders:x' is not a name:schemaVersion pair such as orders:0");
        refused(user, "orders:0,notes:0,orders:0", 400, "collections: 'orders' is listed twice");
        refused(user, "orders:0,nope:0", 404, "unknown collection 'nope'");
        refused(user, "notes:0,orders:-1", 426, "Outdated version -1 (newest is 0)");
        given().header("Authorization", "Bearer nope").queryParam("collections", "orders:0").get(STREAM)
                .then().statusCode(401).contentType(ContentType.JSON).body("error", equalTo(true));
        given().queryParam("collections", "orders:0").get(STREAM)
                .then().statusCode(401).contentType(ContentType.JSON).body("error", equalTo(true));
        assertEquals(before, pumps.of(registry.resolve("orders", 0)).subscriberCount(), "nothing stays registered");
    }

    @Test
    void everyCollectionIsRegisteredBeforeTheClientSeesTheResponse() throws Exception {
        TestUser user = register();
        AtomicBoolean clientSawResponse = new AtomicBoolean();
        AtomicBoolean registeredAfterResponse = new AtomicBoolean();
        CountDownLatch registered = new CountDownLatch(1);
        // the last collection of the list: the others are registered before it
        pumps.of(registry.resolve("notes", 0)).beforeSubscriberAdded(() -> {
            try {
                Thread.sleep(HOLD_MS); // test seam only: holds the registration back
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            registeredAfterResponse.set(clientSawResponse.get());
            registered.countDown();
        });
        try (SseClient stream = new SseClient(url("orders:0,users:0,notes:0"), user.bearer())) {
            clientSawResponse.set(true); // the constructor returns once the status and headers are in
            assertEquals(200, stream.status);
            assertTrue(registered.await(20, TimeUnit.SECONDS), "the stream never registered");
            assertFalse(registeredAfterResponse.get(),
                    "the client saw the response (and would start its catch-up pulls) before notes was registered");
        }
    }

    @Test
    void theWholeStreamEndsWhenTheTokenExpiresAndReleasesEveryRegistration() throws Exception {
        TestUser user = register();
        ChangePump notes = pumps.of(registry.resolve("notes", 0));
        String shortLived = Jwt.subject(user.id()).issuer("rxsync").expiresIn(2).sign();
        try (SseClient stream = new SseClient(url("orders:0,notes:0"), "Bearer " + shortLived)) {
            assertEquals(200, stream.status);
            stream.closed.get(10, TimeUnit.SECONDS);
            assertTrue(stream.endedCleanly, "the server ended the response");
        }
        awaitTrue(() -> !registeredFor(notes, user.id()), "the notes registration released");
        assertFalse(registeredFor(pumps.of(registry.resolve("orders", 0)), user.id()), "orders registration released");
    }

    @Test
    void theStreamStaysPlainForAClientThatAcceptsCompression() throws Exception {
        TestUser user = register();
        try (SseClient stream = new SseClient(url("notes:0,orders:0"), user.bearer(),
                Map.of("Accept-Encoding", "gzip, deflate, br"))) {
            assertEquals(200, stream.status);
            assertEquals("identity", stream.headers().firstValue("Content-Encoding").orElse("identity"));
            assertEquals("no-cache", stream.headers().firstValue("Cache-Control").orElse(null));
            assertEquals("ping", stream.comments.poll(5, TimeUnit.SECONDS));
            Map<String, Object> doc = order(user, "pending", 7);
            pushOk(user, List.of(row(null, doc)));
            SseClient.Event event = stream.nextEvent(WAIT);
            assertNotNull(event, "the frame reaches the client while the stream is open");
            assertEquals("orders", event.name());
            assertEquals(doc.get("id"), json.readTree(event.data()).at("/documents/0/id").asText());
        }
    }

    /**
     * The heartbeat timer pings every registration of every pump; a stream of three
     * collections must still get one ping per round, not three. One round is run here by hand
     * (the application's timer may add one more meanwhile: at most two, never three).
     */
    @Test
    void aMultiplexedStreamGetsOnePingPerHeartbeatNotOnePerCollection() throws Exception {
        TestUser user = register();
        Caller caller = new Caller(user.id(), user.id(), Set.of(), Instant.now().plusSeconds(60));
        List<ReplicatedCollection> three = List.of(registry.resolve("orders", 0), registry.resolve("notes", 0),
                registry.resolve("users", 0));
        AtomicInteger pings = new AtomicInteger();
        var subscription = streams.openMultiplexed(three, caller).subscribe().with(event -> {
            if (event.kind() == StreamEvent.Kind.PING) {
                pings.incrementAndGet();
            }
        });
        try {
            awaitTrue(() -> pings.get() >= 1, "the first ping");
            int before = pings.get();
            pumps.all().forEach(ChangePump::pingAll);
            int added = pings.get() - before;
            assertTrue(added >= 1 && added <= 2, added + " pings for one heartbeat round of a stream of three collections");
        } finally {
            subscription.cancel();
        }
        awaitTrue(() -> !registeredFor(pumps.of(registry.resolve("users", 0)), user.id()), "cancelled: released");
    }

    /** A stream whose client left before the HTTP layer subscribed releases every registration after 30 s. */
    @Test
    void anUnclaimedMultiplexedStreamReleasesEveryRegistration() throws Exception {
        TestUser user = register();
        Caller caller = new Caller(user.id(), user.id(), Set.of(), Instant.now().plusSeconds(600));
        List<ReplicatedCollection> two = List.of(registry.resolve("orders", 0), registry.resolve("notes", 0));
        streams.openMultiplexed(two, caller); // nobody subscribes
        assertTrue(registeredFor(pumps.of(two.get(0)), user.id()) && registeredFor(pumps.of(two.get(1)), user.id()),
                "registered at once, before any subscription");
        long deadline = System.currentTimeMillis() + StreamService.UNCLAIMED_TIMEOUT.toMillis() + 20_000;
        while (registeredFor(pumps.of(two.get(0)), user.id()) || registeredFor(pumps.of(two.get(1)), user.id())) {
            assertTrue(System.currentTimeMillis() < deadline, "still registered long after the unclaimed timeout");
            Thread.sleep(200);
        }
    }

    /**
     * A pump taking its first position jumps to the watermark, past what a client registered
     * earlier may have missed between its pull and that query. A pullStream is ended for it; on
     * a multiplexed stream only that collection is asked to resync, its registration stays,
     * and what commits afterwards still reaches it. A pump of our own, not yet started.
     */
    @Test
    void aPumpTakingItsFirstPositionAsksOnlyItsCollectionToResyncAndKeepsFeedingIt() throws Exception {
        ChangePump pump = new ChangePump(Descriptors.orders(), repository, pool, json, 500);
        TestUser user = register();
        List<StreamEvent> multiplexed = new CopyOnWriteArrayList<>();
        UnicastProcessor<StreamEvent> events = UnicastProcessor.create();
        AtomicBoolean multiplexedEnded = new AtomicBoolean();
        events.subscribe().with(multiplexed::add, failure -> { }, () -> multiplexedEnded.set(true));
        OpenStream stream = new OpenStream(events);
        pump.subscribe(new StreamSubscriber(user.id(), "orders", true, stream));

        UnicastProcessor<StreamEvent> singleEvents = UnicastProcessor.create();
        AtomicBoolean singleEnded = new AtomicBoolean();
        singleEvents.subscribe().with(e -> { }, failure -> { }, () -> singleEnded.set(true));
        pump.subscribe(new StreamSubscriber(user.id(), singleEvents));

        awaitUntil(pump, () -> pump.published() != null);
        assertTrue(singleEnded.get(), "the pullStream is ended: its client pulls and reconnects");
        assertFalse(multiplexedEnded.get(), "the multiplexed stream goes on");
        assertEquals(List.of(new StreamEvent(StreamEvent.Kind.RESYNC, "orders", null)), multiplexed);

        String orderId = UUID.randomUUID().toString();
        OwnerSql.update("INSERT INTO orders (id, user_id, status, total_cents, currency) "
                + "VALUES (?::uuid, ?::uuid, 'pending', 1, 'EUR')", orderId, user.id());
        // the registration stayed: the change reaches the multiplexed stream (the cursor sits at
        // the watermark, which may be this insert's own xid, so wait for the frame itself)
        awaitUntil(pump, () -> multiplexed.size() > 1);
        assertEquals(2, multiplexed.size(), "one RESYNC, then one frame: " + multiplexed);
        StreamEvent frame = multiplexed.get(1);
        assertEquals(StreamEvent.Kind.FRAME, frame.kind());
        assertEquals("orders", frame.collection());
        assertEquals(orderId, json.readTree(frame.frame()).at("/documents/0/id").asText());
    }

    // ---- helpers ----

    private String url(String collections) {
        return streamUrl + "?collections=" + collections.replace(" ", "%20");
    }

    private SseClient open(TestUser user, String collections) throws Exception {
        SseClient stream = new SseClient(url(collections), user.bearer());
        assertEquals(200, stream.status);
        // the first ping means every collection is registered
        assertEquals("ping", stream.comments.poll(5, TimeUnit.SECONDS));
        return stream;
    }

    private static void refused(TestUser user, String collections, int status, String message) {
        var request = given().header("Authorization", user.bearer());
        if (collections != null) {
            request.queryParam("collections", collections);
        }
        request.get(STREAM).then().statusCode(status).contentType(ContentType.JSON)
                .body("error", equalTo(true)).body("code", equalTo(status)).body("message", equalTo(message));
    }

    private static boolean registeredFor(ChangePump pump, String userId) {
        return pump.hasSubscribersFor(userId);
    }

    private static void awaitTrue(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 20_000;
        while (!condition.getAsBoolean()) {
            assertTrue(System.currentTimeMillis() < deadline, "timed out waiting for: " + what);
            Thread.sleep(20);
        }
    }

    /** Wakes the pump (it has no timer of its own here) until the condition holds. */
    private static void awaitUntil(ChangePump pump, BooleanSupplier condition) throws InterruptedException {
        awaitTrue(() -> {
            pump.wake();
            return condition.getAsBoolean();
        }, "the pump");
    }

    private static Map<String, Object> note(TestUser owner, String title) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("id", UUID.randomUUID().toString());
        doc.put("userId", owner.id());
        doc.put("title", title);
        doc.put("_deleted", false);
        return doc;
    }

    private static void pushNote(TestUser user, Map<String, Object> note) {
        given().header("Authorization", user.bearer()).contentType(ContentType.JSON)
                .body(List.of(Map.of("newDocumentState", note))).post(NOTES + "/push")
                .then().statusCode(200).body("size()", equalTo(0));
    }
}
