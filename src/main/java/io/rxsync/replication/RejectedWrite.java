package io.rxsync.replication;

import io.rxsync.web.ApiException;
import io.vertx.pgclient.PgException;
import java.util.List;

/**
 * A push the database refused although it passed the derived rules: a constraint the RxDB
 * schema cannot express (a unique key, a foreign key, a CHECK beyond enum, bounds and
 * pattern), or a value its column cannot hold. The transaction is rolled back, so nothing
 * of the push is written; the client gets 400 naming the row and the field, never a 500.
 */
final class RejectedWrite {

    /** SQLSTATE classes: 23 integrity constraint violation, 22 data exception. */
    private static final String INTEGRITY = "23";
    private static final String DATA = "22";
    private static final String FOREIGN_KEY = "23503";

    private RejectedWrite() {
    }

    /** Whether the database refused the data itself (not a conflict, an outage or a bug of ours). */
    static boolean isRefusal(Throwable e) {
        return e instanceof PgException pg && pg.getSqlState() != null
                && (pg.getSqlState().startsWith(INTEGRITY) || pg.getSqlState().startsWith(DATA));
    }

    /** A foreign key on the owner failed: the caller's account was removed while the push ran. */
    static boolean isAccountGone(ReplicatedCollection c, PgException e) {
        return FOREIGN_KEY.equals(e.getSqlState()) && c.scope() instanceof Scope.Owner owner
                && fields(c, e).contains(owner.field().name());
    }

    /**
     * The 400 of a refusal.
     *
     * @param row the index of the pushed row that fails (PushService finds it), or null when unknown
     */
    static ApiException of(ReplicatedCollection c, PgException e, Integer row) {
        String where = row == null ? "a row" : "row " + row;
        if (e.getSqlState().startsWith(DATA)) {
            return ApiException.badRequest(where + ": a value does not fit its column (" + e.getErrorMessage() + ")");
        }
        List<String> fields = fields(c, e);
        String what = fields.isEmpty() ? "the document" : fields.size() == 1 ? "field '" + fields.get(0) + "'"
                : "fields " + String.join(", ", fields.stream().map(f -> "'" + f + "'").toList());
        if (e.getConstraint() != null && !c.constraintFields().containsKey(e.getConstraint())) {
            // not a constraint of the table: a rule a trigger keeps (the bounds of a members scope, V26)
            return ApiException.badRequest(where + ": " + e.getErrorMessage() + " (" + e.getConstraint() + ")");
        }
        return ApiException.badRequest(where + ": " + what + " breaks the table's constraint "
                + (e.getConstraint() == null ? "(" + e.getErrorMessage() + ")" : e.getConstraint()));
    }

    /** The JSON names of the columns the failure is about: the constraint's, or the one column PostgreSQL names. */
    private static List<String> fields(ReplicatedCollection c, PgException e) {
        if (e.getConstraint() != null && c.constraintFields().containsKey(e.getConstraint())) {
            return c.constraintFields().get(e.getConstraint());
        }
        if (e.getColumn() != null) {
            Field field = c.fieldOfColumn(e.getColumn());
            return List.of(field == null ? e.getColumn() : field.name());
        }
        return List.of();
    }
}
