package io.rxsync.replication;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every statement of the replication protocol, for any collection. Callers pass the
 * {@link SqlClient} to run on: the pool for single statements, a transaction's
 * connection for push.
 */
@ApplicationScoped
public class ReplicationRepository {

    private final ObjectMapper json;
    private final Map<String, CollectionSql> sqlByCollection = new ConcurrentHashMap<>();

    public ReplicationRepository(ObjectMapper json) {
        this.json = json;
    }

    /**
     * Declares, for the rest of the transaction, the user whose data it acts for. Row-level
     * security lets the runtime role see and change only that user's rows; a statement
     * run without it sees nothing.
     */
    public Uni<Void> actFor(SqlClient tx, String userId) {
        return RowSecurity.actFor(tx, userId);
    }

    /** Declares, for the rest of the transaction, that it reads every user's rows (the change pump). */
    public Uni<Void> actForAllUsers(SqlClient tx) {
        return RowSecurity.actForAllUsers(tx);
    }

    /** One page of a user's documents after the checkpoint, oldest change first. */
    public Uni<List<ChangedRow>> pullPage(SqlClient db, ReplicatedCollection c, String ownerId,
                                          Checkpoint after, int limit) {
        return db.preparedQuery(sql(c).pullPage)
                .execute(Tuple.of(ownerId, Long.toString(after.xid()), after.sqlId(c.idField()), limit))
                .map(rows -> changedRows(c, rows));
    }

    /** The next window of committed changes of all users, for the change pump. */
    public Uni<List<ChangedRow>> changesAfter(SqlClient db, ReplicatedCollection c, long xid, String id, int limit) {
        return db.preparedQuery(sql(c).pumpWindow)
                .execute(Tuple.of(Long.toString(xid), id, limit))
                .map(rows -> changedRows(c, rows));
    }

    /** A members scope's change pump window: the documents by user, and the watermark it read up to. */
    public record ViewWindow(List<ChangedRow> documents, long watermark) {
    }

    /**
     * The view changes of a members-scope collection in [{@code lo}, watermark) for the users
     * whose keys are given, ordered by user and then (stamp, id); each document's owner is the
     * user it goes to. Needs the all-users scope.
     */
    public Uni<ViewWindow> viewChanges(SqlClient db, ReplicatedCollection c, long lo, List<String> userKeys) {
        return db.preparedQuery(sql(c).viewWindow)
                .execute(Tuple.of(Long.toString(lo), userKeys.toArray(String[]::new)))
                .map(rows -> {
                    int n = c.fields().size();
                    List<ChangedRow> docs = new ArrayList<>(rows.size());
                    long watermark = -1;
                    for (io.vertx.sqlclient.Row row : bare(rows)) {
                        watermark = Long.parseLong(row.getString(n + 5));
                        if (row.getString(0) != null) {
                            docs.add(changedRow(c, row));
                        }
                    }
                    return new ViewWindow(docs, watermark);
                });
    }

    /** The caller's groups of a members-scope collection: all of them, and those the caller may write. */
    public record Groups(Set<String> readable, Set<String> writable) {
    }

    public Uni<Groups> callerGroups(SqlClient db, ReplicatedCollection c) {
        Scope.Members m = (Scope.Members) c.scope();
        String fn = "public.\"" + m.groupsFunction().replace("\"", "\"\"") + "\"";
        return db.query("SELECT " + fn + "(false)::text[], " + fn + "(true)::text[]").execute().map(rows -> {
            Row row = rows.iterator().next();
            return new Groups(Set.of(row.getArrayOfStrings(0)), Set.of(row.getArrayOfStrings(1)));
        });
    }

    /**
     * Seconds since the first committed change after {@code after} was written (its
     * {@code updated_at}), or 0 when there is none: the change pump's lag. Needs the
     * all-users scope.
     */
    public Uni<Double> ageOfFirstChangeAfter(SqlClient db, ReplicatedCollection c, Checkpoint after) {
        return db.preparedQuery(sql(c).oldestUnpublishedAge)
                .execute(Tuple.of(Long.toString(after.xid()), after.sqlId(c.idField()), 1))
                .map(rows -> rows.size() == 0 ? 0.0 : Math.max(0.0, rows.iterator().next().getDouble(0)));
    }

    /**
     * The oldest transaction id still running in this database: every change below it has
     * committed (or rolled back) and can be read; nothing can commit below it any more.
     */
    public Uni<Long> watermark(SqlClient db) {
        return db.query("SELECT rxsync_watermark()::text").execute()
                .map(rows -> Long.parseLong(rows.iterator().next().getString(0)));
    }

