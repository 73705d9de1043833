package io.rxsync.replication.stream;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.rxsync.replication.Checkpoint;
import io.rxsync.replication.PipelinedTransaction;
import io.rxsync.replication.PullService;
import io.rxsync.replication.ReplicatedCollection;
import io.rxsync.replication.ReplicationRepository;
import io.rxsync.replication.StoredDocument;
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
    private final AtomicBoolean running = new AtomicBoolean();
    private final AtomicBoolean wakeRequested = new AtomicBoolean();
    private volatile boolean draining;

    // Only touched inside the loop, which never runs twice at once.
    private long cursorXid = -1;
    private String cursorId;
    private volatile long lastReadMillis = System.currentTimeMillis();
    /** The cursor as other threads may read it (the lag metric): both parts from one moment. */
    private volatile Checkpoint published;

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
        subscribersByOwner.computeIfAbsent(subscriber.ownerId(), k -> new CopyOnWriteArraySet<>()).add(subscriber);
        subscriberCount.incrementAndGet();
        if (draining) {
            subscriber.close(); // shutting down (checked after adding: drain() may run meanwhile)
        }
    }

    public void unsubscribe(StreamSubscriber subscriber) {
        Set<StreamSubscriber> set = subscribersByOwner.get(subscriber.ownerId());
        if (set != null && set.remove(subscriber)) {
            subscriberCount.decrementAndGet();
            subscribersByOwner.computeIfPresent(subscriber.ownerId(), (k, s) -> s.isEmpty() ? null : s);
        }
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

    /** Closes every open stream of this collection (shutdown, or a read that failed). */
    public void closeAll() {
        for (Set<StreamSubscriber> set : subscribersByOwner.values()) {
            for (StreamSubscriber subscriber : set) {
                subscriber.close();
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
        if (subscriberCount.get() == 0 || cursorXid < 0) {
            // Nobody listens: skip ahead to the watermark instead of reading changes.
            return repository.watermark(pool).map(watermark -> {
                cursorXid = watermark;
                cursorId = Checkpoint.lowestId(collection.idField());
                published = Checkpoint.of(cursorXid, cursorId);
                lastReadMillis = System.currentTimeMillis();
                return false;
            });
        }
        // BEGIN, the all-users scope, the window and COMMIT in one round trip.
        return PipelinedTransaction.run(pool, tx -> Uni.combine().all()
                        .unis(repository.actForAllUsers(tx),
                                repository.changesAfter(tx, collection, cursorXid, cursorId, windowSize))
                        .with((ignored, window) -> window))
                .map(window -> {
            lastReadMillis = System.currentTimeMillis();
            if (!window.isEmpty()) {
                StoredDocument last = window.get(window.size() - 1);
                cursorXid = last.xid();
                cursorId = last.id();
                dispatch(window);
                published = Checkpoint.of(cursorXid, cursorId);
            }
            return window.size() == windowSize;
        });
    }

    private void dispatch(List<StoredDocument> window) {
        Map<String, List<StoredDocument>> byOwner = new LinkedHashMap<>();
        for (StoredDocument doc : window) {
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

    /** One frame per owner, serialized once however many streams that owner has open. */
    private String frame(List<StoredDocument> docs) {
        PullService.Page page = new PullService.Page(
                docs.stream().map(StoredDocument::document).toList(),
                docs.get(docs.size() - 1).checkpoint());
        try {
            return json.writeValueAsString(page);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize a stream frame", e);
        }
    }
}
