package io.rxsync.notes;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.rxsync.replication.RowSecurity;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.UUID;

@ApplicationScoped
@WithSession
public class NoteRepository implements PanacheRepositoryBase<Note, UUID> {

    /** Live (not deleted) notes of one user. */
    public Uni<Long> countLiveByUser(UUID userId) {
        // row-level security: the transaction declares whose notes it reads
        return Panache.withTransaction(() -> RowSecurity.actFor(userId.toString())
                .flatMap(ignored -> count("user.id = ?1 and deleted = false", userId)));
    }
}
