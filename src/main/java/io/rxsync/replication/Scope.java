package io.rxsync.replication;

import io.rxsync.auth.Caller;
import io.rxsync.web.ApiException;

/**
 * Who sees a row of a collection: one type, one implementation per kind of the declaration's
 * {@code scope} (SCOPES.md). Pull and push ask it for their SQL and checks, the change pump
 * routes by its key, and rxsync_declare_collection (migration V20) installs the row-level
 * security policy of the same kind, so that the database enforces what the server computes.
 */
public sealed interface Scope permits Scope.Owner, Scope.Everyone, Scope.Members {

    /** The SQL (over alias {@code t}) of the value that routes a row to its users' streams, as text. */
    String routingKey();

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
     * The caller as this scope's rows name them, which is also the key the change pump routes
     * by: a uuid column holds the caller's account id, a text one their subject at the identity
     * provider (for a built-in account: the same id).
     */
    String callerKey(Caller caller);

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

        @Override
        public String callerKey(Caller caller) {
            return field.type() == FieldType.UUID ? caller.userId() : caller.subject();
        }
    }

    /**
     * Reference data: every signed-in user reads every row; nobody writes (the policy has no
     * write grant either). The change pump hands every change to every open stream.
     */
    record Everyone() implements Scope {

        @Override
        public String routingKey() {
            return "NULL::text";
        }

        @Override
        public String callerRows(int param) {
            return "true";
        }

        @Override
        public void checkWrite(ReplicatedCollection c, DocumentRules.Checked doc, int row, String caller) {
            throw ApiException.forbidden("row " + row + ": " + c.name() + " is reference data that every user reads and "
                    + "nobody pushes (its scope is \"everyone\"): replicate it pull-only");
        }

        @Override
        public String callerKey(Caller caller) {
            return caller.userId();
        }
    }

    /**
     * The row belongs to the group in {@code column}; a membership table maps users to groups
     * (SCOPES.md; migration V26 installs the policies and the functions named here). A row's
     * stamp for a member is computed at read time (BENCHMARKS.md, "Shared data": d1), so the
     * pull and the change pump have their own SQL (CollectionSql). The parent kind compiles to
     * this one: the child's foreign key is the parent's group key.
     *
     * @param column          the group column of the collection's table
     * @param field           its field (the id field when each row is its own group)
     * @param memberships     the membership table, schema-qualified
     * @param groupColumn     the membership table's group column
     * @param userColumn      the membership table's user column
     * @param userIsUuid      whether the user column holds account ids (else subjects)
     * @param groupsFunction  {@code f(writable boolean)}: the caller's groups (V26)
     * @param leavingFunction {@code f(subs, lo, lo_id, hi, k)}: the rows that left users' views (V26)
     * @param selfGrouped     each row is its own group (column = primary key): creating one founds it
     * @param parent          for the parent kind, the parent collection; else null
     */
    record Members(String column, Field field, String memberships, String groupColumn, String userColumn,
                   boolean userIsUuid, String groupsFunction, String leavingFunction, boolean selfGrouped,
                   String parent) implements Scope {

        @Override
        public String routingKey() {
            return "t." + column + "::text";
        }

        @Override
        public String callerRows(int param) {
            throw new UnsupportedOperationException("a members pull is a merge of the caller's groups (CollectionSql)");
        }

        @Override
        public void checkWrite(ReplicatedCollection c, DocumentRules.Checked doc, int row, String caller) {
            // decided against the caller's groups in the push's transaction (PushService)
        }

        @Override
        public String callerKey(Caller caller) {
            return userIsUuid ? caller.userId() : caller.subject();
        }

        /** The group a pushed document names. */
        public String groupOf(ReplicatedCollection c, DocumentRules.Checked doc) {
            return field.equals(c.idField()) ? doc.id() : doc.values()[c.fields().indexOf(field)];
        }

        /** The caller's key as SQL: a parameter holding the account id, or the subject the transaction declared. */
        String callerSql(int param) {
            return userIsUuid ? "$" + param + "::text::uuid" : "current_setting('rxsync.subject', true)";
        }
    }
}
