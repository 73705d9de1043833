package io.rxsync.replication;

import static io.restassured.RestAssured.given;
import static io.rxsync.support.Api.order;
import static io.rxsync.support.Api.pullOk;
import static io.rxsync.support.Api.pushOk;
import static io.rxsync.support.Api.register;
import static io.rxsync.support.Api.row;
import static io.rxsync.support.Api.with;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.vertx.VertxContextSupport;
import io.restassured.http.ContentType;
import io.rxsync.orders.OrderRepository;
import io.rxsync.replication.stream.ChangePumps;
import io.rxsync.support.Api.TestUser;
import io.rxsync.support.PgStatementRecorder;
import io.rxsync.support.SseClient;
import io.rxsync.support.StatementRecorderResource;
import io.rxsync.support.TestDatabase;
import jakarta.inject.Inject;
import java.net.URL;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * No N+1: the statements the database server receives for one request, counted on the wire
 * by {@link PgStatementRecorder} (every simple query and every extended-protocol Execute,
 * whichever client sent it). Each count is fixed and does not grow with the number of
 * documents. Statements the change pump runs in reaction to a push (a wake-up reads the
 * watermark) are counted apart from the request's own.
 *
 * <p>Every statement seen must also be one that {@link QueryPlanTest} EXPLAINs, so that no
 * query reaches a hot path without its plan checked.
 */
@QuarkusTest
@TestProfile(StatementCountTest.Recorded.class)
class StatementCountTest {

    /** BEGIN, the row-security scope, the page query, COMMIT. */
    static final int PULL_STATEMENTS = 4;
    /** BEGIN, scope, lock, insert and/or update, COMMIT, then one NOTIFY. */
    static final int PUSH_STATEMENTS_MAX = 7;
    /** One watermark read per wake-up: the local one and the one LISTEN brings back. */
    static final int PUSH_PUMP_REACTIONS_MAX = 2;
    /** One window read (in BEGIN, scope, read, COMMIT), however many streams are open. */
    static final int STREAM_WINDOW_STATEMENTS = 4;
    /** The throttle check (before bcrypt, so it cannot share the transaction), BEGIN, the auth scope, the lookup by email, COMMIT. */
    static final int LOGIN_STATEMENTS = 5;

