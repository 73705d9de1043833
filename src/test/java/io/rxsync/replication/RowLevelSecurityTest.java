package io.rxsync.replication;

import static io.rxsync.support.Api.order;
import static io.rxsync.support.Api.pushOk;
import static io.rxsync.support.Api.register;
import static io.rxsync.support.Api.row;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.quarkus.test.junit.QuarkusTest;
import io.rxsync.support.Api.TestUser;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Defense in depth: the service's own connection pool, used carelessly, still cannot
 * see or touch rows of a user it has not declared.
 */
@QuarkusTest
class RowLevelSecurityTest {

    @Inject
    Pool pool;

    @Test
    void theRuntimeRoleIsNeitherSuperuserNorExemptFromRowSecurity() {
        Row role = pool.query("SELECT current_user::text, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
                .execute().await().indefinitely().iterator().next();
        assertEquals("rxsync_app", role.getString(0));
        assertFalse(role.getBoolean(1));
        assertFalse(role.getBoolean(2));
    }

    @Test
    void anUnscopedQueryThroughTheApplicationsConnectionSeesNothing() {
        TestUser user = register();
        pushOk(user, List.of(row(null, order(user, "pending", 1))));

        long orders = pool.query("SELECT count(*) FROM orders").execute().await().indefinitely()
                .iterator().next().getLong(0);
        long users = pool.query("SELECT count(*) FROM users").execute().await().indefinitely()
                .iterator().next().getLong(0);
        int updated = pool.query("UPDATE orders SET status = 'cancelled'").execute().await().indefinitely().rowCount();

        assertEquals(0, orders);
        assertEquals(0, users);
        assertEquals(0, updated);
    }

    @Test
    void aScopedTransactionSeesOnlyThatUsersRows() {
        TestUser alice = register();
        TestUser bob = register();
        pushOk(alice, List.of(row(null, order(alice, "pending", 1)), row(null, order(alice, "paid", 2))));
        pushOk(bob, List.of(row(null, order(bob, "pending", 3))));

        long seenByAlice = pool.withTransaction(tx -> tx
                        .preparedQuery("SELECT set_config('rxsync.user_id', $1, true)").execute(Tuple.of(alice.id()))
                        .flatMap(ignored -> tx.query("SELECT count(*) FROM orders").execute()))
                .await().indefinitely().iterator().next().getLong(0);

        assertEquals(2, seenByAlice);
    }

    @Test
    void writingAnotherUsersRowIsRefusedByTheDatabaseItself() {
        TestUser alice = register();
        TestUser bob = register();
        var e = assertThrows(Exception.class, () -> pool.withTransaction(tx -> tx
                        .preparedQuery("SELECT set_config('rxsync.user_id', $1, true)").execute(Tuple.of(alice.id()))
                        .flatMap(ignored -> tx.preparedQuery("INSERT INTO orders (id, user_id, status, total_cents, currency) "
                                        + "VALUES (gen_random_uuid(), $1::text::uuid, 'pending', 1, 'EUR')")
                                .execute(Tuple.of(bob.id()))))
                .await().indefinitely());
        assertEquals(true, e.getMessage().contains("row-level security"), e.getMessage());
    }

    @Test
    void turningRowSecurityOffIsNotAWayAround() {
        var e = assertThrows(Exception.class, () -> pool.withTransaction(tx -> tx.query("SET LOCAL row_security = off")
                        .execute().flatMap(ignored -> tx.query("SELECT count(*) FROM orders").execute()))
                .await().indefinitely());
        assertEquals(true, e.getMessage().contains("row-level security"), e.getMessage());
    }
}
