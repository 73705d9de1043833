package io.rxsync.replication;

import io.rxsync.auth.LoginThrottle;
import io.rxsync.orders.OrderRepository;
import io.rxsync.replication.stream.ChangeSignal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * Every statement the repositories issue on hot paths, exactly as the server receives it,
 * with representative parameters for the data set of {@link QueryPlanTest}. The plan test
 * EXPLAINs each one; {@link StatementCountTest} checks that the requests send nothing else,
 * so a new query on a hot path fails a test until it is added here and its plan is right.
 */
final class HotPathQueries {

    /**
     * One statement to plan.
     *
     * @param index       an index the plan must use (null: none, e.g. a plain insert)
     * @param maxSorted   the most rows a Sort may take, usually what the statement hands back
     *                    (its LIMIT, its batch): reading a small set whole and sorting it can beat
     *                    walking an index; sorting more than the statement returns is work an
     *                    index should have saved
     * @param actsFor     whom the server's transaction acts for when it sends the statement: a
     *                    user id, {@link #ALL_USERS}, or null (planned as the table owner). The
     *                    plan is made as the runtime role under row-level security, as the
     *                    server's is: the policies change which conditions may use an index.
     */
    record Query(String name, String sql, List<String> params, String index, int maxSorted, String actsFor) {

        Query(String name, String sql, List<String> params, String index, int maxSorted) {
            this(name, sql, params, index, maxSorted, null);
        }
    }

    /** {@link Query#actsFor()} of the change pump, which reads every user's rows. */
    static final String ALL_USERS = "all-users";

    static final String WATERMARK = "SELECT rxsync_watermark()::text";

    /**
     * Statements that read no table: nothing to plan. ({@code rxsync_act_for} reads one users
     * row by primary key inside the function, where EXPLAIN does not look.)
     */
    static final Set<String> TABLELESS = Set.of("BEGIN", "COMMIT", "ROLLBACK", WATERMARK, ChangeSignal.NOTIFY,
            RowSecurity.ACT_FOR_LIVE_USER, RowSecurity.ACT_FOR_ALL_USERS, "SELECT set_config('rxsync.scope', 'auth', true)");

    /**
     * Hibernate's text for {@code UserRepository.findByEmail} (a {@code firstResult()}), as
     * recorded on the wire. Mapping a new column on {@code User} changes it: copy the new text
     * from the failure of {@link StatementCountTest}.
     */
    static final String LOGIN_BY_EMAIL = "select u1_0.id,u1_0.created_at,u1_0.deleted,u1_0.display_name,u1_0.email,"
            + "u1_0.hashed_password,u1_0.updated_at from users u1_0 where u1_0.email=$1 offset $2 rows fetch first $3 rows only";

    /** The replicated tables: a sequential scan of any of them fails the plan test. */
    static final Set<String> REPLICATED_TABLES = Set.of("orders", "users", "notes");

    /**
     * The active user of the data set: owns a tenth of all orders and notes, all among the
     * newest changes (the hard case for a new device's first pull).
     */
    static final int HEAVY_USER = 1;

    /** The users, orders and notes of the data set have these ids (n from 1). */
    static String userId(int n) {
        return "00000000-0000-4000-8000-%012x".formatted(n);
    }

    static String orderId(int n) {
        return "00000000-0000-4000-9000-%012x".formatted(n);
    }

    static String noteId(int n) {
        return "00000000-0000-4000-a000-%012x".formatted(n);
    }

    private HotPathQueries() {
    }

