package io.rxsync.bench;

import static io.rxsync.bench.Report.f0;
import static io.rxsync.bench.Report.f1;
import static io.rxsync.bench.Report.f2;

import com.aayushatharva.brotli4j.Brotli4jLoader;
import com.aayushatharva.brotli4j.decoder.Decoder;
import com.aayushatharva.brotli4j.decoder.DecoderJNI;
import com.aayushatharva.brotli4j.decoder.DirectDecompress;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;

/**
 * Bytes on the wire (issue 17): full initial syncs of the pull user's orders, plain, in gzip
 * and in brotli, at pages of 100 and 1,000, with the service's CPU next to each; then the
 * same sync over a throttled link, a client that reads the socket at a fixed rate, so that
 * what a phone gains is visible and not only what compressing costs on loopback. Run on its
 * own ({@code src/bench/run.sh wire}); its results go between their own markers of
 * BENCHMARKS.md, so the other phases' results stay.
 */
public final class WireBench {

    private static final int[] PULL_BATCHES = {100, 1000};
    private static final int[] CLIENTS = {1, 4};
    /** What the client sends as Accept-Encoding, by the name the table shows. */
    private static final String[][] ENCODINGS = {{"plain", null}, {"gzip", "gzip"}, {"brotli", "br"}};

    private final Options options;
    private final int throttledOrders;
    private final int linkKbitPerSecond;
    private final Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
    private final Report report = new Report("wire-results");

    private WireBench(Options options) {
        this.options = options;
        this.throttledOrders = Integer.parseInt(env("BENCH_THROTTLED_ORDERS", "10000"));
        this.linkKbitPerSecond = Integer.parseInt(env("BENCH_LINK_KBIT", "2000"));
    }

    public static void main(String[] args) throws Exception {
        Brotli4jLoader.ensureAvailability();
        new WireBench(Options.fromEnvironment()).run();
    }

