package io.rxsync.replication;

import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * The SQL of one collection, built once from its descriptor. Table and column names come
 * from the descriptor (constants of the code); every client value is a bind parameter.
 *
 * <p>The visibility rule of the whole protocol lives in {@link #BELOW_WATERMARK}: a row is
 * readable only once every transaction that could still commit below it has ended. It is
 * evaluated in the same statement, and so the same snapshot, as the rows it filters.
 * {@code rxsync_watermark()} (migration V6) is the oldest transaction still running in this
 * database; one left open in another database of the cluster does not hold it back.
 */
final class CollectionSql {

    static final String BELOW_WATERMARK = "t.change_xid < rxsync_watermark()";

    /**
     * The pull's checkpoint guard (migrations V10, V12): it raises SQLSTATE
     * {@value #CHECKPOINT_TOO_OLD} when the checkpoint position ($2, $3) is strictly before
     * the newest purged tombstone of the user ($1), and {@value #CHECKPOINT_FROM_ELSEWHERE}
     * when it is at or above the snapshot's xmax. Its arguments are constants, so PostgreSQL
     * runs it once, before any row and in the page's own snapshot; the pull stays one
     * statement. Formatted with the collection's name and the type of its id.
     */
    static final String CHECKPOINT_GUARD = "rxsync_checkpoint_after_horizon('%s', $1::text, $2::text::xid8, $3::text::%s)";

    /** The SQLSTATE of a checkpoint older than the purge horizon (answered with 410). */
    static final String CHECKPOINT_TOO_OLD = "RX410";

    /** The SQLSTATE of a checkpoint no transaction of this database has reached (answered with 410). */
    static final String CHECKPOINT_FROM_ELSEWHERE = "RX411";

    final String pullPage;
    /** The change pump's window by (change_xid, id); null for a members scope, which has {@link #viewWindow}. */
    final String pumpWindow;
    /**
     * A members scope's change pump window [$1, watermark) for the users in $2: the same view
     * as its pull, found from the window's events. Its rows carry the watermark it read in
     * their last column, and it returns one row of nulls but that when nothing changed.
     */
    final String viewWindow;
    final String lockByIds;
    final String readByIds;
    final String oldestUnpublishedAge;
    final String insert;
    final String update;

    CollectionSql(ReplicatedCollection c) {
        Field idField = c.idField();
        String id = "t." + idField.column();
        String idType = idField.sqlType();
        // text ids compare byte-wise (their columns are COLLATE "C"), in the guard as in the column
        String idInOrder = idType + (idField.type() == FieldType.STRING ? " COLLATE \"C\"" : "");
        List<Field> fields = c.fields();
        String columns = "SELECT " + id + "::text, "
                + fields.stream().map(CollectionSql::selected).collect(Collectors.joining(", "))
                + ", t.deleted, t.change_xid::text, ";
        String from = " FROM " + c.table() + " t ";
        String select = columns + c.scope().routingKey() + from;
        // A page holds the caller's own rows: their routing key would repeat the caller's id
        // in every row, a string sent, decoded and dropped per document (benchmark, issue 16).
        String pullSelect = columns + "NULL::text" + from;
        String after = "(t.change_xid, " + id + ") > ($%d::text::xid8, $%d::text::" + idType + ")";
        String order = " ORDER BY t.change_xid, " + id + " LIMIT $%d::int";

        String guard = CHECKPOINT_GUARD.formatted(c.name().replace("'", "''"), idInOrder);
        if (c.scope() instanceof Scope.Members m) {
            pullPage = membersPullPage(c, m, idInOrder, guard);
            pumpWindow = null;
            viewWindow = membersViewWindow(c, m, idInOrder);
        } else {
            pullPage = pullSelect + "WHERE " + c.scope().callerRows(1) + " AND " + after.formatted(2, 3)
                    + " AND " + BELOW_WATERMARK + " AND " + guard + order.formatted(4);
            pumpWindow = select + "WHERE " + after.formatted(1, 2) + " AND " + BELOW_WATERMARK + order.formatted(3);
            viewWindow = null;
        }
        // the change pump's lag: how long ago the first change after its cursor was written
        oldestUnpublishedAge = "SELECT extract(epoch FROM clock_timestamp() - t.updated_at)::float8 FROM " + c.table()
                + " t WHERE " + after.formatted(1, 2) + " AND " + BELOW_WATERMARK + order.formatted(3);
        // ORDER BY before FOR UPDATE: concurrent pushes lock shared rows in the same order.
        lockByIds = select + "WHERE " + id + " = ANY($1::text[]::" + idType + "[]) ORDER BY " + id + " FOR UPDATE";
        // a lock takes only rows the caller may update (row-level security): a read-only
        // member's rows are read without one
        readByIds = select + "WHERE " + id + " = ANY($1::text[]::" + idType + "[]) ORDER BY " + id;

        int n = fields.size();
        // The ids are cast as a whole array, so that v_id already has the id's type: under
        // row-level security the planner may only use an index for a join clause built from
        // leakproof functions, and a cast of v_id inside the clause (text -> uuid is not
        // leakproof) turned the batched UPDATE into a scan of the whole table.
        String unnestArgs = "$1::text[]::" + idType + "[], "
                + IntStream.rangeClosed(2, n + 2).mapToObj(i -> "$" + i + "::text[]").collect(Collectors.joining(", "));
        String valueNames = "v_id, " + IntStream.range(0, n).mapToObj(i -> "v" + i).collect(Collectors.joining(", "))
                + ", v_deleted";
        String unnest = "unnest(" + unnestArgs + ") AS v(" + valueNames + ")";

        insert = "INSERT INTO " + c.table() + " (" + idField.column() + ", "
                + fields.stream().map(Field::column).collect(Collectors.joining(", ")) + ", deleted) "
                + "SELECT v_id, "
                + IntStream.range(0, n).mapToObj(i -> inserted(c, fields.get(i), "v" + i))
                        .collect(Collectors.joining(", "))
                + ", v_deleted::boolean FROM " + unnest
                + " ON CONFLICT (" + idField.column() + ") DO NOTHING RETURNING " + idField.column() + "::text";

        update = "UPDATE " + c.table() + " t SET "
                + Stream.concat(IntStream.range(0, n).filter(i -> fields.get(i).writable())
                                .mapToObj(i -> fields.get(i).column() + " = " + updated(c, fields.get(i), "v" + i)),
                        Stream.of("deleted = v_deleted::boolean"))
                        .collect(Collectors.joining(", "))
                + " FROM " + unnest + " WHERE " + id + " = v_id";
    }

    /**
     * One page of a member's view changes after ($2, $3), in (stamp, id) order below the
     * watermark (BENCHMARKS.md, "Shared data": d1; src/bench/scopes/effective_stamp.sql). Per
     * active membership of the caller, granted at mx below the watermark:
     * <ul>
     *   <li>entering: the group's rows written no later than the grant, at stamp mx, in id order;</li>
     *   <li>changed: the group's rows written after the grant, at their own change_xid;</li>
     * </ul>
     * and the rows that left the caller's view (the leaving function of V26: revoked groups,
     * rows moved away), each source cut at the page size before the merge, so a page considers
     * at most 2 × limit rows per group from index-only scans; then the page's rows are read by
     * key. A source's rows at or above the watermark are a suffix of it (it is in stamp order),
     * so filtering after the cut is exact. The watermark is a scalar subquery, computed once
     * per statement (a bare call in a filter above the branches ran once per row: 2.1 s for
     * one page in the benchmark). Columns: the shared select list, then whether the row left.
     */
    private static String membersPullPage(ReplicatedCollection c, Scope.Members m, String idInOrder, String guard) {
        String key = c.idField().column();
        String lowest = "'" + Checkpoint.lowestId(c.idField()) + "'::" + idInOrder;
        String px = "$2::text::xid8";
        String pid = "$3::text::" + idInOrder;
        String k = "$4::int";
        String caller = m.callerSql(1);
        String watermark = "(SELECT rxsync_watermark())";
        return "WITH page AS (SELECT c.id, c.stamp, c.leaving FROM ("
                + "SELECT e.* FROM " + m.memberships() + " m CROSS JOIN LATERAL ("
                + "(SELECT r." + key + " AS id, m.change_xid AS stamp, false AS leaving FROM " + c.table() + " r"
                + " WHERE m.change_xid >= " + px + " AND r." + m.column() + " = m." + m.groupColumn()
                + " AND r.change_xid <= m.change_xid"
                + " AND r." + key + " > CASE WHEN m.change_xid = " + px + " THEN " + pid + " ELSE " + lowest + " END"
                + " ORDER BY r." + key + " LIMIT " + k + ")"
                + " UNION ALL "
                + "(SELECT r." + key + ", r.change_xid, false FROM " + c.table() + " r"
                + " WHERE r." + m.column() + " = m." + m.groupColumn() + " AND r.change_xid > m.change_xid"
                + " AND (r.change_xid, r." + key + ") > (" + px + ", " + pid + ")"
                + " ORDER BY r.change_xid, r." + key + " LIMIT " + k + ")) e"
                + " WHERE m." + m.userColumn() + " = " + caller + " AND NOT m.deleted AND m.change_xid < " + watermark
                + " UNION ALL SELECT l.id::" + idInOrder + ", l.stamp, true FROM " + quoted(m.leavingFunction())
                + "(ARRAY[(" + caller + ")::text], " + px + ", $3::text, " + watermark + ", " + k + ") l) c"
                + " WHERE (c.stamp, c.id) > (" + px + ", " + pid + ") AND c.stamp < " + watermark + " AND " + guard
                + " ORDER BY c.stamp, c.id LIMIT " + k + ")"
                + " SELECT p.id::text, " + c.fields().stream().map(CollectionSql::selected).collect(Collectors.joining(", "))
                + ", coalesce(t.deleted, true), p.stamp::text, " + m.routingKey() + ", p.leaving OR t." + key + " IS NULL"
                + " FROM page p LEFT JOIN " + c.table() + " t ON NOT p.leaving AND t." + key + " = p.id"
                + " ORDER BY p.stamp, p.id";
    }

    /**
     * The change pump's window of a members scope, [$1, watermark), for the users whose keys
     * are in $2, ordered by user, then (stamp, id): rows written in the window (to the members
     * granted before the write), grants in the window (the group's rows written no later, at
     * the grant's stamp), and the rows that left. Columns: the shared select list with the
     * member's key as the routing key, whether the row left, and the watermark.
     */
    private static String membersViewWindow(ReplicatedCollection c, Scope.Members m, String idInOrder) {
        String key = c.idField().column();
        String lo = "$1::text::xid8";
        String subs = m.userIsUuid() ? "$2::text[]::uuid[]" : "$2::text[]";
        String user = "m." + m.userColumn();
        return "WITH w AS MATERIALIZED (SELECT rxsync_watermark() AS hi), ev AS ("
                + "SELECT " + user + "::text AS k, r." + key + " AS id, r.change_xid AS stamp, false AS leaving"
                + " FROM w, " + c.table() + " r JOIN " + m.memberships() + " m ON m." + m.groupColumn() + " = r." + m.column()
                + " WHERE r.change_xid >= " + lo + " AND r.change_xid < w.hi AND " + user + " = ANY (" + subs + ")"
                + " AND NOT m.deleted AND m.change_xid < r.change_xid"
                + " UNION ALL SELECT " + user + "::text, r." + key + ", m.change_xid, false"
                + " FROM w, " + m.memberships() + " m JOIN " + c.table() + " r ON r." + m.column() + " = m." + m.groupColumn()
                + " AND r.change_xid <= m.change_xid"
                + " WHERE m.change_xid >= " + lo + " AND m.change_xid < w.hi AND " + user + " = ANY (" + subs + ")"
                + " AND NOT m.deleted"
                + " UNION ALL SELECT l.user_key, l.id::" + idInOrder + ", l.stamp, true FROM w, " + quoted(m.leavingFunction())
                + "($2::text[], " + lo + ", '" + Checkpoint.lowestId(c.idField()) + "', w.hi, 2147483647) l)"
                + " SELECT ev.id::text, " + c.fields().stream().map(CollectionSql::selected).collect(Collectors.joining(", "))
                + ", coalesce(t.deleted, true), ev.stamp::text, ev.k, ev.leaving OR t." + key + " IS NULL, w.hi::text"
                + " FROM w LEFT JOIN (ev LEFT JOIN " + c.table() + " t ON NOT ev.leaving AND t." + key + " = ev.id) ON true"
                + " ORDER BY ev.k, ev.stamp, ev.id";
    }

    /** A generated function's name (V26), which may hold a hyphen of the collection's name. */
    private static String quoted(String function) {
        return "public.\"" + function.replace("\"", "\"\"") + "\"";
    }

    /**
     * A pushed value for a new row. A NOT NULL column with a default is optional in the
     * schema; when the push leaves it out (null here), the row gets the column's default, as
     * an INSERT that omitted the column would (the batched insert names every column).
     */
    private static String inserted(ReplicatedCollection c, Field f, String value) {
        String cast = value + "::" + f.sqlType();
        String absent = c.absentDefaults().get(f.column());
        return absent == null ? cast : "coalesce(" + cast + ", (" + absent + ")::" + f.sqlType() + ")";
    }

    /** A pushed value for an existing row: such a column left out keeps its value (it cannot be null). */
    private static String updated(ReplicatedCollection c, Field f, String value) {
        String cast = value + "::" + f.sqlType();
        return c.absentDefaults().containsKey(f.column()) ? "coalesce(" + cast + ", t." + f.column() + ")" : cast;
    }

    /** A field's value as the text of its wire form; a date-time in ISO 8601 (to_json's form), not PostgreSQL's. */
    private static String selected(Field f) {
        return f.type() == FieldType.DATE_TIME ? "to_json(t." + f.column() + ") #>> '{}'" : "t." + f.column() + "::text";
    }
}
