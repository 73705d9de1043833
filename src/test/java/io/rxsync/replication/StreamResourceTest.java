package io.rxsync.replication;

import static io.rxsync.support.Api.ORDERS;
import static io.rxsync.support.Api.order;
import static io.rxsync.support.Api.pushOk;
import static io.rxsync.support.Api.register;
import static io.rxsync.support.Api.row;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.rxsync.support.Api.TestUser;
import io.rxsync.support.HeldOpenWriter;
import io.rxsync.support.SseClient;
import io.smallrye.jwt.build.Jwt;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;
import java.net.URL;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The live stream over real HTTP: routing by owner, heartbeats, commit order, expiry. */
@QuarkusTest
class StreamResourceTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @TestHTTPResource(ORDERS + "/pullStream")
    URL streamUrl;

    @Inject
    Pool pool;

    @Inject
    ObjectMapper json;

    @Test
    void aSubscriberReceivesItsOwnChangesAndNobodyElses() throws Exception {
        TestUser alice = register();
        TestUser bob = register();
        try (SseClient aliceStream = open(alice); SseClient bobStream = open(bob)) {
            Map<String, Object> doc = order(alice, "pending", 10);
            pushOk(alice, List.of(row(null, doc)));

            JsonNode frame = json.readTree(aliceStream.nextFrame(WAIT));
            assertEquals(doc.get("id"), frame.at("/documents/0/id").asText());
            assertEquals(doc.get("id"), frame.at("/checkpoint/id").asText());
            assertTrue(frame.at("/checkpoint/lwt").isIntegralNumber());

            Map<String, Object> bobsDoc = order(bob, "paid", 20);
            pushOk(bob, List.of(row(null, bobsDoc)));
            JsonNode bobFrame = json.readTree(bobStream.nextFrame(WAIT));
            assertEquals(bobsDoc.get("id"), bobFrame.at("/documents/0/id").asText());
            assertNull(aliceStream.nextFrame(Duration.ofSeconds(1)), "alice never sees bob's order");
            assertEquals(0, bobStream.frames.size(), "bob saw only his own frame");
            assertTrue(aliceStream.otherLines.isEmpty(), "no named events: " + aliceStream.otherLines);
        }
    }

    @Test
    void heartbeatsAreComments() throws Exception {
        try (SseClient stream = open(register())) {
            // the first comment is sent at once; the next come on the heartbeat timer (1 s in tests)
            assertEquals("ping", stream.comments.poll(3, TimeUnit.SECONDS));
            assertEquals("ping", stream.comments.poll(3, TimeUnit.SECONDS));
            assertEquals("ping", stream.comments.poll(3, TimeUnit.SECONDS));
        }
    }

    @Test
    void framesNeverCarryACheckpointPastAnOpenTransaction() throws Exception {
        TestUser user = register();
        try (SseClient stream = open(user)) {
            try (HeldOpenWriter slow = HeldOpenWriter.insertOrderFor(pool, user.id())) {
                String slowId = slow.orderId();
                Map<String, Object> fast = order(user, "paid", 2);
                pushOk(user, List.of(row(null, fast)));

                assertNull(stream.nextFrame(Duration.ofSeconds(2)),
                        "the committed write waits behind the open one instead of moving the checkpoint past it");

                slow.commit();

                List<String> ids = new ArrayList<>();
                List<Long> positions = new ArrayList<>();
                while (ids.size() < 2) {
                    String raw = stream.nextFrame(WAIT);
                    assertNotNull(raw, "both changes arrive after the commit, received " + ids);
                    JsonNode frame = json.readTree(raw);
                    frame.get("documents").forEach(d -> ids.add(d.get("id").asText()));
                    positions.add(frame.at("/checkpoint/lwt").asLong());
                }
                assertEquals(List.of(slowId, fast.get("id")), ids, "in commit-order position: the slow writer's xid is lower");
                assertEquals(positions.stream().sorted().toList(), positions, "checkpoints only move forward");
            }
        }
    }

    @Test
    void theServerClosesTheStreamWhenTheTokenExpires() throws Exception {
        TestUser user = register();
        String shortLived = Jwt.subject(user.id()).issuer("rxsync").expiresIn(2).sign();
        try (SseClient stream = new SseClient(streamUrl.toString(), "Bearer " + shortLived)) {
            assertEquals(200, stream.status);
            stream.closed.get(10, TimeUnit.SECONDS);
        }
        Thread.sleep(2500);
        given().header("Authorization", "Bearer " + shortLived).get(ORDERS + "/pullStream")
                .then().statusCode(401).body("error", equalTo(true));
    }

    @Test
    void aStreamWithoutCredentialsIsRefusedBeforeItStarts() throws Exception {
        try (SseClient stream = new SseClient(streamUrl.toString(), "Bearer nope")) {
            assertEquals(401, stream.status);
        }
    }

    private SseClient open(TestUser user) throws Exception {
        SseClient stream = new SseClient(streamUrl.toString(), user.bearer());
        assertEquals(200, stream.status);
        // the first ping means the subscription is registered
        assertEquals("ping", stream.comments.poll(5, TimeUnit.SECONDS));
        return stream;
    }
}
