package io.rxsync.replication.stream;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.rxsync.replication.CollectionRegistry;
import io.rxsync.replication.ReplicatedCollection;
import io.rxsync.ops.SchemaTaskConfig;
import io.rxsync.replication.ReplicationConfig;
import io.rxsync.replication.ReplicationRepository;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Collection;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * One {@link ChangePump} per collection on this instance, driven by a short timer (the
 * backbone: nothing depends on a signal arriving) and woken early by {@link ChangeSignal};
 * and the heartbeat of all their open streams.
 */
@ApplicationScoped
public class ChangePumps {

    private final Map<String, ChangePump> byCollection;
    private final Vertx vertx;
    private final ReplicationConfig config;
    private final SchemaTaskConfig schemaTask;
    private long timerId = -1;
    private long heartbeatTimerId = -1;

    public ChangePumps(CollectionRegistry registry, ReplicationRepository repository, Pool pool, ObjectMapper json,
                       Vertx vertx, ReplicationConfig config, SchemaTaskConfig schemaTask) {
        this.vertx = vertx;
        this.config = config;
        this.schemaTask = schemaTask;
        int window = config.stream().windowSize();
        this.byCollection = registry.all().stream().collect(Collectors.toUnmodifiableMap(
                ReplicatedCollection::name, c -> new ChangePump(c, repository, pool, json, window)));
    }

    void start(@Observes StartupEvent event) {
        if (schemaTask.validateAndExit()) {
            return; // a schema task serves nothing; it exits right after startup
        }
        timerId = vertx.setPeriodic(config.stream().pollInterval().toMillis(), id -> wakeAll());
        // One heartbeat timer for every open stream: a ticker per stream cost memory per stream.
        heartbeatTimerId = vertx.setPeriodic(config.stream().heartbeatInterval().toMillis(),
                id -> byCollection.values().forEach(ChangePump::pingAll));
        wakeAll();
    }

    void stop(@Observes ShutdownEvent event) {
        if (timerId >= 0) {
            vertx.cancelTimer(timerId);
            vertx.cancelTimer(heartbeatTimerId);
        }
        byCollection.values().forEach(ChangePump::closeAll);
    }

    /**
     * Graceful shutdown: ends every open stream now and every stream opened from here on
     * right after it opens, so that no stream keeps the process waiting for its in-flight
     * requests. Clients pull from their checkpoints and reconnect (to another instance).
     */
    public void drain() {
        byCollection.values().forEach(ChangePump::drain);
    }

    public ChangePump of(ReplicatedCollection collection) {
        return byCollection.get(collection.name());
    }

    public Collection<ChangePump> all() {
        return byCollection.values();
    }

    /** Wakes the pump of a collection by name; unknown names (from other deployments) are ignored. */
    public void wake(String collection) {
        ChangePump pump = byCollection.get(collection);
        if (pump != null) {
            pump.wake();
        }
    }

    private void wakeAll() {
        byCollection.values().forEach(ChangePump::wake);
    }
}
