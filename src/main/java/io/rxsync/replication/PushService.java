package io.rxsync.replication;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rxsync.auth.Caller;
import io.rxsync.replication.stream.ChangeSignal;
import io.rxsync.web.ApiException;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.pgclient.PgException;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Push with conflict detection (PROTOCOL.md, Push), in one transaction per request: lock
 * the touched rows, decide every row in memory, write with one batched statement per
 * kind of write. The number of statements does not grow with the batch.
 */
@ApplicationScoped
public class PushService {

    private static final Set<String> RETRYABLE_SQL_STATES = Set.of("40P01", "40001");
    /**
     * Row-level security refused a write of a members scope: a membership changed between the
     * push's reading of the caller's groups and its write (a revoke committing meanwhile).
     * Running the push again reads the new groups and answers the row as a conflict.
     */
    private static final String POLICY_VIOLATION = "42501";

    private final Pool pool;
    private final ReplicationRepository repository;
    private final ChangeSignal changes;
    private final ReplicationConfig config;
    private final ObjectMapper json;

    public PushService(Pool pool, ReplicationRepository repository, ChangeSignal changes, ReplicationConfig config,
                       ObjectMapper json) {
        this.pool = pool;
        this.repository = repository;
        this.changes = changes;
        this.config = config;
        this.json = json;
    }

    /** One pushed row after its checks. {@code assumed} is null when the client sent none. */
    private record Row(int index, DocumentRules.Checked checked, JsonNode pushed, JsonNode assumed) {

        /**
         * The row to insert for a document the client believes exists but the server has not
         * (its tombstone was purged): the client's document, deleted.
         */
        Row deleted() {
            return new Row(index, new DocumentRules.Checked(checked.id(), checked.values(), true), pushed, assumed);
        }
    }

    private record Outcome(List<ObjectNode> conflicts, boolean wrote) {
    }

    /** The locked current rows, and for a members scope the caller's groups read in the same transaction. */
    private record Locked(ReplicationRepository.Groups groups, List<StoredDocument> stored) {
    }

    /**
     * Applies a push and returns the current server state of every conflicting document.
     * Any rule broken by any row rejects the whole request before anything is written.
     */
    public Uni<List<ObjectNode>> push(ReplicatedCollection collection, Caller caller, JsonNode body) {
        // the caller as the scope compares rows with (their account or their subject); the
        // caller declaration of row-level security always names the account
        String userId = caller.userId();
        String callerKey = collection.scope().callerKey(caller);
        List<Row> rows = checkRows(collection, callerKey, body);
        if (rows.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        List<String> ids = rows.stream().map(r -> r.checked().id()).sorted().toList();
        // BEGIN, the caller declaration and the lock are sent at once and run in order
        // (pipelined): one round trip less than waiting for BEGIN. If the account is gone,
        // actFor fails the push; the lock, run without a declared user, saw and locked nothing.
        boolean members = collection.scope() instanceof Scope.Members;
        return PipelinedTransaction.beginWith(pool,
                        tx -> Uni.combine().all()
                                .unis(repository.actFor(tx, userId),
                                        members ? repository.callerGroups(tx, collection) : Uni.createFrom().nullItem(),
                                        repository.lockByIds(tx, collection, ids))
                                .with((ignored, groups, stored) -> new Locked((ReplicationRepository.Groups) groups, stored)),
                        (tx, locked) -> write(tx, collection, callerKey, rows, locked))
                // Two pushes touching the same new ids can deadlock in the unique index;
                // the loser is rolled back whole, so running it again is safe.
                .onFailure(e -> isRetryable(e) || members && (isPolicyViolation(e) || e instanceof ViewChanged)).retry().atMost(3)
                .onFailure(RejectedWrite::isRefusal).recoverWithUni(e -> refused(collection, caller, rows, (PgException) e))
                .invoke(outcome -> {
                    if (outcome.wrote()) {
                        changes.committed(collection);
                    }
                })
                .map(Outcome::conflicts);
    }

    private List<Row> checkRows(ReplicatedCollection collection, String callerKey, JsonNode body) {
        if (body == null || !body.isArray()) {
            throw ApiException.badRequest("a push body must be a JSON array of {assumedMasterState?, newDocumentState} rows");
        }
        if (body.size() > config.replication().maxPushRows()) {
            throw ApiException.tooLarge("a push may carry at most " + config.replication().maxPushRows() + " rows");
        }
        List<Row> rows = new ArrayList<>(body.size());
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < body.size(); i++) {
            JsonNode row = body.get(i);
            if (!row.isObject()) {
                throw ApiException.badRequest("row " + i + ": must be a JSON object");
            }
            JsonNode pushed = row.get("newDocumentState");
            DocumentRules.Checked checked = DocumentRules.check(collection, pushed, i, callerKey);
            JsonNode assumed = row.get("assumedMasterState");
            if (assumed != null && assumed.isNull()) {
                assumed = null;
            }
            if (assumed != null && !assumed.isObject()) {
                throw ApiException.badRequest("row " + i + ": assumedMasterState must be a JSON object");
            }
            if (!ids.add(checked.id())) {
                throw ApiException.badRequest("row " + i + ": id " + checked.id() + " appears twice in the batch");
            }
            rows.add(new Row(i, checked, pushed, assumed));
        }
        return rows;
    }

