package io.rxsync.replication.stream;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.rxsync.ops.SchemaTaskConfig;
import io.rxsync.replication.ReplicatedCollection;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.pgclient.pubsub.PgSubscriber;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.pgclient.PgConnectOptions;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Tells every instance's change pumps that a collection changed: the local pump directly,
 * the others through PostgreSQL LISTEN/NOTIFY. The payload is only the collection name.
 *
 * <p>NOTIFY is sent after the write committed, on its own, and coalesced per collection:
 * inside the writing transaction it would take a cluster-wide lock at commit and
 * serialize all writers. A lost signal costs latency only; the pumps' timer is the backbone.
 */
@ApplicationScoped
public class ChangeSignal {

    static final String CHANNEL = "rxsync_changes";
    private static final Logger LOG = Logger.getLogger(ChangeSignal.class);

    private final ChangePumps pumps;
    private final Pool pool;
    private final Vertx vertx;
    private final PgConnectOptions listenOptions;
    private final SchemaTaskConfig schemaTask;
    /** Per collection: 0 idle, 1 a NOTIFY in flight, 2 in flight and another one owed. */
    private final Map<String, AtomicInteger> notifyState = new ConcurrentHashMap<>();
    private PgSubscriber subscriber;
    private volatile boolean listening;
    private volatile boolean stopping;

    public ChangeSignal(ChangePumps pumps, Pool pool, Vertx vertx, SchemaTaskConfig schemaTask,
                        @ConfigProperty(name = "quarkus.datasource.reactive.url") String url,
                        @ConfigProperty(name = "quarkus.datasource.username") String user,
                        @ConfigProperty(name = "quarkus.datasource.password") java.util.Optional<String> password) {
        this.pumps = pumps;
        this.pool = pool;
        this.schemaTask = schemaTask;
        this.vertx = vertx;
        this.listenOptions = PgConnectOptions.fromUri(url.startsWith("vertx-reactive:") ? url.substring(15) : url)
                .setUser(user);
        password.ifPresent(listenOptions::setPassword);
    }

    /** Called after a transaction that wrote documents of {@code collection} committed. */
    public void committed(ReplicatedCollection collection) {
        pumps.wake(collection.name());
        AtomicInteger state = notifyState.computeIfAbsent(collection.name(), k -> new AtomicInteger());
        if (state.getAndUpdate(s -> Math.min(s + 1, 2)) == 0) {
            sendNotify(collection.name(), state);
        }
    }

    /**
     * NOTIFY gives its transaction an id, so its COMMIT waits for a WAL flush of its own: with
     * one pushing client that doubled the flushes per push (benchmark). It need not wait: a
     * NOTIFY lost in a crash costs latency only, like any lost signal.
     */
    public static final String NOTIFY = "SELECT set_config('synchronous_commit', 'off', true), pg_notify($1, $2)";

    private void sendNotify(String collection, AtomicInteger state) {
        pool.preparedQuery(NOTIFY).execute(Tuple.of(CHANNEL, collection))
                .subscribe().with(ok -> afterNotify(collection, state), failure -> {
                    LOG.debugf(failure, "NOTIFY for %s failed; the pumps' timer covers it", collection);
                    afterNotify(collection, state);
                });
    }

    private void afterNotify(String collection, AtomicInteger state) {
        // 2 -> 1: writes arrived meanwhile, send one more NOTIFY for all of them; 1 -> 0: done.
        if (state.decrementAndGet() > 0) {
            sendNotify(collection, state);
        }
    }

    public boolean isListening() {
        return listening;
    }

    void start(@Observes StartupEvent event) {
        if (schemaTask.validateAndExit()) {
            return; // a schema task serves nothing; it exits right after startup
        }
        subscriber = PgSubscriber.subscriber(vertx, listenOptions)
                // after a lost connection: try again every second for as long as we run
                .reconnectPolicy(retries -> 1000L);
        subscriber.channel(CHANNEL)
                .handler(pumps::wake)
                .subscribeHandler(() -> {
                    listening = true;
                    LOG.debug("listening for change signals");
                    // Changes may have happened while we were not listening.
                    pumps.all().forEach(ChangePump::wake);
                })
                .endHandler(() -> {
                    if (!stopping) {
                        listening = false;
                        LOG.warn("change-signal listener lost; reconnecting (the pumps' timer covers the gap)");
                    }
                });
        connect();
    }

    /** The first connection is retried too: the database may come up after the service. */
    private void connect() {
        subscriber.connect().subscribe().with(ok -> {
        }, failure -> {
            LOG.warnf("change-signal listener cannot connect (%s); retrying", failure.getMessage());
            if (!stopping) {
                vertx.setTimer(1000, id -> connect());
            }
        });
    }

    void stop(@Observes ShutdownEvent event) {
        stopping = true;
        if (subscriber != null) {
            subscriber.close().subscribe().with(ok -> {
            }, failure -> {
            });
        }
    }
}