    private void run() throws Exception {
        log("wire benchmark, database " + options.database() + ", " + options.orders() + " orders");
        BenchDatabase.recreate(options.database());
        Service.start(options, "service-wire-migrate.log").close();
        String token;
        try (BenchDatabase db = BenchDatabase.open(options.database())) {
            db.seedUsers(2);
            seedLikeRealOrders(db, BenchDatabase.PULL_USER, options.orders());
            seedLikeRealOrders(db, BenchDatabase.PUSH_USER, throttledOrders);
            db.analyze();
            report.line("Run of " + Instant.now().toString().substring(0, 16).replace('T', ' ') + " UTC; command `"
                    + "BENCH_ORDERS=" + options.orders() + " BENCH_THROTTLED_ORDERS=" + throttledOrders + " BENCH_LINK_KBIT="
                    + linkKbitPerSecond + " src/bench/run.sh wire`; PostgreSQL " + db.postgresVersion()
                    + "; service, PostgreSQL and client on one machine (2 cores). Load average before: "
                    + ProcStats.loadAverage() + ".");
        }
        token = new Tokens(options.keysDir()).forUser(BenchDatabase.userId(BenchDatabase.PULL_USER));
        String phoneToken = new Tokens(options.keysDir()).forUser(BenchDatabase.userId(BenchDatabase.PUSH_USER));
        try (Service service = Service.start(options, "service-wire.log")) {
            loopback(service, token);
            throttled(service, phoneToken);
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
        report.writeTo(options.report());
        log("results written to " + options.report());
    }

    /**
     * Orders as compressible as real ones: random ids (the main run's numbered ids and
     * repeated texts compress far better than anything a user writes), a few statuses and
     * currencies, a note and a payment reference with random parts.
     */
    private static void seedLikeRealOrders(BenchDatabase db, int user, int count) throws Exception {
        db.execute("SET session_replication_role = replica"); // as BenchDatabase seeds: no triggers, no NOTIFY
        db.execute("""
                INSERT INTO orders (id, user_id, status, total_cents, currency, note, metadata)
                SELECT gen_random_uuid(), '%s'::uuid,
                       (ARRAY['pending', 'paid', 'shipped', 'cancelled'])[1 + floor(random() * 4)::int],
                       floor(random() * 100000)::int, (ARRAY['EUR', 'USD', 'GBP'])[1 + floor(random() * 3)::int],
                       'Order ' || g || ' for ' || (ARRAY['Ada', 'Grace', 'Linus', 'Barbara', 'Ken'])[1 + floor(random() * 5)::int]
                           || ', ' || (1 + floor(random() * 20)::int) || ' items',
                       jsonb_build_object('channel', (ARRAY['web', 'ios', 'android'])[1 + floor(random() * 3)::int],
                                          'paymentRef', 'pay_' || substr(md5(random()::text), 1, 16))
                FROM generate_series(1, %d) g""".formatted(BenchDatabase.userId(user), count));
        db.execute("SET session_replication_role = origin");
    }

    /** Full initial syncs on loopback: what compressing costs the service, and what it saves. */
    private void loopback(Service service, String token) throws Exception {
        List<List<String>> rows = new ArrayList<>();
        try (WireClient client = new WireClient(vertx, options.port(), 16, 0)) {
            log("warm-up");
            for (String[] encoding : ENCODINGS) {
                for (int batch : PULL_BATCHES) {
                    await(client.pullAll(token, batch, encoding[1], new Totals()));
                }
            }
            String load = ProcStats.loadAverage();
            for (int clients : CLIENTS) {
                for (int batch : PULL_BATCHES) {
                    for (String[] encoding : ENCODINGS) {
                        log("loopback: " + clients + " clients, batch " + batch + ", " + encoding[0]);
                        Totals totals = new Totals();
                        ProcStats.Window cpu = new ProcStats.Window(service.pid());
                        double serviceCpu0 = ProcStats.cpuSeconds(service.pid());
                        List<Future<Totals>> syncs = new ArrayList<>();
                        for (int i = 0; i < clients; i++) {
                            syncs.add(client.pullAll(token, batch, encoding[1], totals));
                        }
                        for (Future<Totals> sync : syncs) {
                            await(sync);
                        }
                        double serviceCpu = ProcStats.cpuSeconds(service.pid()) - serviceCpu0;
                        cpu.stop();
                        totals.expect((long) clients * options.orders());
                        rows.add(List.of(Integer.toString(clients), Integer.toString(batch), encoding[0],
                                f1(totals.wireBytes / 1e6), f0((double) totals.wireBytes / totals.documents),
                                f1((double) totals.plainBytes / totals.wireBytes) + "×",
                                f0(totals.documents / cpu.seconds()),
                                f1(1e6 * serviceCpu / totals.documents), cpu.summary()));
                    }
                }
            }
            report.heading("Bytes on the wire: full initial sync of " + f0(options.orders()) + " orders (loopback)")
                    .line("Each client pulls all of one user's " + f0(options.orders()) + " orders from the first "
                            + "checkpoint, sending `Accept-Encoding` as named (brotli: `br`); the client counts the "
                            + "body bytes as they arrive and decodes them. Wire MB and bytes per document are per "
                            + "sync. Service CPU per document is the service's process CPU over the run divided by "
                            + "the documents sent: its difference between rows is what compressing costs. Load "
                            + "average before: " + load + ".").line("")
                    .table(List.of("clients", "page", "encoding", "wire MB per sync", "bytes/doc", "ratio", "docs/s",
                            "service CPU µs/doc", "CPU % client / service / machine"), rows);
        }
    }

    /** The same sync through a link of a phone's speed: a client that reads at a fixed rate. */
    private void throttled(Service service, String token) throws Exception {
        List<List<String>> rows = new ArrayList<>();
        long bytesPerSecond = linkKbitPerSecond * 1000L / 8;
        try (WireClient client = new WireClient(vertx, options.port(), 1, bytesPerSecond)) {
            for (int batch : PULL_BATCHES) {
                for (String[] encoding : ENCODINGS) {
                    log("throttled: batch " + batch + ", " + encoding[0]);
                    Totals totals = new Totals();
                    long start = System.nanoTime();
                    await(client.pullAll(token, batch, encoding[1], totals));
                    double seconds = (System.nanoTime() - start) / 1e9;
                    totals.expect(throttledOrders);
                    rows.add(List.of(Integer.toString(batch), encoding[0], f2(totals.wireBytes / 1e6),
                            f1(seconds), f0(totals.documents / seconds)));
                }
            }
        }
        report.heading("Bytes on the wire: a phone's first sync at " + f1(linkKbitPerSecond / 1000.0) + " Mbit/s")
                .line("One client pulls " + f0(throttledOrders) + " orders and reads the socket at "
                        + f1(linkKbitPerSecond / 1000.0) + " Mbit/s (a token bucket on the Vert.x client pauses "
                        + "the response until the link would have delivered the bytes read so far; loopback "
                        + "otherwise). The time is the whole sync, first request to last byte.").line("")
                .table(List.of("page", "encoding", "wire MB", "sync time (s)", "docs/s"), rows);
    }

    /** What a set of syncs received. Updated on the client's event loops. */
    static final class Totals {
        long documents;
        long pages;
        long wireBytes;
        long plainBytes;

        synchronized void add(int documents, long wireBytes, long plainBytes) {
            this.documents += documents;
            this.pages++;
            this.wireBytes += wireBytes;
            this.plainBytes += plainBytes;
        }

        void expect(long documents) {
            if (this.documents != documents) {
                throw new IllegalStateException("pulled " + this.documents + " documents, expected " + documents);
            }
        }
    }

    /**
     * Pulls with a chosen Accept-Encoding and decodes the page itself (the Vert.x client is
     * not told to decompress, so it hands over the bytes as they crossed the wire), at an
     * optional read rate in bytes per second (0: as fast as it comes).
     */
    static final class WireClient implements AutoCloseable {

        private final Vertx vertx;
        private final HttpClient http;
        private final long bytesPerSecond;

        WireClient(Vertx vertx, int port, int connections, long bytesPerSecond) {
            this.vertx = vertx;
            this.bytesPerSecond = bytesPerSecond;
            this.http = vertx.createHttpClient(new HttpClientOptions()
                            .setDefaultHost("127.0.0.1").setDefaultPort(port)
                            .setKeepAlive(true).setConnectTimeout(30_000).setIdleTimeout(0),
                    new PoolOptions().setHttp1MaxSize(connections).setMaxWaitQueueSize(-1));
        }

        Future<Totals> pullAll(String token, int limit, String acceptEncoding, Totals totals) {
            Promise<Totals> done = Promise.promise();
            pullFrom(token, limit, acceptEncoding, null, null, totals, done);
            return done.future();
        }

        private void pullFrom(String token, int limit, String acceptEncoding, String lwt, String id, Totals totals,
                              Promise<Totals> done) {
            String uri = SyncClient.BASE + "/pull?limit=" + limit
                    + (lwt == null ? "" : "&lwt=" + lwt + "&id=" + URLEncoder.encode(id, StandardCharsets.UTF_8));
            http.request(HttpMethod.GET, uri)
                    .compose(req -> {
                        req.putHeader("Authorization", "Bearer " + token);
                        if (acceptEncoding != null) {
                            req.putHeader("Accept-Encoding", acceptEncoding);
                        }
                        return req.send();
                    })
                    .compose(this::body)
                    .onFailure(done::fail)
                    .onSuccess(page -> {
                        SyncClient.Page parsed = SyncClient.parsePage(page.plain);
                        totals.add(parsed.documents(), page.wireBytes, page.plain.length());
                        if (parsed.documents() < limit) {
                            done.complete(totals);
                        } else {
                            pullFrom(token, limit, acceptEncoding, parsed.lwt(), parsed.id(), totals, done);
                        }
                    });
        }

        private record Body(long wireBytes, Buffer plain) {
        }

        /** Reads the body, at the link's rate if there is one, and decodes it. */
        private Future<Body> body(HttpClientResponse resp) {
            if (resp.statusCode() != 200) {
                return resp.body().compose(b -> Future.failedFuture("pull answered " + resp.statusCode() + ": " + b));
            }
            String encoding = resp.getHeader("Content-Encoding");
            Promise<Body> done = Promise.promise();
            Buffer wire = Buffer.buffer();
            long start = System.nanoTime();
            resp.handler(chunk -> {
                wire.appendBuffer(chunk);
                if (bytesPerSecond > 0) {
                    // the link has delivered wire.length() bytes only this long after the start
                    long dueNanos = start + wire.length() * 1_000_000_000L / bytesPerSecond;
                    long aheadMillis = (dueNanos - System.nanoTime()) / 1_000_000;
                    if (aheadMillis > 0) {
                        resp.pause();
                        vertx.setTimer(aheadMillis, t -> resp.resume());
                    }
                }
            });
            resp.exceptionHandler(done::tryFail);
            resp.endHandler(v -> {
                try {
                    done.complete(new Body(wire.length(), decode(encoding, wire)));
                } catch (RuntimeException e) {
                    done.fail(e);
                }
            });
            return done.future();
        }

        private static Buffer decode(String encoding, Buffer wire) {
            if (encoding == null || encoding.equals("identity")) {
                return wire;
            }
            if (encoding.equals("gzip")) {
                try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(wire.getBytes()))) {
                    return Buffer.buffer(in.readAllBytes());
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            if (encoding.equals("br")) {
                try {
                    DirectDecompress result = Decoder.decompress(wire.getBytes());
                    if (result.getResultStatus() != DecoderJNI.Status.DONE) {
                        throw new IllegalStateException("brotli: " + result.getResultStatus());
                    }
                    return Buffer.buffer(result.getDecompressedData());
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            throw new IllegalStateException("unexpected Content-Encoding " + encoding);
        }

        @Override
        public void close() {
            http.close();
        }
    }

    private static <T> T await(Future<T> future) throws Exception {
        return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.MINUTES);
    }

    private static void log(String message) {
        System.out.println("[wire " + Instant.now().toString().substring(11, 19) + "] " + message);
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }
}