    /** Decides every row against the locked current state, then writes in one batched statement per kind. */
    private Uni<Outcome> write(SqlClient tx, ReplicatedCollection collection, String callerKey, List<Row> rows,
                               Locked locked) {
        Map<String, StoredDocument> current = byId(collection, locked.stored(), callerKey);
        return readOnlyRows(tx, collection, rows, current, locked.groups())
                .flatMap(readOnly -> decideAndWrite(tx, collection, callerKey, rows, current, readOnly, locked.groups()));
    }

    /**
     * A members scope: the pushed rows the lock did not return but the caller sees, in the
     * groups where the caller is a read-only member (row-level security lets a lock take only
     * rows the caller may write). Their conflicts carry the current row, which the client keeps.
     * No statement unless the caller has a read-only membership and some row was not locked.
     */
    private Uni<Map<String, StoredDocument>> readOnlyRows(SqlClient tx, ReplicatedCollection collection, List<Row> rows,
                                                          Map<String, StoredDocument> current,
                                                          ReplicationRepository.Groups groups) {
        if (groups == null || groups.writable().containsAll(groups.readable())) {
            return Uni.createFrom().item(Map.of());
        }
        List<String> missing = rows.stream().map(r -> r.checked().id()).filter(id -> !current.containsKey(id)).toList();
        if (missing.isEmpty()) {
            return Uni.createFrom().item(Map.of());
        }
        return repository.readByIds(tx, collection, missing).map(stored -> byId(collection, stored, null));
    }

    private Uni<Outcome> decideAndWrite(SqlClient tx, ReplicatedCollection collection, String callerKey, List<Row> rows,
                                        Map<String, StoredDocument> current, Map<String, StoredDocument> readOnly,
                                        ReplicationRepository.Groups groups) {
        List<ObjectNode> conflicts = new ArrayList<>();
        List<Row> inserts = new ArrayList<>();
        List<DocumentRules.Checked> updates = new ArrayList<>();
        for (Row row : rows) {
            StoredDocument stored = current.get(row.checked().id());
            StoredDocument seen = readOnly.get(row.checked().id());
            if (seen != null) {
                if (!DocumentEquality.sameClientState(collection, seen.document(), row.pushed())) {
                    conflicts.add(seen.document());
                }
                continue;
            }
            if (collection.scope() instanceof Scope.Members m && outsideView(collection, m, row, stored, groups, conflicts)) {
                continue;
            }
            decide(collection, row, stored, conflicts, inserts, updates);
        }
        inserts.sort(Comparator.comparing(r -> r.checked().id()));
        List<DocumentRules.Checked> toInsert = inserts.stream().map(Row::checked).toList();
        return repository.insert(tx, collection, toInsert)
                .invoke(inserted -> tombstonesInsteadOfResurrections(collection, inserts, inserted, conflicts))
                .flatMap(inserted -> raceLosers(tx, collection, callerKey, inserts, inserted, conflicts))
                .flatMap(ignored -> repository.update(tx, collection, updates))
                .map(updated -> {
                    if (updated < updates.size() && collection.scope() instanceof Scope.Members) {
                        // a row the lock returned was no longer the caller's to update: their
                        // membership ended while the push waited for the lock (the UPDATE, in a
                        // newer snapshot, skips it under row-level security). Run the push again:
                        // it reads the caller's groups anew and answers that row as a conflict.
                        throw new ViewChanged();
                    }
                    return new Outcome(conflicts, updated > 0 || !toInsert.isEmpty());
                });
    }

