package io.rxsync.orders;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.rxsync.replication.RowSecurity;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Server-side order queries. Entity work goes through Panache; the queries that exist for an
 * index of their own are plain SQL on the pool, so that the text the plan tests EXPLAIN is
 * exactly the text the server receives (these constants are public for that reason).
 */
@ApplicationScoped
@WithSession
public class OrderRepository implements PanacheRepositoryBase<Order, UUID> {

    /**
     * Open orders of all users, longest waiting first. Served by the partial index
     * {@code orders_pending_idx}: its predicate is repeated here literally (a bind
     * parameter for the status would keep the planner from proving the index applies).
     */
    public static final String OLDEST_PENDING = "SELECT " + OrderSummary.COLUMNS + " FROM orders o"
            + " WHERE o.status = 'pending' AND NOT o.deleted ORDER BY o.created_at, o.id LIMIT $1";

    /** Orders whose metadata contains the given JSON, served by the GIN index {@code orders_metadata_idx}. */
    public static final String BY_METADATA = "SELECT " + OrderSummary.COLUMNS + " FROM orders o"
            + " WHERE o.metadata @> $1::text::jsonb AND NOT o.deleted ORDER BY o.created_at, o.id LIMIT $2";

    private final Pool pool;

    public OrderRepository(Pool pool) {
        this.pool = pool;
    }

    /** Live (not deleted) orders of one user. */
    public Uni<Long> countLiveByUser(UUID userId) {
        return Panache.withTransaction(() -> RowSecurity.actFor(userId.toString())
                .flatMap(ignored -> count("user.id = ?1 and deleted = false", userId)));
    }

    /** Up to {@code limit} pending orders of all users, oldest first: the work queue of fulfilment. */
    public Uni<List<OrderSummary>> oldestPending(int limit) {
        return pool.withTransaction(tx -> RowSecurity.actForAllUsers(tx)
                        .flatMap(ignored -> tx.preparedQuery(OLDEST_PENDING).execute(Tuple.of(limit))))
                .map(OrderRepository::summaries);
    }

    /**
     * Up to {@code limit} live orders of any user whose metadata contains {@code contained},
     * oldest first; e.g. {@code {"paymentRef": "pi_123"}} when a payment provider calls back.
     */
    public Uni<List<OrderSummary>> findByMetadata(ObjectNode contained, int limit) {
        return pool.withTransaction(tx -> RowSecurity.actForAllUsers(tx)
                        .flatMap(ignored -> tx.preparedQuery(BY_METADATA).execute(Tuple.of(contained.toString(), limit))))
                .map(OrderRepository::summaries);
    }

    private static List<OrderSummary> summaries(RowSet<Row> rows) {
        List<OrderSummary> list = new ArrayList<>(rows.size());
        for (Row row : rows) {
            list.add(OrderSummary.from(row));
        }
        return list;
    }
}
