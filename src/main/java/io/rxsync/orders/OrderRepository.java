package io.rxsync.orders;

import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.UUID;

@ApplicationScoped
@WithSession
public class OrderRepository implements PanacheRepositoryBase<Order, UUID> {

    /** Live (not deleted) orders of one user. */
    public Uni<Long> countLiveByUser(UUID userId) {
        return count("user.id = ?1 and deleted = false", userId);
    }
}
