package io.rxsync.replication;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.rxsync.web.ApiException;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * How a transaction declares whose rows it acts for (migration V4). The runtime role is
 * under row-level security: without one of these, a statement sees and changes nothing.
 * Each setting is local to the transaction, so it never leaks to the next user of a
 * pooled connection.
 */
public final class RowSecurity {

    /** Sets rxsync.user_id when that user exists and is not deleted (migration V9); answers whether it did. */
    static final String ACT_FOR_LIVE_USER = "SELECT rxsync_act_for($1)";
    static final String ACT_FOR_ALL_USERS = "SELECT set_config('rxsync.scope', 'all-users', true)";
    public static final String ACCOUNT_GONE = "the account behind this token no longer exists";
    private static final String AUTH_SCOPE = "SELECT set_config('rxsync.scope', 'auth', true)";

    private RowSecurity() {
    }

    /**
     * In a Vert.x SQL transaction: one user's rows. Fails with 401 when the account no longer
     * exists or is deleted: its token may still be valid, its owner is gone.
     */
    public static Uni<Void> actFor(SqlClient tx, String userId) {
        return tx.preparedQuery(ACT_FOR_LIVE_USER).execute(Tuple.of(userId))
                .map(rows -> rows.iterator().next().getBoolean(0))
                .invoke(live -> {
                    if (!live) {
                        throw ApiException.unauthorized(ACCOUNT_GONE);
                    }
                })
                .replaceWithVoid();
    }

    /** In a Vert.x SQL transaction: read every user's rows (change pump, back-office queries). */
    public static Uni<Void> actForAllUsers(SqlClient tx) {
        return tx.query(ACT_FOR_ALL_USERS).execute().replaceWithVoid();
    }

    /** In the current Hibernate Reactive transaction: one user's rows. */
    public static Uni<Void> actFor(String userId) {
        return Panache.getSession().flatMap(session -> session
                        .createNativeQuery("SELECT set_config('rxsync.user_id', ?1, true)")
                        .setParameter(1, userId).getSingleResult())
                .replaceWithVoid();
    }

    /** In the current Hibernate Reactive transaction: look users up by email and create them. */
    public static Uni<Void> enterAuthScope() {
        return Panache.getSession().flatMap(session -> session.createNativeQuery(AUTH_SCOPE).getSingleResult())
                .replaceWithVoid();
    }
}
