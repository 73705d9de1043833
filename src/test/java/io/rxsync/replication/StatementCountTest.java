package io.rxsync.replication;

import static io.restassured.RestAssured.given;
import static io.rxsync.support.Api.order;
import static io.rxsync.support.Api.pullOk;
import static io.rxsync.support.Api.pushOk;
import static io.rxsync.support.Api.register;
import static io.rxsync.support.Api.row;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.rxsync.support.Api.TestUser;
import io.rxsync.support.PgStatementRecorder;
import io.rxsync.support.StatementRecorderResource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

@QuarkusTest
@TestProfile(StatementCountTest.Recorded.class)
class StatementCountTest {

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

    @Test
    void explore() throws Exception {
        PgStatementRecorder rec = StatementRecorderResource.recorder();
        TestUser user = register();
        int mark = rec.mark();
        given().contentType(ContentType.JSON).body(Map.of("email", user.email(), "password", "correct horse battery"))
                .post("/api/v1/auth/login").then().statusCode(200);
        System.out.println("LOGIN " + rec.settledSince(mark, 300));
        List<Map<String, Object>> rows = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            rows.add(row(null, order(user, "pending", i)));
        }
        mark = rec.mark();
        pushOk(user, rows);
        System.out.println("PUSH " + rec.settledSince(mark, 300));
        mark = rec.mark();
        assertEquals(100, pullOk(user, 0, "", 1000).documents().size());
        System.out.println("PULL " + rec.settledSince(mark, 300));
    }
}