    /** The caller's view changed during the push; the whole push is rolled back and run again. */
    private static final class ViewChanged extends RuntimeException {
        ViewChanged() {
            super("the caller's view changed during the push", null, false, false);
        }
    }

    /**
     * A members scope: a write must be inside the caller's view before and after, in groups
     * the caller may write (SCOPES.md, "Push under scopes"). A row that is not is answered as a
     * conflict, never refused: losing access while offline is normal, and a 403 would cancel
     * the official client. The conflict's document is the current row when the caller still
     * sees it (a read-only member, a move into a group the caller is not in), otherwise the
     * leaving document, which tells nothing but the id the client sent. A new row that is its
     * own group founds it (its creator becomes a member); one whose key exists in a group the
     * caller does not see is found by the insert (raceLosers).
     *
     * @return whether the row is answered here
     */
    private static boolean outsideView(ReplicatedCollection collection, Scope.Members m, Row row, StoredDocument stored,
                                       ReplicationRepository.Groups groups, List<ObjectNode> conflicts) {
        String target = m.groupOf(collection, row.checked());
        if (stored == null) {
            if (m.selfGrouped() || groups.writable().contains(target)) {
                return false;
            }
            conflicts.add(DocumentRules.leavingDocument(collection, row.checked().id()));
            return true;
        }
        if (DocumentEquality.sameClientState(collection, stored.document(), row.pushed())) {
            return false; // a retry: decide() skips it
        }
        if (groups.writable().contains(stored.ownerId()) && groups.writable().contains(target)) {
            return false;
        }
        conflicts.add(stored.document());
        return true;
    }

    /**
     * The four cases of the protocol, with re-sent rows recognised as already applied. A row
     * with an assumed state and no server row names a document that existed and whose
     * tombstone has been purged since: it is never brought back. It is written as a
     * tombstone (the insert still tells a document of another user, hidden by row-level
     * security, by its conflict) and answered as a conflict with that tombstone.
     */
    private static void decide(ReplicatedCollection collection, Row row, StoredDocument stored,
                               List<ObjectNode> conflicts, List<Row> inserts, List<DocumentRules.Checked> updates) {
        if (stored == null) {
            if (!collection.clientMayCreate()) {
                throw ApiException.forbidden("row " + row.index() + ": clients cannot create " + collection.name());
            }
            inserts.add(row.assumed() == null ? row : row.deleted());
            return;
        }
        Field readOnly = DocumentEquality.changedReadOnlyField(collection, stored.document(), row.pushed());
        if (readOnly != null && row.assumed() != null
                && DocumentEquality.changedReadOnlyField(collection, stored.document(), row.assumed()) == null) {
            // The client knew the current value and changed it on purpose (a stale value is not refused:
            // the client simply has not pulled the new one yet).
            throw ApiException.forbidden("row " + row.index() + ": field '" + readOnly.name() + "' is read-only");
        }
        if (DocumentEquality.sameClientState(collection, stored.document(), row.pushed())) {
            return; // the server already holds this state: a retry or a parallel duplicate
        }
        if (row.assumed() == null || !DocumentEquality.sameClientState(collection, stored.document(), row.assumed())) {
            conflicts.add(stored.document());
            return;
        }
        if (row.checked().deleted() && !collection.clientMayDelete()) {
            throw ApiException.forbidden("row " + row.index() + ": clients cannot delete " + collection.name());
        }
        updates.add(row.checked());
    }

    /** The conflicts of rows written as tombstones: the server state the client must take. */
    private void tombstonesInsteadOfResurrections(ReplicatedCollection collection, List<Row> inserts, Set<String> inserted,
                                                  List<ObjectNode> conflicts) {
        for (Row row : inserts) {
            if (row.assumed() != null && inserted.contains(row.checked().id())) {
                ObjectNode tombstone = DocumentRules.toDocument(collection, row.checked().id(), row.checked().values(),
                        true, json);
                if (!DocumentEquality.sameClientState(collection, tombstone, row.pushed())) {
                    conflicts.add(tombstone);
                }
            }
        }
    }

