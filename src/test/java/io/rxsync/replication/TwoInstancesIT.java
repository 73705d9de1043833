package io.rxsync.replication;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.restassured.http.ContentType;
import io.rxsync.support.ServerProcess;
import io.rxsync.support.SseClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two packaged instances on one database: a change pushed through one reaches a stream
 * held by the other, with no state shared but PostgreSQL.
 */
class TwoInstancesIT {

    private static final String DB = "rxsync_it_two";
    private static ServerProcess first;
    private static ServerProcess second;
    private final ObjectMapper json = new ObjectMapper();

    @BeforeAll
    static void startBoth() throws Exception {
        ServerProcess.freshDatabase(DB);
        first = ServerProcess.start(DB);
        second = ServerProcess.start(DB);
    }

    @AfterAll
    static void stopBoth() throws Exception {
        if (second != null) {
            second.close();
        }
        if (first != null) {
            first.close();
        }
    }

    @Test
    void aPushThroughOneInstanceReachesAStreamOnTheOther() throws Exception {
        Map<?, ?> session = given().baseUri(first.baseUrl()).contentType(ContentType.JSON)
                .body(Map.of("email", "two-" + UUID.randomUUID() + "@example.test", "password", "a long passphrase",
                        "displayName", "Two"))
                .post("/api/v1/auth/register").then().statusCode(201).extract().as(Map.class);
        String bearer = "Bearer " + session.get("token");
        String userId = (String) session.get("userId");

        try (SseClient stream = new SseClient(first.baseUrl() + "/api/v1/sync/orders/0/pullStream", bearer)) {
            assertEquals(200, stream.status);
            assertEquals("ping", stream.comments.poll(5, TimeUnit.SECONDS));

            String id = UUID.randomUUID().toString();
            Map<String, Object> doc = Map.of("id", id, "userId", userId, "status", "pending", "totalCents", 7,
                    "currency", "USD", "_deleted", false);
            given().baseUri(second.baseUrl()).header("Authorization", bearer).contentType(ContentType.JSON)
                    .body(List.of(Map.of("newDocumentState", doc)))
                    .post("/api/v1/sync/orders/0/push").then().statusCode(200);

            String raw = stream.nextFrame(Duration.ofSeconds(10));
            assertNotNull(raw, "the frame crossed instances");
            JsonNode frame = json.readTree(raw);
            assertEquals(id, frame.at("/documents/0/id").asText());
            assertTrue(frame.at("/checkpoint/lwt").asLong() > 0);
        }
    }
}
