package io.rxsync.orders;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.UUID;

@ApplicationScoped
@WithSession
public class OrderRepository implements PanacheRepositoryBase<Order, UUID> {

    /**
     * Open orders of all users, longest waiting first. Served by the partial index
     * {@code orders_pending_idx}: its predicate is repeated here literally (a bind
     * parameter for the status would keep the planner from proving the index applies).
     * Public so that the plan tests EXPLAIN exactly this text.
     */
    public static final String OLDEST_PENDING = """
            SELECT o.* FROM orders o
            WHERE o.status = 'pending' AND NOT o.deleted
            ORDER BY o.created_at, o.id
            LIMIT ?1""";

    /** Orders whose metadata contains the given JSON, served by the GIN index {@code orders_metadata_idx}. */
    public static final String BY_METADATA = """
            SELECT o.* FROM orders o
            WHERE o.metadata @> CAST(?1 AS jsonb) AND NOT o.deleted
            ORDER BY o.created_at, o.id
            LIMIT ?2""";

    /** Live (not deleted) orders of one user. */
    public Uni<Long> countLiveByUser(UUID userId) {
        return count("user.id = ?1 and deleted = false", userId);
    }

    /** Up to {@code limit} pending orders of all users, oldest first: the work queue of fulfilment. */
    public Uni<List<Order>> oldestPending(int limit) {
        return getSession().chain(session -> session.createNativeQuery(OLDEST_PENDING, Order.class)
                .setParameter(1, limit)
                .getResultList());
    }

    /**
     * Up to {@code limit} live orders of any user whose metadata contains {@code contained},
     * oldest first; e.g. {@code {"paymentRef": "pi_123"}} when a payment provider calls back.
     */
    public Uni<List<Order>> findByMetadata(ObjectNode contained, int limit) {
        return getSession().chain(session -> session.createNativeQuery(BY_METADATA, Order.class)
                .setParameter(1, contained.toString())
                .setParameter(2, limit)
                .getResultList());
    }
}
