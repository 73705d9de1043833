package io.rxsync.ops;

import io.quarkus.scheduler.Scheduled;
import io.rxsync.replication.CollectionRegistry;
import io.rxsync.replication.ReplicatedCollection;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * Removes tombstones older than {@code rxsync.tombstones.retention}, on a schedule. The work
 * is one call per collection of the SQL function {@code rxsync_purge_tombstones} (migrations
 * V10, V12), which runs as the tables' owner (the runtime role sees one user at a time), raises
 * the purge horizon of every user who lost a tombstone, and lets only one instance purge a
 * collection at a time. Reactive all the way: the scheduler calls it on the event loop and
 * nothing here blocks.
 */
@ApplicationScoped
public class TombstonePurge {

    private static final Logger LOG = Logger.getLogger(TombstonePurge.class);
    static final String PURGE = "SELECT rxsync_purge_tombstones($1, $2::bigint * interval '1 millisecond')";

    private final CollectionRegistry collections;
    private final Pool pool;
    private final TombstoneConfig config;
    private final ReplicationMetrics metrics;

    public TombstonePurge(CollectionRegistry collections, Pool pool, TombstoneConfig config, ReplicationMetrics metrics) {
        this.collections = collections;
        this.pool = pool;
        this.config = config;
        this.metrics = metrics;
    }

    @Scheduled(identity = "tombstone-purge", every = "${rxsync.tombstones.purge-interval}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> onSchedule() {
        return purgeAll().onFailure().recoverWithItem(failure -> {
            LOG.warnf(failure, "tombstone purge failed; the next run tries again");
            return Map.of();
        }).replaceWithVoid();
    }

    /**
     * Purges every collection that keeps tombstones, one after the other. Returns the rows
     * removed per collection; -1 where another instance was purging it at the same time.
     */
    public Uni<Map<String, Long>> purgeAll() {
        // Only owner scopes: the purge horizon is kept per owner (V12), and a shared row's
        // tombstone has no one owner whose clients the horizon would send to resync; shared
        // collections keep their tombstones until that exists.
        List<ReplicatedCollection> purgeable = collections.all().stream()
                .filter(c -> c.keepsTombstones() && c.scope() instanceof io.rxsync.replication.Scope.Owner).toList();
        Map<String, Long> purged = new LinkedHashMap<>();
        return Multi.createFrom().iterable(purgeable)
                .onItem().transformToUniAndConcatenate(c -> purge(c).invoke(n -> purged.put(c.name(), n)))
                .collect().last()
                .replaceWith(purged);
    }

    private Uni<Long> purge(ReplicatedCollection c) {
        // only the name: the function finds the table and owner column in its own catalog
        Tuple args = Tuple.of(c.name(), config.retention().toMillis());
        return pool.preparedQuery(PURGE).execute(args)
                .map(rows -> rows.iterator().next().getLong(0))
                .invoke(n -> {
                    if (n > 0) {
                        LOG.infof("purged %d tombstones of %s older than %s", n, c.name(), config.retention());
                        metrics.tombstonesPurged(c, n);
                    }
                });
    }
}
