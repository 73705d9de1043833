package io.rxsync.auth;

import static io.restassured.RestAssured.given;
import static io.rxsync.support.Api.ORDERS;
import static io.rxsync.support.Api.order;
import static io.rxsync.support.Api.pull;
import static io.rxsync.support.Api.pullOk;
import static io.rxsync.support.Api.push;
import static io.rxsync.support.Api.pushOk;
import static io.rxsync.support.Api.register;
import static io.rxsync.support.Api.row;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.rxsync.support.Api.TestUser;
import io.rxsync.support.OwnerSql;
import io.rxsync.support.SseClient;
import io.rxsync.support.TestIdentityProvider;
import java.net.URL;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.jose4j.jwk.RsaJwkGenerator;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.NumericDate;
import org.junit.jupiter.api.Test;

/**
 * Tokens of an external OIDC provider (TestIdentityProvider: discovery and JWKS over real
 * HTTP) beside the built-in accounts: accounts on first sight, refusals with the JSON 401,
 * key rotation without restart and a bounded number of key fetches.
 */
@QuarkusTest
@TestProfile(ExternalProviderTest.WithProvider.class)
class ExternalProviderTest {

    public static class WithProvider implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(TestIdentityProvider.class));
        }
    }

    @TestHTTPResource("/api/v1/sync/orders/0/pullStream")
    URL streamUrl;

    /** The fixture collection whose owner column holds the provider's subject (V1002__journal). */
    private static final String JOURNAL = "/api/v1/sync/journal/0";

    @TestHTTPResource(JOURNAL + "/pullStream")
    URL journalStreamUrl;

    private final TestIdentityProvider provider = TestIdentityProvider.running();

    @Test
    void anExternalUserSyncsWithNoAccountCreatedByHand() {
        String subject = "auth0|" + UUID.randomUUID();
        String token = provider.sign(provider.claims(subject));
        Map<?, ?> me = me(token);
        assertEquals(subject, me.get("subject"));
        assertEquals(Set.of("sales", "europe"), new HashSet<>((List<?>) me.get("groups")));

        TestUser user = new TestUser((String) me.get("userId"), token, null);
        pushOk(user, List.of(row(null, order(user, "pending", 1200))));
        assertEquals(1, pullOk(user, 0, "", 10).documents().size());

        Map<String, Object> account = OwnerSql.query("""
                SELECT u.email, u.display_name, u.hashed_password, i.issuer FROM users u
                JOIN user_identities i ON i.user_id = u.id WHERE i.subject = ?""", subject).get(0);
        assertEquals(subject.replaceAll("[^a-z0-9]", "") + "@example.test", account.get("email"));
        assertEquals("User " + subject, account.get("display_name"));
        assertEquals(null, account.get("hashed_password"));
        assertEquals(provider.issuer(), account.get("issuer"));
    }

    @Test
    void twoUsersOfTheProviderSeeOnlyTheirOwnDocuments() {
        TestUser a = externalUser("kc-" + UUID.randomUUID());
        TestUser b = externalUser("kc-" + UUID.randomUUID());
        pushOk(a, List.of(row(null, order(a, "pending", 1))));
        given().header("Authorization", b.bearer()).contentType(ContentType.JSON)
                .body(List.of(row(null, order(a, "pending", 2)))).post(ORDERS + "/push").then().statusCode(403);
        assertEquals(0, pullOk(b, 0, "", 10).documents().size());
        assertEquals(1, pullOk(a, 0, "", 10).documents().size());
    }

    @Test
    void manyFirstRequestsOfANewUserAtOnceCreateOneAccount() throws Exception {
        String subject = "race-" + UUID.randomUUID();
        List<Callable<String>> firstRequests = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            JwtClaims claims = provider.claims(subject);
            claims.setJwtId(UUID.randomUUID().toString()); // twelve different tokens: none is remembered
            String token = provider.sign(claims);
            firstRequests.add(() -> (String) me(token).get("userId"));
        }
        assertEquals(1, new HashSet<>(concurrently(firstRequests)).size());
        assertEquals(1L, ((Number) OwnerSql.single("SELECT count(*) FROM user_identities WHERE subject = ?", subject)).longValue());
    }

    @Test
    void forgedForeignAndStaleTokensGetTheJson401AndChangeNothing() throws Exception {
        String subject = "victim-" + UUID.randomUUID();
        TestUser victim = externalUser(subject);
        JwtClaims wrongIssuer = provider.claims(subject);
        wrongIssuer.setIssuer("https://evil.example.test/realms/tests");
        JwtClaims wrongAudience = provider.claims(subject);
        wrongAudience.setAudience("another-app");
        JwtClaims expired = provider.claims(subject);
        expired.setExpirationTime(NumericDate.fromSeconds(NumericDate.now().getValue() - 5));
        JwtClaims noSubject = provider.claims(subject);
        noSubject.unsetClaim("sub");
        var stranger = RsaJwkGenerator.generateJwk(2048);
        stranger.setKeyId("not-published");

        Map<String, String> forged = Map.of(
                "alg none", provider.unsigned(provider.claims(subject)),
                "HMAC keyed with the public key", provider.signHmacWithPublicKey(provider.claims(subject)),
                "wrong issuer", provider.sign(wrongIssuer),
                "wrong audience", provider.sign(wrongAudience),
                "expired", provider.sign(expired),
                "no subject", provider.sign(noSubject),
                "a key the provider never published", provider.sign(provider.claims(subject), stranger));
        for (var attempt : forged.entrySet()) {
            String bearer = "Bearer " + attempt.getValue();
            given().header("Authorization", bearer).queryParam("lwt", 0).queryParam("id", "").queryParam("limit", 10)
                    .get(ORDERS + "/pull").then().statusCode(401).body("code", equalTo(401)).body("error", equalTo(true));
            given().header("Authorization", bearer).contentType(ContentType.JSON)
                    .body(List.of(row(null, order(victim, "pending", 666)))).post(ORDERS + "/push")
                    .then().statusCode(401).body("code", equalTo(401)).body("error", equalTo(true));
            try (SseClient stream = new SseClient(streamUrl.toString(), bearer)) {
                assertEquals(401, stream.status, attempt.getKey() + ": stream");
            }
        }
        assertEquals(0L, ((Number) OwnerSql.single("SELECT count(*) FROM orders WHERE user_id = ?::uuid", victim.id())).longValue());
    }

    @Test
    void aRotatedKeyNeedsNoRestartAndUnknownKeyIdsFetchOnceNotPerRequest() throws Exception {
        externalUser("before-rotation-" + UUID.randomUUID());
        Thread.sleep(2_100); // past the minimum refresh interval of the test profile
        provider.rotate();
        int before = provider.jwksFetches();

        List<Callable<Integer>> requests = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            String token = provider.sign(provider.claims("after-rotation-" + UUID.randomUUID()));
            requests.add(() -> given().header("Authorization", "Bearer " + token).get("/api/v1/auth/me").statusCode());
        }
        for (int i = 0; i < 20; i++) {
            var unknown = RsaJwkGenerator.generateJwk(2048);
            unknown.setKeyId("made-up-" + i);
            String token = provider.sign(provider.claims("flood-" + i), unknown);
            requests.add(() -> given().header("Authorization", "Bearer " + token).get("/api/v1/auth/me").statusCode());
        }
        List<Integer> statuses = concurrently(requests);
        assertEquals(List.of(200), statuses.subList(0, 20).stream().distinct().toList(), "tokens of the new key");
        assertEquals(List.of(401), statuses.subList(20, 40).stream().distinct().toList(), "tokens of keys never published");
        int fetched = provider.jwksFetches() - before;
        // one for the rotation; the 20 made-up key ids add at most one more (a new interval may begin meanwhile)
        assertTrue(fetched >= 1 && fetched <= 2, "JWKS fetches for 40 requests: " + fetched);
    }

    @Test
    void builtInAccountsWorkBesideTheProvider() {
        TestUser builtIn = register();
        pushOk(builtIn, List.of(row(null, order(builtIn, "pending", 5))));
        assertEquals(1, pullOk(builtIn, 0, "", 10).documents().size());
        assertEquals(builtIn.id(), me(builtIn.token()).get("userId"));
    }

    @Test
    void aDeletedExternalAccountIsRefusedEvenWithAFreshToken() {
        String subject = "leaver-" + UUID.randomUUID();
        TestUser user = externalUser(subject);
        OwnerSql.update("UPDATE users SET deleted = true WHERE id = ?::uuid", user.id());
        given().header("Authorization", user.bearer()).queryParam("lwt", 0).queryParam("id", "").queryParam("limit", 10)
                .get(ORDERS + "/pull").then().statusCode(401).body("error", equalTo(true));
        JwtClaims fresh = provider.claims(subject);
        fresh.setJwtId(UUID.randomUUID().toString());
        given().header("Authorization", "Bearer " + provider.sign(fresh)).get("/api/v1/auth/me")
                .then().statusCode(401).body("code", equalTo(401));
    }

    @Test
    void aTeamsOwnTableWithTextOwnersIsProtectedByTheProvidersSubject() throws Exception {
        String subjectA = "google-oauth2|" + UUID.randomUUID();
        TestUser a = externalUser(subjectA);
        TestUser builtIn = register();
        // DDL is transactional: the table lives only inside this transaction, rolled back at the end
        try (Connection db = OwnerSql.connect()) {
            db.setAutoCommit(false);
            try (Statement s = db.createStatement()) {
                s.execute("CREATE TABLE team_notes (owner_subject varchar(255) NOT NULL, body varchar(100) NOT NULL)");
                s.execute("ALTER TABLE team_notes ENABLE ROW LEVEL SECURITY");
                s.execute("CREATE POLICY team_notes_owner ON team_notes"
                        + " USING (owner_subject = current_setting('rxsync.subject', true))");
                s.execute("GRANT SELECT ON team_notes TO rxsync_app");
                s.execute("INSERT INTO team_notes VALUES ('" + subjectA + "', 'a'), ('someone-else', 'b'), ('"
                        + builtIn.id() + "', 'built-in')");
                s.execute("SET LOCAL ROLE rxsync_app");
            }
            assertEquals(List.of("a"), notesSeenBy(db, a.id()));
            assertEquals(List.of("built-in"), notesSeenBy(db, builtIn.id()), "a built-in account's subject is its id");
            db.rollback();
        }
    }

    @Test
    void aCollectionOwnedBySubjectsSyncsForItsExternalUsersByPullPushAndStream() throws Exception {
        String subjectA = "auth0|" + UUID.randomUUID();
        TestUser a = externalUser(subjectA);
        TestUser b = externalUser("auth0|" + UUID.randomUUID());
        Map<String, Object> entry = Map.of("id", UUID.randomUUID().toString(), "author", subjectA, "entry", "first");
        try (SseClient stream = new SseClient(journalStreamUrl.toString(), a.bearer())) {
            push(a, JOURNAL, List.of(row(null, entry))).then().statusCode(200).body("size()", equalTo(0));
            String frame = stream.frames.poll(10, TimeUnit.SECONDS);
            assertTrue(frame != null && frame.contains((String) entry.get("id")), "the author's stream: " + frame);
        }
        var page = pull(a, JOURNAL, 0, "", 10).then().statusCode(200).extract().jsonPath();
        assertEquals(List.of(entry.get("id")), page.getList("documents.id"));
        assertEquals(subjectA, page.getString("documents[0].author"));
        assertEquals("calm", page.getString("documents[0].mood"), "a NOT NULL field with a default, left out, gets it");

        pull(b, JOURNAL, 0, "", 10).then().statusCode(200).body("documents.size()", equalTo(0));
        push(b, JOURNAL, List.of(row(null, Map.of("id", UUID.randomUUID().toString(), "author", subjectA,
                "entry", "in a's name")))).then().statusCode(403).body("code", equalTo(403));
        push(b, JOURNAL, List.of(row(entry, Map.of("id", entry.get("id"), "author", subjectA, "entry", "taken over"))))
                .then().statusCode(403);
        assertEquals(1L, ((Number) OwnerSql.single("SELECT count(*) FROM journal WHERE author = ?", subjectA)).longValue());
        assertEquals("first", OwnerSql.single("SELECT entry FROM journal WHERE author = ?", subjectA));
    }

    @Test
    void aPurgedTombstoneOfASubjectOwnedCollectionSendsOnlyItsOwnersOldCheckpointsBackToResync() throws Exception {
        String subjectA = "kc-" + UUID.randomUUID();
        TestUser a = externalUser(subjectA);
        TestUser b = externalUser("kc-" + UUID.randomUUID());
        Map<String, Object> doomed = Map.of("id", UUID.randomUUID().toString(), "author", subjectA, "entry", "doomed");
        push(a, JOURNAL, List.of(row(null, doomed))).then().statusCode(200);
        var before = pull(a, JOURNAL, 0, "", 10).then().statusCode(200).extract().jsonPath();
        Map<String, Object> stored = before.getMap("documents[0]"); // with the default the server gave it
        Map<String, Object> deleted = new java.util.HashMap<>(stored);
        deleted.put("_deleted", true);
        push(a, JOURNAL, List.of(row(stored, deleted))).then().statusCode(200).body("size()", equalTo(0));

        try (Connection c = OwnerSql.connect(); Statement s = c.createStatement()) {
            s.execute("SET session_replication_role = replica"); // the stamp trigger would reset updated_at
            s.execute("UPDATE journal SET updated_at = now() - interval '400 days' WHERE id = '" + doomed.get("id") + "'");
            s.execute("SET session_replication_role = origin");
            try (ResultSet rs = s.executeQuery("SELECT rxsync_purge_tombstones('journal', interval '1 day')")) {
                assertTrue(rs.next());
                assertTrue(rs.getLong(1) >= 1, "the tombstone was purged");
            }
        }
        assertEquals(0L, ((Number) OwnerSql.single("SELECT count(*) FROM journal WHERE author = ?", subjectA)).longValue());
        pull(a, JOURNAL, before.get("checkpoint.lwt"), before.getString("checkpoint.id"), 10)
                .then().statusCode(410).body("code", equalTo(410));
        pull(a, JOURNAL, 0, "", 10).then().statusCode(200).body("documents.size()", equalTo(0));
        // another owner's checkpoint is not sent back
        pull(b, JOURNAL, before.get("checkpoint.lwt"), before.getString("checkpoint.id"), 10).then().statusCode(200);
    }

    /** In the open transaction, as the runtime role: declare the caller, read what the policy lets through. */
    private static List<String> notesSeenBy(Connection db, String userId) throws Exception {
        try (PreparedStatement actFor = db.prepareStatement("SELECT rxsync_act_for(?)")) {
            actFor.setString(1, userId);
            try (ResultSet rs = actFor.executeQuery()) {
                assertTrue(rs.next() && rs.getBoolean(1));
            }
        }
        List<String> bodies = new ArrayList<>();
        try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery("SELECT body FROM team_notes ORDER BY body")) {
            while (rs.next()) {
                bodies.add(rs.getString(1));
            }
        }
        return bodies;
    }

    /** Runs the requests at once (as many threads as requests); their answers in order. */
    private static <T> List<T> concurrently(List<Callable<T>> requests) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(requests.size());
        try {
            List<T> answers = new ArrayList<>();
            for (Future<T> f : pool.invokeAll(requests)) {
                answers.add(f.get());
            }
            return answers;
        } finally {
            pool.shutdown();
        }
    }

    private TestUser externalUser(String subject) {
        String token = provider.sign(provider.claims(subject));
        return new TestUser((String) me(token).get("userId"), token, null);
    }

    private static Map<?, ?> me(String token) {
        return given().header("Authorization", "Bearer " + token).get("/api/v1/auth/me")
                .then().statusCode(200).extract().as(Map.class);
    }
}
