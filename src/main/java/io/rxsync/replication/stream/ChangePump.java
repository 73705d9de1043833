package io.rxsync.replication.stream;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.rxsync.replication.Checkpoint;
import io.rxsync.replication.PipelinedTransaction;
import io.rxsync.replication.ChangedRow;
import io.rxsync.replication.PageJson;
import io.rxsync.replication.ReplicatedCollection;
import io.rxsync.replication.ReplicationRepository;
import io.rxsync.replication.Scope;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * The live feed of one collection on this instance. It reads the next window of committed
 * changes of all users once, advances one cursor, and routes each document to the open
 * streams of its owner: a thousand streams cost about what one does.
 *
 * <p>Why no stream can miss a change: the cursor only moves over rows below the commit
 * watermark, so it never passes a change still in flight. A subscriber receives every
 * window read after it registered; everything before is at or below a watermark that the
 * client's own pull (RESYNC, which the client runs when the stream opens) already covers.
 * With nobody listening the pump skips ahead to the watermark instead of reading; it keeps
 * that jump only if no stream registered between sending the query and its answer (a
 * stream's pull may have run before the query did, and the jump would pass the changes
 * committed in between).
 *
 * <p>Reads never overlap: {@link #wake()} from any thread either starts the loop or asks
 * the running one to go round once more.
 */
public final class ChangePump {

    private static final Logger LOG = Logger.getLogger(ChangePump.class);

    private final ReplicatedCollection collection;
    private final ReplicationRepository repository;
    private final Pool pool;
    private final ObjectMapper json;
    private final int windowSize;

    private final Map<String, Set<StreamSubscriber>> subscribersByOwner = new ConcurrentHashMap<>();
    private final AtomicInteger subscriberCount = new AtomicInteger();
    /** Streams registered so far: tells a skip-ahead whether one registered while it was in flight. */
    private final AtomicLong registrations = new AtomicLong();
    private final AtomicBoolean running = new AtomicBoolean();
    private final AtomicBoolean wakeRequested = new AtomicBoolean();
    private volatile boolean draining;

    // Only touched inside the loop, which never runs twice at once.
    private long cursorXid = -1;
    private String cursorId;
    private volatile long lastReadMillis = System.currentTimeMillis();
    /** The cursor as other threads may read it (the lag metric): both parts from one moment. */
    private volatile Checkpoint published;

    // Test seams that widen a race window deterministically (ChangePumpRaceTest); no-ops here.
    private volatile Supplier<Uni<Void>> beforeWatermarkQuery = () -> Uni.createFrom().voidItem();
    private volatile Runnable beforeSubscriberAdded = () -> { };

    public ChangePump(ReplicatedCollection collection, ReplicationRepository repository, Pool pool,
                      ObjectMapper json, int windowSize) {
        this.collection = collection;
        this.repository = repository;
        this.pool = pool;
        this.json = json;
        this.windowSize = windowSize;
        this.cursorId = Checkpoint.lowestId(collection.idField());
    }

    public ReplicatedCollection collection() {
        return collection;
    }

    public void subscribe(StreamSubscriber subscriber) {
        // Counted before anything else (the skip-ahead reads them in the other order), and
        // added in one atomic map operation: a concurrent removal of the owner's last stream
        // cannot drop the set this stream goes into.
        subscriberCount.incrementAndGet();
        registrations.incrementAndGet();
        subscribersByOwner.compute(subscriber.ownerId(), (owner, set) -> {
            Set<StreamSubscriber> streams = set == null ? new CopyOnWriteArraySet<>() : set;
            beforeSubscriberAdded.run();
            streams.add(subscriber);
            return streams;
        });
        if (draining) {
            subscriber.close(); // shutting down (checked after adding: drain() may run meanwhile)
        }
    }

    public void unsubscribe(StreamSubscriber subscriber) {
        AtomicBoolean removed = new AtomicBoolean();
        subscribersByOwner.computeIfPresent(subscriber.ownerId(), (owner, streams) -> {
            removed.set(streams.remove(subscriber));
            return streams.isEmpty() ? null : streams;
        });
        if (removed.get()) {
            subscriberCount.decrementAndGet();
        }
    }

    /** Sends every open stream a heartbeat. */
    void pingAll() {
        subscribersByOwner.values().forEach(subscribers -> subscribers.forEach(StreamSubscriber::ping));
    }

    /** Whether the user has a stream registered here (tests: a closed stream leaves nothing behind). */
    boolean hasSubscribersFor(String ownerId) {
        return subscribersByOwner.containsKey(ownerId);
    }

    public int subscriberCount() {
        return subscriberCount.get();
    }

    /**
     * Where the pump stands: every change up to here has been handed to the open streams.
     * Null before its first read.
     */
    public Checkpoint published() {
        return published;
    }

    /** Milliseconds since the pump last read the database successfully. */
    public long millisSinceLastRead() {
        return System.currentTimeMillis() - lastReadMillis;
    }

    /**
     * Closes every open stream of this collection (shutdown, or a read that failed: in doubt,
     * close; a multiplexed stream ends with all its collections, its client resyncs them all).
     */
    public void closeAll() {
        for (Set<StreamSubscriber> set : subscribersByOwner.values()) {
            for (StreamSubscriber subscriber : set) {
                subscriber.close();
            }
        }
    }

    /**
     * Tells every open stream of this collection to catch up by a pull after this moment;
     * their registrations stay (a pullStream cannot be told but by ending).
     */
    private void resyncAll() {
        for (Set<StreamSubscriber> set : subscribersByOwner.values()) {
            for (StreamSubscriber subscriber : set) {
                subscriber.resync();
            }
        }
    }

    /** Ends every open stream and, from now on, every new one (graceful shutdown). */
    void drain() {
        draining = true;
        closeAll();
    }

    /** Asks for a read soon. Safe from any thread; coalesces with a read already running. */
    public void wake() {
        wakeRequested.set(true);
        if (running.compareAndSet(false, true)) {
            loop();
        }
    }

    private void loop() {
        wakeRequested.set(false);
        readOnce().subscribe().with(fullWindow -> afterRead(fullWindow), failure -> {
            LOG.warnf(failure, "change pump of %s could not read; closing its streams", collection.name());
            // In doubt, close: each client pulls from its own checkpoint and reconnects.
            closeAll();
            afterRead(false);
        });
    }

    private void afterRead(boolean fullWindow) {
        if (fullWindow || wakeRequested.get()) {
            loop();
            return;
        }
        running.set(false);
        // A wake that came between the check above and the reset must not be lost.
        if (wakeRequested.get() && running.compareAndSet(false, true)) {
            loop();
        }
    }

    /** Reads one window; emits true when it was full and more may be waiting. */
    private Uni<Boolean> readOnce() {
        long registered = registrations.get();
        boolean idle = subscriberCount.get() == 0;
        if (idle || cursorXid < 0) {
            return skipAhead(registered, idle);
        }
        if (collection.scope() instanceof Scope.Members) {
            return readViewWindow();
        }
        // BEGIN, the all-users scope, the window and COMMIT in one round trip.
        return PipelinedTransaction.run(pool, tx -> Uni.combine().all()
                        .unis(repository.actForAllUsers(tx),
                                repository.changesAfter(tx, collection, cursorXid, cursorId, windowSize))
                        .with((ignored, window) -> window))
                .map(window -> {
            lastReadMillis = System.currentTimeMillis();
            if (!window.isEmpty()) {
                ChangedRow last = window.get(window.size() - 1);
                cursorXid = last.xid();
                cursorId = last.id();
                dispatch(window);
                published = Checkpoint.of(cursorXid, cursorId);
            }
            return window.size() == windowSize;
        });
    }

    /**
     * A members scope: the view changes of the subscribed users from the cursor up to the
     * watermark the same statement reads (the pull's view, found from the window's events:
     * writes, grants, revokes, moves), then the cursor moves to that watermark. Nothing
     * commits below it any more, so the next window misses nothing.
     */
    private Uni<Boolean> readViewWindow() {
        long registered = registrations.get();
        List<String> keys = List.copyOf(subscribersByOwner.keySet());
        long lo = cursorXid;
        return beforeWatermarkQuery.get().flatMap(seam -> PipelinedTransaction.run(pool, tx -> Uni.combine().all()
                        .unis(repository.actForAllUsers(tx), repository.viewChanges(tx, collection, lo, keys))
                        .with((ignored, window) -> window)))
                .map(window -> {
                    lastReadMillis = System.currentTimeMillis();
                    if (registrations.get() != registered) {
                        // A stream registered while the window was read: the window, filtered by the
                        // users known before, holds nothing for it, and its client's pull may have run
                        // before the window's watermark. Moving past it would skip what committed in
                        // between for that stream; read the same window again, with it.
                        return true;
                    }
                    dispatch(window.documents());
                    if (window.watermark() > cursorXid) {
                        cursorXid = window.watermark();
                        cursorId = Checkpoint.lowestId(collection.idField());
                    }
                    published = Checkpoint.of(cursorXid, cursorId);
                    return false;
                });
    }

    /**
     * Nobody listens (or the pump has no position yet): moves the cursor to the watermark
     * instead of reading changes. A stream that registered after {@code registered} may have
     * pulled before the query ran; the jump would pass what committed in between, so then
     * the cursor stays and the next round reads windows from it. A first position has no
     * cursor to keep: the streams already open are told to resync (their clients pull after
     * this query; a pullStream is ended for it, its client pulls and reconnects).
     */
    private Uni<Boolean> skipAhead(long registered, boolean idle) {
        return beforeWatermarkQuery.get().flatMap(ignored -> repository.watermark(pool)).map(watermark -> {
            lastReadMillis = System.currentTimeMillis();
            boolean nobodyCameMeanwhile = idle && registrations.get() == registered;
            if (!nobodyCameMeanwhile) {
                if (cursorXid >= 0) {
                    return true; // go round again at once: the new streams are waiting
                }
                resyncAll();
            }
            cursorXid = watermark;
            cursorId = Checkpoint.lowestId(collection.idField());
            published = Checkpoint.of(cursorXid, cursorId);
            return false;
        });
    }

    /** Test seam: runs before each skip-ahead's watermark query (and each members window, which reads one) is sent. */
    void beforeWatermarkQuery(Supplier<Uni<Void>> hook) {
        beforeWatermarkQuery = hook;
    }

    /** Test seam: runs in {@link #subscribe} once the owner's set of streams is found. */
    void beforeSubscriberAdded(Runnable hook) {
        beforeSubscriberAdded = hook;
    }

    private void dispatch(List<ChangedRow> window) {
        if (window.isEmpty()) {
            return;
        }
        if (collection.scope() instanceof Scope.Everyone) {
            // every signed-in user sees every row: one frame for every open stream
            String frame = frame(window);
            subscribersByOwner.values().forEach(subscribers -> subscribers.forEach(s -> s.send(frame)));
            return;
        }
        Map<String, List<ChangedRow>> byOwner = new LinkedHashMap<>();
        for (ChangedRow doc : window) {
            if (subscribersByOwner.containsKey(doc.ownerId())) {
                byOwner.computeIfAbsent(doc.ownerId(), k -> new ArrayList<>()).add(doc);
            }
        }
        byOwner.forEach((owner, docs) -> {
            Set<StreamSubscriber> subscribers = subscribersByOwner.get(owner);
            if (subscribers == null || subscribers.isEmpty()) {
                return;
            }
            String frame = frame(docs);
            for (StreamSubscriber subscriber : subscribers) {
                subscriber.send(frame);
            }
        });
    }

    /** One frame per owner, written once however many streams that owner has open: a pull page's JSON. */
    private String frame(List<ChangedRow> docs) {
        return PageJson.text(json, collection, docs, docs.get(docs.size() - 1).checkpoint());
    }
}
