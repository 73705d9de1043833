package io.rxsync.replication.stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.junit.QuarkusTest;
import io.rxsync.replication.Descriptors;
import io.rxsync.replication.ReplicationRepository;
import io.rxsync.support.Api;
import io.rxsync.support.OwnerSql;
import io.smallrye.mutiny.operators.multi.processors.UnicastProcessor;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * Races of the change pump (issue 12, items 1 and 6), made deterministic with the pump's test
 * seams: the window opens on purpose, the other party runs inside it, and then the stream
 * must still receive the change. A pump of our own on the real database, so that the
 * application's pumps and timer do not interfere.
 */
@QuarkusTest
class ChangePumpRaceTest {

    private static final long TIMEOUT_MS = 20_000;

    @Inject
    ReplicationRepository repository;

    @Inject
    Pool pool;

    @Inject
    io.rxsync.replication.CollectionRegistry registry;

    @Inject
    ObjectMapper json;

    @Test
    void aStreamRegisteredWhileTheIdleSkipAheadIsInFlightStillGetsTheChangesCommittedMeanwhile() throws Exception {
        ChangePump pump = startedPump();
        Api.TestUser user = Api.register();
        CountDownLatch queryPending = new CountDownLatch(1);
        CompletableFuture<Void> sendQuery = new CompletableFuture<>();
        pump.beforeWatermarkQuery(() -> {
            queryPending.countDown();
            return Uni.createFrom().completionStage(sendQuery);
        });

        pump.wake(); // idle: no subscriber, so it asks for the watermark to skip ahead
        assertTrue(queryPending.await(TIMEOUT_MS, TimeUnit.MILLISECONDS));
        // meanwhile a stream registers (its client's pull covers everything up to now) ...
        Frames frames = subscribe(pump, user.id());
        // ... and a change commits before the delayed watermark query runs
        String orderId = insertOrder(user.id());
        pump.beforeWatermarkQuery(() -> Uni.createFrom().voidItem());
        sendQuery.complete(null);

        long xid = xidOf(orderId);
        awaitUntil(pump, () -> pump.published() != null && pump.published().xid() >= xid);
        assertTrue(frames.contain(orderId), "the change committed while the stream registered was never streamed: "
                + frames.received + ", pump at " + pump.published());
    }

