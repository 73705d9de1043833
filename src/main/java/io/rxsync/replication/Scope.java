package io.rxsync.replication;

import io.rxsync.auth.Caller;
import io.rxsync.web.ApiException;

/**
 * Who sees a row of a collection: one type, one implementation per kind of the declaration's
 * {@code scope} (SCOPES.md). Pull and push ask it for their SQL and checks, the change pump
 * routes by its key, and rxsync_declare_collection (migration V20) installs the row-level
 * security policy of the same kind, so that the database enforces what the server computes.
 */
public sealed interface Scope permits Scope.Owner {

    /** The SQL (over alias {@code t}) of the value that routes a row to its users' streams, as text. */
    String routingKey();

    /**
     * The caller's identity as this scope compares it: the value of {@link #routingKey()} of
     * the caller's own rows, bound as the pull's caller parameter and the key of their streams.
     */
    String callerKey(Caller caller);

    /** The pull's condition (over alias {@code t}) that keeps the caller's rows; the caller's id is {@code $param}. */
    String callerRows(int param);

    /**
     * Refuses (403) a pushed document the caller may not write.
     *
     * @param c      the collection
     * @param doc    the pushed document after its checks
     * @param row    its index in the push, for the message
     * @param caller the caller's key ({@link #callerKey})
     */
    void checkWrite(ReplicatedCollection c, DocumentRules.Checked doc, int row, String caller);

    /**
     * {@code row.<column> = caller}. The column may be uuid or text: a uuid owner is the
     * caller's account ({@code users.id}), a text owner their subject at the identity provider
     * that signed their token (for a built-in account, its id), as the row-level security
     * policy of migration V20 compares them. The pull compares the column in its own type so
     * that the pull index serves it.
     *
     * @param column the owner column
     * @param field  the owner's field: the id field itself when the row is the user (users)
     */
    record Owner(String column, Field field) implements Scope {

        @Override
        public String routingKey() {
            return "t." + column + "::text";
        }

        @Override
        public String callerKey(Caller caller) {
            return field.type() == FieldType.UUID ? caller.userId() : caller.subject();
        }

        @Override
        public String callerRows(int param) {
            return "t." + column + " = $" + param + "::text::" + field.sqlType();
        }

        @Override
        public void checkWrite(ReplicatedCollection c, DocumentRules.Checked doc, int row, String caller) {
            String owner = field.equals(c.idField()) ? doc.id() : doc.values()[c.fields().indexOf(field)];
            if (!caller.equals(owner)) {
                throw ApiException.forbidden("row " + row + ": the document belongs to another user");
            }
        }
    }
}
