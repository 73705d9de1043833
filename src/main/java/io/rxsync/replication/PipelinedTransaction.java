package io.rxsync.replication;

import io.smallrye.mutiny.CompositeException;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Transactions whose BEGIN (and, when nothing waits for an answer, COMMIT) travel with
 * their statements: written to one connection at once and run in order (the Vert.x client
 * pipelines them). {@code Pool.withTransaction} waits for BEGIN's answer before it sends
 * anything else and for the statements' before COMMIT: two round trips to PostgreSQL that
 * carry no work, and most of what a one-document pull cost (benchmark, fixed cost).
 *
 * <p>Statements that travel together must all be sent when their {@code Uni} is subscribed,
 * e.g. combined with {@code Uni.combine().all()}: a statement chained after another one's
 * answer would be sent after what follows it (the COMMIT, in {@link #run}).
 */
public final class PipelinedTransaction {

    private PipelinedTransaction() {
    }

    /**
     * BEGIN, the statements and COMMIT in one round trip. If a statement fails, PostgreSQL
     * answers the COMMIT of the failed transaction with a rollback; the connection goes back
     * to the pool only after it, and the statements' first failure is the answer.
     */
    public static <T> Uni<T> run(Pool pool, Function<SqlConnection, Uni<T>> statements) {
        return pool.withConnection(conn -> Uni.combine().all()
                .unis(conn.query("BEGIN").execute(), statements.apply(conn), conn.query("COMMIT").execute())
                .collectFailures()
                .with((begun, result, committed) -> result)
                .onFailure(CompositeException.class).transform(PipelinedTransaction::firstCause));
    }

    /**
     * BEGIN goes out with the {@code first} statements; {@code then} runs on their answer
     * (and may wait for more), and COMMIT follows it. Any failure rolls back before the
     * connection goes back to the pool.
     */
    public static <F, T> Uni<T> beginWith(Pool pool, Function<SqlConnection, Uni<F>> first,
                                          BiFunction<SqlConnection, F, Uni<T>> then) {
        return pool.withConnection(conn -> Uni.combine().all()
                .unis(conn.query("BEGIN").execute(), first.apply(conn))
                .with((begun, answer) -> answer)
                .flatMap(answer -> then.apply(conn, answer))
                .call(() -> conn.query("COMMIT").execute())
                .onFailure().call(() -> conn.query("ROLLBACK").execute().onFailure().recoverWithNull()));
    }

    private static Throwable firstCause(Throwable e) {
        return ((CompositeException) e).getCauses().get(0);
    }
}