    /** The statements of the collections as declared in the database ({@code collections} by name). */
    static List<Query> all(Map<String, ReplicatedCollection> collections) {
        List<Query> all = new ArrayList<>();
        all.addAll(replication(collections.get("orders"), "orders", HotPathQueries::orderId, 100));
        // a user pushes only their own profile: one row
        all.addAll(replication(collections.get("users"), "users", HotPathQueries::userId, 1));
        all.addAll(replication(collections.get("notes"), "notes", HotPathQueries::noteId, 100));
        all.add(new Query("login by email", LOGIN_BY_EMAIL,
                List.of(literal("user42@example.test"), "0", "1"), "users_email_key", 1));
        // login throttling (the data set has no failed logins: the unique index still serves the lookup)
        List<String> subjects = List.of(literal("account:" + "ab".repeat(32)), literal("address:127.0.0.1"));
        all.add(new Query("login throttle: retry after", LoginThrottle.RETRY_AFTER,
                List.of(subjects.get(0), subjects.get(1), "900", "5", "50"), "login_attempts_subject_key", 2));
        all.add(new Query("login throttle: record a failure", LoginThrottle.RECORD_FAILURE,
                List.of(subjects.get(0), subjects.get(1), "900"), null, 2));
        all.add(new Query("orders: oldest pending", OrderRepository.OLDEST_PENDING,
                List.of("100"), "orders_pending_idx", 100));
        all.add(new Query("orders: by metadata", OrderRepository.BY_METADATA,
                // GIN finds matches in no particular order: sorting the few matches is expected
                List.of(literal("{\"paymentRef\": \"pay_4242\"}"), "10"), "orders_metadata_idx", 1000));
        return all;
    }

    /** The protocol's statements of one collection (ids of the data set from {@code ids}). */
    private static List<Query> replication(ReplicatedCollection c, String table,
                                           java.util.function.IntFunction<String> ids, int batch) {
        CollectionSql sql = new CollectionSql(c);
        String heavyOwner = literal(userId(HEAVY_USER));
        String owner = literal(userId(42));
        String nilId = literal("00000000-0000-0000-0000-000000000000");
        List<String> batchIds = IntStream.rangeClosed(1, batch).mapToObj(i -> ids.apply(i * 7)).toList();
        List<String> lostIds = batchIds.subList(0, Math.min(3, batch));
        String pk = table + "_pkey";
        String pullIndex = ((Scope.Owner) c.scope()).field().equals(c.idField()) ? pk : table + "_pull_idx";
        String heavy = userId(HEAVY_USER);
        String typical = userId(42);
        return List.of(
                new Query(table + ": pull page, first 1000 of the active user", sql.pullPage,
                        List.of(heavyOwner, literal("0"), nilId, "1000"), pullIndex, 1000, heavy),
                new Query(table + ": pull page, 100 of a typical user", sql.pullPage,
                        List.of(owner, literal("0"), nilId, "100"), pullIndex, 100, typical),
                new Query(table + ": stream window", sql.pumpWindow, List.of(literal("0"), nilId, "500"),
                        table + "_change_idx", 500, ALL_USERS),
                // sampled every few seconds by the lag metric, not per request; planned all the same
                new Query(table + ": change pump lag sample", sql.oldestUnpublishedAge,
                        List.of(literal("0"), nilId, "1"), table + "_change_idx", 1, ALL_USERS),
                new Query(table + ": push lock", sql.lockByIds, List.of(textArray(batchIds)), pk, batch, typical),
                // the same statement re-locks rows lost to a concurrent insert, to answer their conflicts
                new Query(table + ": conflict lookup", sql.lockByIds, List.of(textArray(lostIds)), pk, lostIds.size(),
                        typical),
                new Query(table + ": push insert", sql.insert, columns(c, batchIds), null, batch, typical),
                new Query(table + ": push update", sql.update, columns(c, batchIds), pk, batch, typical));
    }

    /** The unnest() arrays of a batched write: ids, one array per field, deleted flags. */
    private static List<String> columns(ReplicatedCollection c, List<String> ids) {
        List<String> params = new ArrayList<>();
        params.add(textArray(ids));
        for (Field f : c.fields()) {
            String value = switch (f.type()) {
                case UUID -> userId(42);
                case STRING -> "x";
                case INTEGER, NUMBER -> "1";
                case BOOLEAN -> "true";
                case DATE_TIME -> "2026-01-01T00:00:00Z";
                case OBJECT -> null;
            };
            params.add(textArray(Collections.nCopies(ids.size(), value)));
        }
        params.add(textArray(Collections.nCopies(ids.size(), "false")));
        return params;
    }

    static String literal(String value) {
        return "'" + value.replace("'", "''") + "'";
    }

    private static String textArray(List<String> values) {
        return "ARRAY[" + String.join(", ", values.stream().map(v -> v == null ? "NULL" : literal(v)).toList())
                + "]::text[]";
    }
}
