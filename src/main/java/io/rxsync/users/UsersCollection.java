package io.rxsync.users;

import io.rxsync.replication.Field;
import io.rxsync.replication.ReplicatedCollection;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Set;

/**
 * A user's own profile as an RxDB collection of one document. The email is the login
 * identity and read-only here; the display name is the client's to change. The password
 * hash is server-only: a push that carries it is refused.
 */
@ApplicationScoped
public class UsersCollection implements ReplicatedCollection {

    private static final Field ID = Field.uuid("id", "id");
    private static final List<Field> FIELDS = List.of(
            Field.string("email", "email", 320).readOnly(),
            Field.string("displayName", "display_name", 100));

    @Override
    public String name() {
        return "users";
    }

    @Override
    public int schemaVersion() {
        return 0;
    }

    @Override
    public String table() {
        return "users";
    }

    @Override
    public Field idField() {
        return ID;
    }

    @Override
    public String ownerColumn() {
        return "id";
    }

    @Override
    public Field ownerField() {
        return null;
    }

    @Override
    public List<Field> fields() {
        return FIELDS;
    }

    @Override
    public Set<String> serverOnlyProperties() {
        return Set.of("hashedPassword", "hashed_password", "password", "createdAt", "updatedAt");
    }

    @Override
    public boolean clientMayCreate() {
        return false;
    }

    @Override
    public boolean clientMayDelete() {
        return false;
    }

    /** An account is removed for real (it cascades to the user's documents): no tombstones. */
    @Override
    public boolean keepsTombstones() {
        return false;
    }

    @Override
    public String description() {
        return "The signed-in user's own profile";
    }
}
