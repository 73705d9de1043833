package io.rxsync.support;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A minimal SSE reader for tests: every {@code data:} line lands in {@link #frames},
 * every comment in {@link #comments}; {@link #closed} completes when the server ends
 * the stream.
 */
public final class SseClient implements AutoCloseable {

    public final BlockingQueue<String> frames = new LinkedBlockingQueue<>();
    public final BlockingQueue<String> comments = new LinkedBlockingQueue<>();
    public final CompletableFuture<Void> closed = new CompletableFuture<>();
    /** True once the server ended the stream properly (end of the response), false if the connection broke. */
    public volatile boolean endedCleanly;
    /** Every data line with the name of its event (null when unnamed), in order. */
    public final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    /** Every line that was neither data nor a comment (an SSE `event:` name, say). */
    public final BlockingQueue<String> otherLines = new LinkedBlockingQueue<>();
    public final int status;
    private final Thread reader;
    private final HttpResponse<java.io.InputStream> response;

    public SseClient(String url, String bearer) throws Exception {
        this(url, bearer, Map.of());
    }

    /** With more request headers (an Accept-Encoding, say); the body is read as it comes, never decoded. */
    public SseClient(String url, String bearer, Map<String, String> headers) throws Exception {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).header("Accept", "text/event-stream").GET();
        if (bearer != null) { // null: no Authorization header at all
            request.header("Authorization", bearer);
        }
        headers.forEach(request::header);
        response = client.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        status = response.statusCode();
        reader = new Thread(this::read, "sse-test-reader");
        reader.setDaemon(true);
        reader.start();
    }

    private void read() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            String line;
            String name = null;
            while ((line = in.readLine()) != null) {
                if (line.startsWith("data:")) {
                    frames.add(line.substring(5).strip());
                    events.add(new Event(name, line.substring(5).strip()));
                } else if (line.startsWith(":")) {
                    comments.add(line.substring(1).strip());
                } else if (line.isEmpty()) {
                    name = null; // the end of an event
                } else {
                    otherLines.add(line);
                    if (line.startsWith("event:")) {
                        name = line.substring(6).strip();
                    }
                }
            }
            endedCleanly = true;
        } catch (Exception ignored) {
            // closed by the test
        } finally {
            closed.complete(null);
        }
    }

    /** One data line and the name of its event. */
    public record Event(String name, String data) {
    }

    public Event nextEvent(Duration timeout) throws InterruptedException {
        return events.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    public HttpHeaders headers() {
        return response.headers();
    }

    public String nextFrame(Duration timeout) throws InterruptedException {
        return frames.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() throws Exception {
        response.body().close();
    }
}
