package io.rxsync.orders;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.VertxContextSupport;
import io.rxsync.support.Api;
import io.rxsync.support.TestDatabase;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The order queries behind the partial pending index and the GIN metadata index return the right rows. */
@QuarkusTest
class OrderRepositoryTest {

    @Inject
    OrderRepository orders;

    @Test
    void oldestPendingListsOpenOrdersOfAllUsersOldestFirstAndSkipsDeletedOnes() throws Throwable {
        Api.TestUser alice = Api.register();
        Api.TestUser bob = Api.register();
        // Dated before anything else in the test database, so that they are the oldest.
        UUID second = insert(alice, "pending", "1970-01-03", false, null);
        UUID first = insert(bob, "pending", "1970-01-02", false, null);
        insert(alice, "pending", "1970-01-01", true, null);
        insert(bob, "paid", "1970-01-01", false, null);

        List<OrderSummary> oldest = VertxContextSupport.subscribeAndAwait(() -> orders.oldestPending(2));

        assertEquals(List.of(first, second), oldest.stream().map(OrderSummary::id).toList());
    }

    @Test
    void findByMetadataFindsOrdersContainingTheGivenJson() throws Throwable {
        Api.TestUser alice = Api.register();
        String ref = "pay_" + UUID.randomUUID();
        UUID match = insert(alice, "paid", "2024-05-01", false, "{\"paymentRef\": \"" + ref + "\", \"channel\": \"web\"}");
        insert(alice, "paid", "2024-05-01", false, "{\"paymentRef\": \"other-" + ref + "\"}");
        insert(alice, "paid", "2024-05-01", true, "{\"paymentRef\": \"" + ref + "\"}");

        List<OrderSummary> found = VertxContextSupport.subscribeAndAwait(() -> orders.findByMetadata(
                JsonNodeFactory.instance.objectNode().put("paymentRef", ref), 10));

        assertEquals(List.of(match), found.stream().map(OrderSummary::id).toList());
    }

    private static UUID insert(Api.TestUser owner, String status, String createdAt, boolean deleted, String metadata)
            throws Exception {
        UUID id = UUID.randomUUID();
        try (Connection db = TestDatabase.connect("test");
             PreparedStatement st = db.prepareStatement("""
                     INSERT INTO orders (id, user_id, status, total_cents, currency, metadata, deleted, created_at)
                     VALUES (?, ?::uuid, ?, 100, 'EUR', ?::jsonb, ?, ?::timestamptz)""")) {
            st.setObject(1, id);
            st.setString(2, owner.id());
            st.setString(3, status);
            st.setString(4, metadata);
            st.setBoolean(5, deleted);
            st.setString(6, createdAt);
            st.executeUpdate();
        }
        return id;
    }
}
