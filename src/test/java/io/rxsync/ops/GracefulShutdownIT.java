package io.rxsync.ops;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.restassured.http.ContentType;
import io.rxsync.support.ServerProcess;
import io.rxsync.support.SseClient;
import io.rxsync.support.TestDatabase;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * SIGTERM to the packaged jar, the way Kubernetes stops a pod: readiness goes down, the open
 * stream ends cleanly, a push in flight still gets its answer and its rows are stored while
 * the shutdown waits for it, and the process stops in order.
 */
class GracefulShutdownIT {

    private static final String DB = "rxsync_shutdown";

    @Test
    void streamsCloseCleanlyAndAnInFlightPushFinishes() throws Exception {
        ServerProcess.freshDatabase(DB);
        ServerProcess server = ServerProcess.start(DB, "-Dquarkus.shutdown.delay=2s");
        try {
            String base = server.baseUrl();
            Map<?, ?> session = given().baseUri(base).contentType(ContentType.JSON)
                    .body(Map.of("email", "shutdown-" + UUID.randomUUID() + "@example.test",
                            "password", "correct horse battery", "displayName", "S"))
                    .post("/api/v1/auth/register").then().statusCode(201).extract().as(Map.class);
            String userId = (String) session.get("userId");
            String bearer = "Bearer " + session.get("token");
            String orderId = UUID.randomUUID().toString();
            Map<String, Object> order = Map.of("id", orderId, "userId", userId, "status", "pending",
                    "totalCents", 100, "currency", "EUR", "_deleted", false);
            given().baseUri(base).header("Authorization", bearer).contentType(ContentType.JSON)
                    .body(List.of(Map.of("newDocumentState", order))).post("/api/v1/sync/orders/0/push")
                    .then().statusCode(200);

            try (SseClient stream = new SseClient(base + "/api/v1/sync/orders/0/pullStream", bearer);
                 Connection owner = TestDatabase.connect(DB)) {
                assertEquals(200, stream.status);
                // Hold the order's row lock so that the next push stays in flight until we let go.
                owner.setAutoCommit(false);
                try (Statement s = owner.createStatement()) {
                    s.execute("SELECT 1 FROM orders WHERE id = '" + orderId + "' FOR UPDATE");
                }
                String paidOrder = "{\"id\":\"" + orderId + "\",\"userId\":\"" + userId + "\",\"status\":\"paid\","
                        + "\"totalCents\":100,\"currency\":\"EUR\",\"_deleted\":false}";
                String pendingOrder = paidOrder.replace("\"paid\"", "\"pending\"");
                CompletableFuture<HttpResponse<String>> push = HttpClient.newHttpClient().sendAsync(
                        HttpRequest.newBuilder(URI.create(base + "/api/v1/sync/orders/0/push"))
                                .header("Authorization", bearer).header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(
                                        "[{\"assumedMasterState\":" + pendingOrder + ",\"newDocumentState\":" + paidOrder + "}]"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                await("the push waits for the row lock", () -> pushIsWaitingForALock());

                server.terminate();

                await("readiness is down", () -> status(base + "/q/health/ready") == 503);
                stream.closed.get(10, TimeUnit.SECONDS);
                assertTrue(stream.endedCleanly, "the stream ended as a complete response, not a broken connection");
                // after the delay Quarkus waits for the requests in flight (and closes keep-alive connections)
                await("the shutdown waits for requests in flight", () -> logContains(server, "Waiting for HTTP requests to complete"));
                assertTrue(!push.isDone(), "the push is still in flight");

                owner.commit(); // let the push through: shutdown must wait for it
                HttpResponse<String> answer = push.get(20, TimeUnit.SECONDS);
                assertEquals(200, answer.statusCode(), answer.body());
                assertEquals("[]", answer.body(), "no conflict");
            }
            // 0, or 143 (128 + SIGTERM) when the JVM's signal handler ran the shutdown: both after a
            // complete, orderly stop (the "stopped" line); Kubernetes treats either as normal.
            int exit = server.awaitExit(Duration.ofSeconds(30));
            assertTrue(exit == 0 || exit == 143, "exit code " + exit + ":\n" + server.log());
            assertTrue(server.log().contains("rxsync stopped in"), server.log());
            try (Connection db = TestDatabase.connect(DB);
                 PreparedStatement q = db.prepareStatement("SELECT status FROM orders WHERE user_id = ?::uuid")) {
                q.setString(1, userId);
                try (ResultSet rs = q.executeQuery()) {
                    assertTrue(rs.next());
                    assertEquals("paid", rs.getString(1), "the in-flight push was committed");
                }
            }
            String log = server.log();
            assertTrue(log.contains("closing the open streams"), log);
        } finally {
            server.close();
        }
    }

    private static boolean pushIsWaitingForALock() {
        try (Connection c = TestDatabase.connectToMaintenanceDatabase(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE datname = '"
                     + TestDatabase.name(DB) + "' AND wait_event_type = 'Lock'")) {
            rs.next();
            return rs.getInt(1) > 0;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean logContains(ServerProcess server, String text) {
        try {
            return server.log().contains(text);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int status(String url) {
        try {
            return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1; // no longer accepting connections
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        Instant deadline = Instant.now().plusSeconds(20);
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.sleep(50);
        }
    }
}
