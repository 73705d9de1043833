package io.rxsync.users;

import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.UUID;

@ApplicationScoped
@WithSession
public class UserRepository implements PanacheRepositoryBase<User, UUID> {

    /** Emails are stored lower-cased; callers pass the normalized form. */
    public Uni<User> findByEmail(String normalizedEmail) {
        return find("email", normalizedEmail).firstResult();
    }
}
