package io.rxsync.notes;

import io.rxsync.replication.Field;
import io.rxsync.replication.ReplicatedCollection;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Set;

/** A user's notes as an RxDB collection. Every field is the client's; the owner must be the caller. */
@ApplicationScoped
public class NotesCollection implements ReplicatedCollection {

    private static final Field ID = Field.uuid("id", "id");
    private static final Field USER_ID = Field.uuid("userId", "user_id");
    private static final List<Field> FIELDS = List.of(
            USER_ID,
            Field.string("title", "title", 200),
            Field.string("body", "body", 10_000).optional());

    @Override
    public String name() {
        return "notes";
    }

    @Override
    public int schemaVersion() {
        return 0;
    }

    @Override
    public String table() {
        return "notes";
    }

    @Override
    public Field idField() {
        return ID;
    }

    @Override
    public String ownerColumn() {
        return "user_id";
    }

    @Override
    public Field ownerField() {
        return USER_ID;
    }

    @Override
    public List<Field> fields() {
        return FIELDS;
    }

    @Override
    public Set<String> serverOnlyProperties() {
        return Set.of("createdAt", "updatedAt");
    }

    @Override
    public boolean clientMayCreate() {
        return true;
    }

    @Override
    public boolean clientMayDelete() {
        return true;
    }

    @Override
    public String description() {
        return "The signed-in user's notes";
    }
}