    /** Locks the documents with these ids (whoever owns them) until the transaction ends. */
    public Uni<List<StoredDocument>> lockByIds(SqlClient db, ReplicatedCollection c, List<String> ids) {
        return db.preparedQuery(sql(c).lockByIds)
                .execute(Tuple.of(ids.toArray(String[]::new)))
                .map(rows -> documents(c, rows));
    }

    /** Reads the documents with these ids that the caller sees, without locking them. */
    public Uni<List<StoredDocument>> readByIds(SqlClient db, ReplicatedCollection c, List<String> ids) {
        return db.preparedQuery(sql(c).readByIds)
                .execute(Tuple.of(ids.toArray(String[]::new)))
                .map(rows -> documents(c, rows));
    }

    /**
     * Inserts new documents in one statement. A row another transaction inserted first is
     * skipped; the returned set holds the ids that were inserted here.
     */
    public Uni<Set<String>> insert(SqlClient db, ReplicatedCollection c, List<DocumentRules.Checked> docs) {
        if (docs.isEmpty()) {
            return Uni.createFrom().item(Set.of());
        }
        return db.preparedQuery(sql(c).insert).execute(columns(c, docs)).map(rows -> {
            Set<String> inserted = new HashSet<>();
            for (Row row : rows) {
                inserted.add(row.getString(0));
            }
            return inserted;
        });
    }

    /** Overwrites the client-writable fields of existing documents in one statement. */
    public Uni<Integer> update(SqlClient db, ReplicatedCollection c, List<DocumentRules.Checked> docs) {
        if (docs.isEmpty()) {
            return Uni.createFrom().item(0);
        }
        return db.preparedQuery(sql(c).update).execute(columns(c, docs)).map(RowSet::rowCount);
    }

    /** One text array per column: the shape of the unnest() in the batched statements. */
    private static Tuple columns(ReplicatedCollection c, List<DocumentRules.Checked> docs) {
        int n = c.fields().size();
        String[] ids = new String[docs.size()];
        String[][] values = new String[n][docs.size()];
        String[] deleted = new String[docs.size()];
        for (int row = 0; row < docs.size(); row++) {
            DocumentRules.Checked doc = docs.get(row);
            ids[row] = doc.id();
            for (int col = 0; col < n; col++) {
                values[col][row] = doc.values()[col];
            }
            deleted[row] = Boolean.toString(doc.deleted());
        }
        List<Object> params = new ArrayList<>(n + 2);
        params.add(ids);
        for (String[] column : values) {
            params.add(column);
        }
        params.add(deleted);
        return Tuple.from(params);
    }

    /** Maps rows to documents the server compares (push): object fields parsed. */
    private List<StoredDocument> documents(ReplicatedCollection c, RowSet<Row> rows) {
        List<StoredDocument> docs = new ArrayList<>(rows.size());
        for (io.vertx.sqlclient.Row row : bare(rows)) {
            ChangedRow r = changedRow(c, row);
            docs.add(new StoredDocument(r.id(), r.ownerId(), r.xid(),
                    DocumentRules.toDocument(c, r.id(), r.values(), r.deleted(), json)));
        }
        return docs;
    }

    /** Rows that only go out to clients (pull, stream): written to bytes by {@link PageJson}. */
    private static List<ChangedRow> changedRows(ReplicatedCollection c, RowSet<Row> rows) {
        List<ChangedRow> changed = new ArrayList<>(rows.size());
        for (io.vertx.sqlclient.Row row : bare(rows)) {
            changed.add(changedRow(c, row));
        }
        return changed;
    }

    /** The rows themselves: the Mutiny iterator wraps each in an object of its own. */
    @SuppressWarnings("unchecked")
    private static io.vertx.sqlclient.RowSet<io.vertx.sqlclient.Row> bare(RowSet<Row> rows) {
        return rows.getDelegate();
    }

    /** Maps a row of the shared select list: id, the fields, deleted, change_xid, owner. */
    private static ChangedRow changedRow(ReplicatedCollection c, io.vertx.sqlclient.Row row) {
        int n = c.fields().size();
        String[] values = new String[n];
        for (int i = 0; i < n; i++) {
            values[i] = row.getString(i + 1);
        }
        String id = row.getString(0);
        String owner = row.getString(n + 3);
        long xid = Long.parseLong(row.getString(n + 2));
        if (c.scope() instanceof Scope.Members && row.size() > n + 4 && Boolean.TRUE.equals(row.getBoolean(n + 4))) {
            // the row left this user's view: never a value of it, only its id
            return ChangedRow.leaving(id, owner, xid);
        }
        return new ChangedRow(id, owner, xid, values, row.getBoolean(n + 1));
    }

    private CollectionSql sql(ReplicatedCollection c) {
        return sqlByCollection.computeIfAbsent(c.name(), name -> new CollectionSql(c));
    }
}