    /**
     * Rows our insert skipped because the id exists: inserted by another transaction after
     * our lock, or owned by another user (invisible to us under row-level security). The
     * first are decided like any existing document without an assumed state; the second
     * refuse the push.
     */
    private Uni<Void> raceLosers(SqlClient tx, ReplicatedCollection collection, String callerKey, List<Row> inserts,
                                 Set<String> inserted, List<ObjectNode> conflicts) {
        List<Row> lost = inserts.stream().filter(r -> !inserted.contains(r.checked().id())).toList();
        if (lost.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return repository.lockByIds(tx, collection, lost.stream().map(r -> r.checked().id()).toList())
                .invoke(stored -> {
                    Map<String, StoredDocument> current = byId(collection, stored, callerKey);
                    for (Row row : lost) {
                        StoredDocument doc = current.get(row.checked().id());
                        if (doc == null && collection.scope() instanceof Scope.Members) {
                            // a row the caller does not (or no longer) see: it leaves the client
                            conflicts.add(DocumentRules.leavingDocument(collection, row.checked().id()));
                            continue;
                        }
                        if (doc == null) {
                            // The id exists but row-level security hides it: someone else's document.
                            throw ApiException.forbidden("document " + row.checked().id() + " belongs to another user");
                        }
                        if (!DocumentEquality.sameClientState(collection, doc.document(), row.pushed())) {
                            conflicts.add(doc.document());
                        }
                    }
                })
                .replaceWithVoid();
    }

    /**
     * Indexes locked rows by id, refusing the whole push if any belongs to someone else (owner
     * scope; under the other scopes row-level security shows the caller only rows of their view).
     */
    private static Map<String, StoredDocument> byId(ReplicatedCollection collection, List<StoredDocument> stored,
                                                    String callerKey) {
        Map<String, StoredDocument> byId = new HashMap<>();
        for (StoredDocument doc : stored) {
            if (collection.scope() instanceof Scope.Owner && !doc.ownerId().equals(callerKey)) {
                // Say no more than that: the conflict answer must never reveal the document.
                throw ApiException.forbidden("document " + doc.id() + " belongs to another user");
            }
            byId.put(doc.id(), doc);
        }
        return byId;
    }

    /**
     * Answers a push the database refused. PostgreSQL does not show the failing row of a table
     * under row-level security, so the push is written again row by row in a transaction that
     * is rolled back: the first row that fails, with the rows before it written (a unique key
     * may be broken by two rows together), is the one to name. Only refused pushes pay for it.
     */
    private Uni<Outcome> refused(ReplicatedCollection collection, Caller caller, List<Row> rows, PgException failure) {
        if (RejectedWrite.isAccountGone(collection, failure)) {
            return Uni.createFrom().failure(ApiException.unauthorized(RowSecurity.ACCOUNT_GONE));
        }
        boolean members = collection.scope() instanceof Scope.Members;
        String callerKey = collection.scope().callerKey(caller);
        return pool.withTransaction(tx -> repository.actFor(tx, caller.userId())
                        .flatMap(ignored -> members ? repository.callerGroups(tx, collection) : Uni.createFrom().<ReplicationRepository.Groups>nullItem())
                        .onItem().transformToMulti(groups -> Multi.createFrom().iterable(rows)
                        .onItem().transformToUniAndConcatenate(row -> repository.lockByIds(tx, collection, List.of(row.checked().id()))
                                .flatMap(stored -> write(tx, collection, callerKey, List.of(row), new Locked(groups, stored)))
                                .map(ignored -> -1)
                                .onFailure(RejectedWrite::isRefusal).recoverWithItem(row.index())))
                        .filter(index -> index >= 0)
                        .collect().first()
                        // never commit what the search wrote
                        .onItem().failWith(index -> new FailingRow(index)))
                .onFailure(FailingRow.class).recoverWithItem(e -> ((FailingRow) e).index)
                .onFailure().recoverWithItem((Integer) null)
                .onItem().transformToUni(index -> Uni.createFrom().failure(RejectedWrite.of(collection, failure, index)));
    }

    /** Ends the row-by-row search, rolling its transaction back. */
    private static final class FailingRow extends RuntimeException {
        private final Integer index;

        FailingRow(Integer index) {
            super(null, null, false, false);
            this.index = index;
        }
    }

    private static boolean isPolicyViolation(Throwable e) {
        return e instanceof PgException pg && POLICY_VIOLATION.equals(pg.getSqlState());
    }

    private static boolean isRetryable(Throwable e) {
        return e instanceof PgException pg && RETRYABLE_SQL_STATES.contains(pg.getSqlState());
    }
}
