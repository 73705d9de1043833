package io.rxsync.replication;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.rxsync.auth.Caller;
import io.rxsync.web.ApiException;
import io.smallrye.mutiny.Uni;
import io.vertx.pgclient.PgException;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.context.ApplicationScoped;

/** Checkpoint iteration: the next page of a user's committed changes. */
@ApplicationScoped
public class PullService {

    /** The 410 message: what the client must do, in words an app developer can act on. */
    static final String RESYNC = "checkpoint is older than the tombstone retention: deletes may have been purged "
            + "since; resync from scratch (drop the local collection state and start replication again "
            + "from an empty checkpoint)";

    /** The 410 message for a checkpoint the database has not reached: it comes from another timeline. */
    static final String AHEAD_OF_DATABASE = "checkpoint is ahead of this database (it was restored from a backup "
            + "or failed over and lost commits): resync from scratch (drop the local collection state and start "
            + "replication again from an empty checkpoint)";

    private final Pool pool;
    private final ReplicationRepository repository;

    private final ObjectMapper json;

    public PullService(Pool pool, ReplicationRepository repository, ObjectMapper json) {
        this.pool = pool;
        this.repository = repository;
        this.json = json;
    }

    /**
     * The answer to a pull: its JSON in the wire shape {@code {documents, checkpoint}}
     * ({@link PageJson}), and how many documents it holds.
     */
    public record Page(byte[] json, int size) {
    }

    /**
     * Returns up to {@code limit} documents strictly after {@code after}. A short page tells
     * the client it has caught up; an empty one echoes its checkpoint.
     */
    public Uni<Page> pull(ReplicatedCollection collection, Caller caller, Checkpoint after, int limit) {
        // BEGIN, both statements and COMMIT are sent at once and run in order on one
        // connection: one round trip per page. If the account is gone, actFor fails the pull
        // and the page, read without a declared user, saw nothing.
        return PipelinedTransaction.run(pool, tx -> Uni.combine().all()
                        .unis(repository.actFor(tx, caller.userId()),
                                repository.pullPage(tx, collection, collection.scope().callerKey(caller), after, limit))
                        .with((ignored, page) -> page))
                .onFailure(PullService::checkpointTooOld).transform(e -> new ApiException(410, RESYNC))
                .onFailure(PullService::checkpointFromElsewhere).transform(e -> new ApiException(410, AHEAD_OF_DATABASE))
                .map(rows -> {
                    Checkpoint next = rows.isEmpty() ? after : rows.get(rows.size() - 1).checkpoint();
                    return new Page(PageJson.bytes(json, collection, rows, next), rows.size());
                });
    }

    private static boolean checkpointTooOld(Throwable e) {
        return e instanceof PgException pg && CollectionSql.CHECKPOINT_TOO_OLD.equals(pg.getSqlState());
    }

    private static boolean checkpointFromElsewhere(Throwable e) {
        return e instanceof PgException pg && CollectionSql.CHECKPOINT_FROM_ELSEWHERE.equals(pg.getSqlState());
    }
}