    @Test
    void aStreamRegisteredWhileTheOwnersLastStreamClosesIsStillFed() throws Exception {
        ChangePump pump = startedPump();
        Api.TestUser user = Api.register();
        Frames closing = subscribe(pump, user.id());
        CountDownLatch adding = new CountDownLatch(1);
        CountDownLatch closed = new CountDownLatch(1);
        pump.beforeSubscriberAdded(() -> {
            adding.countDown();
            try {
                // Holds the window open until the last stream has gone; where the two are one
                // atomic map operation the close waits for this, so give up after a while.
                closed.await(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });

        CompletableFuture<Frames> opening = CompletableFuture.supplyAsync(() -> subscribe(pump, user.id()));
        assertTrue(adding.await(TIMEOUT_MS, TimeUnit.MILLISECONDS));
        CompletableFuture<Void> closing1 = CompletableFuture.runAsync(() -> {
            pump.unsubscribe(closing.subscriber);
            closed.countDown();
        });
        Frames opened = opening.get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
        closing1.get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
        pump.beforeSubscriberAdded(() -> { });

        String orderId = insertOrder(user.id());
        long xid = xidOf(orderId);
        awaitUntil(pump, () -> pump.published() != null && pump.published().xid() >= xid);
        assertTrue(opened.contain(orderId), "the stream that opened as the other closed was never fed: " + opened.received);
    }

    @Test
    void aStreamRegisteredWhileAMembersWindowIsInFlightStillGetsTheChangesCommittedMeanwhile() throws Exception {
        ChangePump pump = new ChangePump(registry.all().stream().filter(c -> c.name().equals("list_items")).findFirst().orElseThrow(),
                repository, pool, json, 500);
        awaitUntil(pump, () -> pump.published() != null);
        Api.TestUser a = Api.register();
        Api.TestUser b = Api.register();
        String list = UUID.randomUUID().toString();
        OwnerSql.update("INSERT INTO lists (id, name) VALUES (?::uuid, 'race')", list);
        OwnerSql.update("INSERT INTO list_members (list_id, user_id) VALUES (?::uuid, ?::uuid), (?::uuid, ?::uuid)",
                list, a.id(), list, b.id());
        subscribe(pump, a.id()); // the pump reads windows for A's streams
        awaitUntil(pump, () -> pump.published() != null
                && pump.published().xid() > xidOf("list_members", list));

        CountDownLatch queryPending = new CountDownLatch(1);
        CompletableFuture<Void> sendQuery = new CompletableFuture<>();
        pump.beforeWatermarkQuery(() -> {
            queryPending.countDown();
            return Uni.createFrom().completionStage(sendQuery);
        });
        pump.wake(); // a window for the users known now: A
        assertTrue(queryPending.await(TIMEOUT_MS, TimeUnit.MILLISECONDS));
        // meanwhile B's stream registers (its client's pull covers everything up to now) ...
        Frames ofB = subscribe(pump, b.id());
        // ... and an item of the shared list commits before the window's query runs
        String item = UUID.randomUUID().toString();
        OwnerSql.update("INSERT INTO list_items (id, list_id, title) VALUES (?::uuid, ?::uuid, 'race')", item, list);
        pump.beforeWatermarkQuery(() -> Uni.createFrom().voidItem());
        sendQuery.complete(null);

        long xid = Long.parseLong(OwnerSql.single("SELECT change_xid::text FROM list_items WHERE id = ?::uuid", item).toString());
        awaitUntil(pump, () -> pump.published() != null && pump.published().xid() > xid);
        assertTrue(ofB.contain(item), "the change committed while B's stream registered was never streamed to it: "
                + ofB.received + ", pump at " + pump.published());
    }

    private static long xidOf(String table, String list) {
        return Long.parseLong(OwnerSql.single("SELECT max(change_xid::text::bigint)::text FROM " + table
                + " WHERE list_id = ?::uuid", list).toString());
    }

    // ---- helpers ----

    /** A pump of the orders collection that has taken its first position. */
    private ChangePump startedPump() throws InterruptedException {
        ChangePump pump = new ChangePump(Descriptors.orders(), repository, pool, json, 500);
        awaitUntil(pump, () -> pump.published() != null);
        return pump;
    }

    /** Wakes the pump (it has no timer of its own here) until the condition holds. */
    private static void awaitUntil(ChangePump pump, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.currentTimeMillis() + TIMEOUT_MS;
        while (!condition.getAsBoolean()) {
            assertTrue(System.currentTimeMillis() < deadline, "timed out");
            pump.wake();
            Thread.sleep(20);
        }
    }

    /** What one stream received. */
    private static final class Frames {
        final List<String> received = new CopyOnWriteArrayList<>();
        StreamSubscriber subscriber;

        boolean contain(String id) {
            return received.stream().anyMatch(frame -> frame.contains(id));
        }
    }

    private static Frames subscribe(ChangePump pump, String ownerId) {
        Frames frames = new Frames();
        UnicastProcessor<StreamEvent> events = UnicastProcessor.create();
        frames.subscriber = new StreamSubscriber(ownerId, events);
        pump.subscribe(frames.subscriber);
        events.subscribe().with(event -> frames.received.add(String.valueOf(event)));
        return frames;
    }

    private static String insertOrder(String userId) {
        String id = UUID.randomUUID().toString();
        OwnerSql.update("INSERT INTO orders (id, user_id, status, total_cents, currency) "
                + "VALUES (?::uuid, ?::uuid, 'pending', 1, 'EUR')", id, userId);
        return id;
    }

    private static long xidOf(String orderId) {
        return Long.parseLong(OwnerSql.single("SELECT change_xid::text FROM orders WHERE id = ?::uuid", orderId).toString());
    }
}
