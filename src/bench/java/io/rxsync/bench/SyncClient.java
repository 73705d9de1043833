package io.rxsync.bench;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.parsetools.RecordParser;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * An asynchronous replication client on the Vert.x HTTP client (non-blocking I/O, a few
 * event-loop threads for any number of connections): pull pages, push batches, open
 * pullStreams. It reads every byte the service sends and walks the JSON with a streaming
 * parser, counting documents and taking ids and checkpoints, without building objects:
 * cheap enough that the generator does not become the bottleneck (its CPU is reported).
 */
final class SyncClient implements AutoCloseable {

    static final String BASE = "/api/v1/sync/orders/0";
    private static final JsonFactory JSON = new JsonFactory();

    private final HttpClient http;

    SyncClient(Vertx vertx, int port, int connections) {
        http = vertx.createHttpClient(new HttpClientOptions()
                        .setDefaultHost("127.0.0.1").setDefaultPort(port)
                        .setKeepAlive(true).setConnectTimeout(30_000).setIdleTimeout(0),
                new PoolOptions().setHttp1MaxSize(connections).setMaxWaitQueueSize(-1));
    }

    /** A page as the client sees it: how many documents, and the checkpoint to continue from. */
    record Page(int documents, String lwt, String id) {
    }

    /** The next page after the checkpoint ({@code lwt == null}: the first). */
    Future<Page> pull(String token, int limit, String lwt, String id) {
        String uri = BASE + "/pull?limit=" + limit
                + (lwt == null ? "" : "&lwt=" + lwt + "&id=" + URLEncoder.encode(id, StandardCharsets.UTF_8));
        return http.request(HttpMethod.GET, uri)
                .compose(req -> req.putHeader("Authorization", "Bearer " + token).send())
                .compose(resp -> expectOk(resp, "pull"))
                .map(SyncClient::parsePage);
    }

    /**
     * A full initial sync: pages of {@code limit} from the first checkpoint until a short
     * page. Each page's round trip goes to {@code latencies}; completes with the document count.
     */
    Future<Long> pullAll(String token, int limit, Latencies latencies) {
        Promise<Long> done = Promise.promise();
        pullFrom(token, limit, null, null, 0, latencies, done);
        return done.future();
    }

    private void pullFrom(String token, int limit, String lwt, String id, long count, Latencies latencies,
                          Promise<Long> done) {
        long start = System.nanoTime();
        pull(token, limit, lwt, id).onFailure(done::fail).onSuccess(page -> {
            latencies.add(System.nanoTime() - start);
            long total = count + page.documents();
            if (page.documents() < limit) {
                done.complete(total);
            } else {
                pullFrom(token, limit, page.lwt(), page.id(), total, latencies, done);
            }
        });
    }

    /**
     * Pages of {@code limit} from the first checkpoint, starting over after a short page,
     * until {@code deadlineNanos} (System.nanoTime): a time-bounded sync, for a server too
     * slow for full syncs in the run's time. Completes with the document count.
     */
    Future<Long> pullUntil(String token, int limit, long deadlineNanos, Latencies latencies) {
        Promise<Long> done = Promise.promise();
        pullUntil(token, limit, null, null, 0, deadlineNanos, latencies, done);
        return done.future();
    }

    private void pullUntil(String token, int limit, String lwt, String id, long count, long deadlineNanos,
                           Latencies latencies, Promise<Long> done) {
        long start = System.nanoTime();
        pull(token, limit, lwt, id).onFailure(done::fail).onSuccess(page -> {
            latencies.add(System.nanoTime() - start);
            long total = count + page.documents();
            boolean last = page.documents() < limit;
            if (System.nanoTime() >= deadlineNanos) {
                done.complete(total);
            } else {
                pullUntil(token, limit, last ? null : page.lwt(), last ? null : page.id(), total, deadlineNanos,
                        latencies, done);
            }
        });
    }

    /** A GET that must answer 200 (the HTTP floor: a health route); completes with 0 documents. */
    Future<Integer> get(String path) {
        return http.request(HttpMethod.GET, path).compose(HttpClientRequest::send)
                .compose(resp -> expectOk(resp, path)).map(body -> 0);
    }

