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
    static final String CHECKPOINT_GUARD = "rxsync_checkpoint_after_horizon('%s', $1::text::uuid, $2::text::xid8, $3::text::%s)";

    /** The SQLSTATE of a checkpoint older than the purge horizon (answered with 410). */
    static final String CHECKPOINT_TOO_OLD = "RX410";

    /** The SQLSTATE of a checkpoint no transaction of this database has reached (answered with 410). */
    static final String CHECKPOINT_FROM_ELSEWHERE = "RX411";

    final String pullPage;
    final String pumpWindow;
    final String lockByIds;
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

        pullPage = pullSelect + "WHERE " + c.scope().callerRows(1) + " AND " + after.formatted(2, 3)
                + " AND " + BELOW_WATERMARK + " AND " + CHECKPOINT_GUARD.formatted(c.name().replace("'", "''"), idInOrder)
                + order.formatted(4);
        pumpWindow = select + "WHERE " + after.formatted(1, 2) + " AND " + BELOW_WATERMARK + order.formatted(3);
        // the change pump's lag: how long ago the first change after its cursor was written
        oldestUnpublishedAge = "SELECT extract(epoch FROM clock_timestamp() - t.updated_at)::float8 FROM " + c.table()
                + " t WHERE " + after.formatted(1, 2) + " AND " + BELOW_WATERMARK + order.formatted(3);
        // ORDER BY before FOR UPDATE: concurrent pushes lock shared rows in the same order.
        lockByIds = select + "WHERE " + id + " = ANY($1::text[]::" + idType + "[]) ORDER BY " + id + " FOR UPDATE";

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
                + IntStream.range(0, n).mapToObj(i -> "v" + i + "::" + fields.get(i).sqlType())
                        .collect(Collectors.joining(", "))
                + ", v_deleted::boolean FROM " + unnest
                + " ON CONFLICT (" + idField.column() + ") DO NOTHING RETURNING " + idField.column() + "::text";

        update = "UPDATE " + c.table() + " t SET "
                + Stream.concat(IntStream.range(0, n).filter(i -> fields.get(i).writable())
                                .mapToObj(i -> fields.get(i).column() + " = v" + i + "::" + fields.get(i).sqlType()),
                        Stream.of("deleted = v_deleted::boolean"))
                        .collect(Collectors.joining(", "))
                + " FROM " + unnest + " WHERE " + id + " = v_id";
    }

    /** A field's value as the text of its wire form; a date-time in ISO 8601 (to_json's form), not PostgreSQL's. */
    private static String selected(Field f) {
        return f.type() == FieldType.DATE_TIME ? "to_json(t." + f.column() + ") #>> '{}'" : "t." + f.column() + "::text";
    }
}
