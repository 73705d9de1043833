package io.rxsync.ops;

import io.rxsync.replication.Checkpoint;
import io.rxsync.replication.ReplicatedCollection;
import io.rxsync.replication.ReplicationRepository;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import jakarta.enterprise.context.ApplicationScoped;

/** The two lag readings of {@link LagSampler}, each one short statement. */
@ApplicationScoped
public class LagRepository {

    static final String WATERMARK_LAG = "SELECT xids, seconds FROM rxsync_watermark_lag()";

    /** How far the watermark trails: transaction ids assigned since, and the holder's age (null when unknown). */
    public record WatermarkLag(long xids, Double seconds) {
    }

    private final Pool pool;
    private final ReplicationRepository replication;

    public LagRepository(Pool pool, ReplicationRepository replication) {
        this.pool = pool;
        this.replication = replication;
    }

    public Uni<WatermarkLag> watermarkLag() {
        return pool.query(WATERMARK_LAG).execute().map(rows -> {
            Row row = rows.iterator().next();
            return new WatermarkLag(row.getLong("xids"), row.getDouble("seconds"));
        });
    }

    /** Seconds since the oldest committed change after {@code published} was written; 0 when none waits. */
    public Uni<Double> changePumpLag(ReplicatedCollection c, Checkpoint published) {
        return pool.withTransaction(tx -> replication.actForAllUsers(tx)
                .flatMap(ignored -> replication.ageOfFirstChangeAfter(tx, c, published)));
    }
}
