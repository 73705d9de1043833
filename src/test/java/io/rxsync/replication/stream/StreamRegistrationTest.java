package io.rxsync.replication.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.rxsync.replication.CollectionRegistry;
import io.rxsync.support.Api;
import io.rxsync.support.SseClient;
import jakarta.inject.Inject;
import java.net.URL;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A client starts its catch-up pull (RESYNC) when the stream's response headers arrive. The
 * stream must already be registered with its pump by then: a change committed between that
 * pull and a later registration reached neither (the next frame's checkpoint then passed it).
 * Quarkus REST writes the headers of an SSE answer before it subscribes to the stream, so
 * registration cannot wait for the subscription.
 */
@QuarkusTest
class StreamRegistrationTest {

    /** Long enough for a response already on its way to reach the client, even on a busy machine. */
    private static final long HOLD_MS = 1_500;

    @TestHTTPResource(Api.ORDERS + "/pullStream")
    URL streamUrl;

    @Inject
    ChangePumps pumps;

    @Inject
    CollectionRegistry registry;

    @AfterEach
    void releaseSeam() {
        pumps.of(registry.resolve("orders", 0)).beforeSubscriberAdded(() -> { });
    }

    @Test
    void theStreamIsRegisteredBeforeItsClientSeesTheResponse() throws Exception {
        Api.TestUser user = Api.register();
        AtomicBoolean clientSawResponse = new AtomicBoolean();
        AtomicBoolean registeredAfterResponse = new AtomicBoolean();
        CountDownLatch registered = new CountDownLatch(1);
        pumps.of(registry.resolve("orders", 0)).beforeSubscriberAdded(() -> {
            try {
                Thread.sleep(HOLD_MS); // test seam only: holds the registration back
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            registeredAfterResponse.set(clientSawResponse.get());
            registered.countDown();
        });

        try (SseClient stream = new SseClient(streamUrl.toString(), user.bearer())) {
            clientSawResponse.set(true); // the constructor returns once the status and headers are in
            assertEquals(200, stream.status);
            assertTrue(registered.await(20, TimeUnit.SECONDS), "the stream never registered");
            assertFalse(registeredAfterResponse.get(),
                    "the client saw the stream's response (and would start its catch-up pull) before the stream was registered");
        }
    }
}
