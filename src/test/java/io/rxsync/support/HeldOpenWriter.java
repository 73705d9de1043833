package io.rxsync.support;

import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import java.util.UUID;

/**
 * A slow writer: it inserts an order for a user in a transaction it keeps open until
 * {@link #commit()}, the way a long transaction of another system would. Its change has a
 * lower commit stamp than everything written meanwhile, which is what the watermark tests
 * need. Blocking: for test threads only.
 */
public final class HeldOpenWriter implements AutoCloseable {

    private final SqlConnection connection;
    private final String orderId = UUID.randomUUID().toString();
    private boolean ended;

    private HeldOpenWriter(SqlConnection connection) {
        this.connection = connection;
    }

    /** Begins, acts for {@code userId} under row-level security, inserts one pending order, and waits. */
    public static HeldOpenWriter insertOrderFor(Pool pool, String userId) {
        HeldOpenWriter writer = new HeldOpenWriter(pool.getConnection().await().indefinitely());
        try {
            writer.connection.query("BEGIN").execute().await().indefinitely();
            writer.connection.preparedQuery("SELECT set_config('rxsync.user_id', $1, true)")
                    .execute(Tuple.of(userId)).await().indefinitely();
            writer.connection.preparedQuery("INSERT INTO orders (id, user_id, status, total_cents, currency) "
                            + "VALUES ($1::text::uuid, $2::text::uuid, 'pending', 1, 'EUR')")
                    .execute(Tuple.of(writer.orderId, userId)).await().indefinitely();
            return writer;
        } catch (RuntimeException e) {
            writer.close();
            throw e;
        }
    }

    /** The id of the order it inserted. */
    public String orderId() {
        return orderId;
    }

    public void commit() {
        connection.query("COMMIT").execute().await().indefinitely();
        ended = true;
    }

    /** Rolls back unless committed, and gives the connection back. */
    @Override
    public void close() {
        try {
            if (!ended) {
                connection.query("ROLLBACK").execute().await().indefinitely();
            }
        } finally {
            connection.close().await().indefinitely();
        }
    }
}
