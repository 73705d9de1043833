package io.rxsync.users;

import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.UUID;

@ApplicationScoped
@WithSession
public class UserRepository implements PanacheRepositoryBase<User, UUID> {

    /**
     * Declares, for the rest of the current transaction, that it may look users up by
     * email and create them (login, registration); row-level security allows nothing else
     * without a user id.
     */
    public Uni<Void> enterAuthScope() {
        return io.rxsync.replication.RowSecurity.enterAuthScope();
    }

    /** Emails are stored lower-cased; callers pass the normalized form. */
    public Uni<User> findByEmail(String normalizedEmail) {
        return find("email", normalizedEmail).firstResult();
    }
}