    private static final long QUIET_MILLIS = 400;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The recorder in front of the database; the pumps' timer out of the way (woken explicitly). */
    public static class Recorded implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("rxsync.stream.poll-interval", "PT1H");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(StatementRecorderResource.class));
        }
    }

    @Inject
    ChangePumps pumps;

    @Inject
    OrderRepository orders;

    @TestHTTPResource("/")
    URL base;

    private final PgStatementRecorder recorder = StatementRecorderResource.recorder();
    @Inject
    CollectionRegistry registry;

    private Set<String> pumpSql;

    @BeforeEach
    void knowThePumpStatements() {
        pumpSql = new HashSet<>();
        pumpSql.add(HotPathQueries.WATERMARK);
        registry.all().forEach(c -> {
            CollectionSql sql = new CollectionSql(c);
            pumpSql.add(c.scope() instanceof Scope.Members ? sql.viewWindow : sql.pumpWindow);
        });
    }

    @Test
    void aPullOfAThousandDocumentsIsOneStatement() throws Exception {
        TestUser user = register();
        insertOrders(List.of(user), 1000);

        int mark = recorder.mark();
        assertEquals(1000, pullOk(user, 0, "", 1000).documents().size());
        List<String> statements = recorder.settledSince(mark, QUIET_MILLIS);

        report("pull of 1000 documents", statements);
        assertEquals(PULL_STATEMENTS, statements.size(), String.join("\n", statements));
        assertPlanChecked(statements);
    }

    @Test
    void aPushIsAFixedHandfulOfStatementsWhateverItsSize() throws Exception {
        TestUser user = register();
        List<Map<String, Object>> ten = newOrders(user, 10);
        List<Map<String, Object>> hundred = newOrders(user, 100);

        List<String> pushTen = recordPush(user, rows(null, ten));
        List<String> pushHundred = recordPush(user, rows(null, hundred));
        List<Map<String, Object>> changed = hundred.stream().map(d -> with(d, "status", "paid")).toList();
        List<String> updateHundred = recordPush(user, rows(hundred, changed));

        report("push of 10 new rows", pushTen);
        report("push of 100 new rows", pushHundred);
        report("push of 100 updates", updateHundred);
        for (List<String> push : List.of(pushTen, pushHundred, updateHundred)) {
            List<String> own = push.stream().filter(s -> !pumpSql.contains(s)).toList();
            List<String> pump = push.stream().filter(pumpSql::contains).toList();
            assertTrue(own.size() <= PUSH_STATEMENTS_MAX, "push statements:\n" + String.join("\n", own));
            assertTrue(pump.size() <= PUSH_PUMP_REACTIONS_MAX, "pump reactions:\n" + String.join("\n", pump));
            assertPlanChecked(push);
        }
        assertEquals(own(pushTen).size(), own(pushHundred).size(), "10 rows and 100 rows take the same statements");
    }

    @Test
    void aStreamWindowIsOneStatementForEveryOpenStream() throws Exception {
        List<TestUser> users = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            users.add(register());
        }
        List<SseClient> streams = new ArrayList<>();
        try {
            for (TestUser user : users) {
                SseClient stream = new SseClient(base + "api/v1/sync/orders/0/pullStream", user.bearer());
                assertEquals(200, stream.status);
                streams.add(stream);
            }
            // Read whatever earlier tests left behind, so that the measured window holds only ours.
            pumps.wake("orders");
            recorder.settledSince(recorder.mark(), QUIET_MILLIS);
            streams.forEach(s -> s.frames.clear());

            insertOrders(users, 15);
            int mark = recorder.mark();
            pumps.wake("orders");
            for (SseClient stream : streams) {
                assertEquals(15, documentsWithin(stream, Duration.ofSeconds(10), 15), "each stream gets its user's orders");
            }
            List<String> statements = recorder.settledSince(mark, QUIET_MILLIS);

            report("stream window, 300 documents to 20 streams", statements);
            assertEquals(STREAM_WINDOW_STATEMENTS, statements.size(), String.join("\n", statements));
            assertPlanChecked(statements);
        } finally {
            for (SseClient stream : streams) {
                stream.close();
            }
        }
    }

    @Test
    void aLoginIsOneStatement() throws Exception {
        TestUser user = register();
        int mark = recorder.mark();
        given().contentType(ContentType.JSON).body(Map.of("email", user.email(), "password", "correct horse battery"))
                .post("/api/v1/auth/login").then().statusCode(200);
        List<String> statements = recorder.settledSince(mark, QUIET_MILLIS);

        report("login", statements);
        assertEquals(LOGIN_STATEMENTS, statements.size(), String.join("\n", statements));
        assertPlanChecked(statements);
    }

    @Test
    void theOrderQueriesOfTheNewIndexesAreTheOnesPlanChecked() throws Throwable {
        int mark = recorder.mark();
        VertxContextSupport.subscribeAndAwait(() -> orders.oldestPending(5));
        VertxContextSupport.subscribeAndAwait(() -> orders.findByMetadata(
                JsonNodeFactory.instance.objectNode().put("paymentRef", "pay_1"), 5));
        List<String> statements = recorder.settledSince(mark, QUIET_MILLIS);

        // each: BEGIN, the all-users scope, the query, COMMIT
        assertEquals(2 * 4, statements.size(), String.join("\n", statements));
        assertPlanChecked(statements);
    }

    private List<String> recordPush(TestUser user, List<Map<String, Object>> rows) throws InterruptedException {
        int mark = recorder.mark();
        pushOk(user, rows);
        return recorder.settledSince(mark, QUIET_MILLIS);
    }

    /** One line per request in the test output: what the server received. */
    private void report(String request, List<String> statements) {
        System.out.printf("statements %-45s %d: %s%n", request, statements.size(), statements.stream()
                .map(sql -> pumpSql.contains(sql) ? "pump:" + abbreviate(sql) : abbreviate(sql)).toList());
    }

    private static String abbreviate(String sql) {
        return sql.length() <= 40 ? sql : sql.substring(0, 40) + "…";
    }

    private List<String> own(List<String> statements) {
        return statements.stream().filter(s -> !pumpSql.contains(s)).toList();
    }

    /** Fails naming any statement that the plan test does not EXPLAIN. */
    private void assertPlanChecked(List<String> statements) {
        Set<String> known = new HashSet<>(HotPathQueries.TABLELESS);
        HotPathQueries.all(registry.all().stream().collect(Collectors.toMap(ReplicatedCollection::name, c -> c)))
                .forEach(q -> known.add(q.sql()));
        List<String> unknown = statements.stream().filter(s -> !known.contains(s)).distinct().toList();
        assertEquals(List.of(), unknown, "statements on a hot path that QueryPlanTest does not EXPLAIN (add them to HotPathQueries)");
    }

    private static List<Map<String, Object>> newOrders(TestUser user, int n) {
        List<Map<String, Object>> docs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            docs.add(order(user, "pending", i));
        }
        return docs;
    }

    private static List<Map<String, Object>> rows(List<Map<String, Object>> assumed, List<Map<String, Object>> next) {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (int i = 0; i < next.size(); i++) {
            rows.add(row(assumed == null ? null : assumed.get(i), next.get(i)));
        }
        return rows;
    }

    /** Inserts straight into the database (not through the recorder): {@code each} orders per user. */
    private static void insertOrders(List<TestUser> users, int each) throws Exception {
        try (Connection db = TestDatabase.connect("test");
             PreparedStatement st = db.prepareStatement("""
                     INSERT INTO orders (id, user_id, status, total_cents, currency)
                     SELECT gen_random_uuid(), ?::uuid, 'pending', g, 'EUR' FROM generate_series(1, ?) g""")) {
            for (TestUser user : users) {
                st.setString(1, user.id());
                st.setInt(2, each);
                st.addBatch();
            }
            st.executeBatch();
        }
    }

    /** Reads frames until {@code expected} documents arrived or the time is up; returns how many did. */
    private static int documentsWithin(SseClient stream, Duration timeout, int expected) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        int documents = 0;
        while (documents < expected && System.nanoTime() < deadline) {
            String frame = stream.nextFrame(Duration.ofMillis(200));
            if (frame != null) {
                documents += JSON.readTree(frame).path("documents").size();
            }
        }
        return documents;
    }

}
