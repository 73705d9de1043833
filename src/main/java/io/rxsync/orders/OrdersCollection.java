package io.rxsync.orders;

import io.rxsync.replication.Field;
import io.rxsync.replication.ReplicatedCollection;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Set;

/** A user's orders as an RxDB collection. Every field is the client's; the owner must be the caller. */
@ApplicationScoped
public class OrdersCollection implements ReplicatedCollection {

    private static final Field ID = Field.uuid("id", "id");
    private static final Field USER_ID = Field.uuid("userId", "user_id");
    private static final List<Field> FIELDS = List.of(
            USER_ID,
            Field.string("status", "status", 16).oneOf("pending", "paid", "shipped", "cancelled"),
            Field.integer("totalCents", "total_cents").atLeast(0),
            Field.string("currency", "currency", 3).matching("^[A-Z]{3}$"),
            Field.string("note", "note", 1000).optional(),
            Field.object("metadata", "metadata", 16_384));

    @Override
    public String name() {
        return "orders";
    }

    @Override
    public int schemaVersion() {
        return 0;
    }

    @Override
    public String table() {
        return "orders";
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
        return "The signed-in user's orders";
    }
}