    /** Pushes a JSON array of rows; completes with the number of conflicts the service answered. */
    Future<Integer> push(String token, String body) {
        return http.request(HttpMethod.POST, BASE + "/push")
                .compose(req -> req.putHeader("Authorization", "Bearer " + token)
                        .putHeader("Content-Type", "application/json").send(Buffer.buffer(body)))
                .compose(resp -> expectOk(resp, "push"))
                .map(SyncClient::countArray);
    }

    /**
     * Opens a pullStream. {@code onDocumentIds} gets the ids of every frame's documents;
     * {@code onEnd} runs when the stream ends or breaks. Completes once the stream answered 200.
     */
    Future<Void> openStream(String token, Consumer<List<String>> onDocumentIds, Runnable onEnd) {
        return http.request(HttpMethod.GET, BASE + "/pullStream")
                .compose(req -> req.putHeader("Authorization", "Bearer " + token)
                        .putHeader("Accept", "text/event-stream").send())
                .compose(resp -> {
                    if (resp.statusCode() != 200) {
                        return resp.body().compose(b -> Future.failedFuture("pullStream answered "
                                + resp.statusCode() + ": " + b));
                    }
                    RecordParser lines = RecordParser.newDelimited("\n", line -> {
                        if (line.length() > 5 && line.getByte(0) == 'd') { // "data:"; comments (pings) start with ':'
                            onDocumentIds.accept(documentIds(line.getBytes(5, line.length())));
                        }
                    });
                    resp.handler(lines);
                    resp.endHandler(v -> onEnd.run());
                    resp.exceptionHandler(e -> onEnd.run());
                    return Future.succeededFuture();
                });
    }

    private static Future<Buffer> expectOk(HttpClientResponse resp, String what) {
        return resp.body().compose(body -> resp.statusCode() == 200
                ? Future.succeededFuture(body)
                : Future.failedFuture(what + " answered " + resp.statusCode() + ": " + body));
    }

    static Page parsePage(Buffer body) {
        try (JsonParser p = JSON.createParser(body.getBytes())) {
            int documents = 0;
            String lwt = null;
            String id = null;
            p.nextToken(); // {
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                if (field.equals("documents")) {
                    while (p.nextToken() == JsonToken.START_OBJECT) {
                        documents++;
                        p.skipChildren();
                    }
                } else if (field.equals("checkpoint")) {
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String name = p.currentName();
                        p.nextToken();
                        if (name.equals("lwt")) {
                            lwt = p.getText();
                        } else if (name.equals("id")) {
                            id = p.getText();
                        }
                    }
                } else {
                    p.skipChildren();
                }
            }
            return new Page(documents, lwt, id);
        } catch (IOException e) {
            throw new IllegalStateException("unreadable pull page", e);
        }
    }

    private static int countArray(Buffer body) {
        try (JsonParser p = JSON.createParser(body.getBytes())) {
            int n = 0;
            p.nextToken(); // [
            while (p.nextToken() == JsonToken.START_OBJECT) {
                n++;
                p.skipChildren();
            }
            return n;
        } catch (IOException e) {
            throw new IllegalStateException("unreadable push answer", e);
        }
    }

    /** The "id" of each document of a stream frame {@code {documents:[…], checkpoint}}. */
    private static List<String> documentIds(byte[] frame) {
        List<String> ids = new ArrayList<>();
        try (JsonParser p = JSON.createParser(frame)) {
            p.nextToken();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                if (!field.equals("documents")) {
                    p.skipChildren();
                    continue;
                }
                while (p.nextToken() == JsonToken.START_OBJECT) {
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String name = p.currentName();
                        p.nextToken();
                        if (name.equals("id")) {
                            ids.add(p.getText());
                        } else {
                            p.skipChildren();
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("unreadable stream frame", e);
        }
        return ids;
    }

    @Override
    public void close() {
        http.close().toCompletionStage().toCompletableFuture().join();
    }
}
