package io.rxsync.bench;

import static io.rxsync.bench.Report.f0;
import static io.rxsync.bench.Report.f1;
import static io.rxsync.bench.Report.f2;
import static io.rxsync.bench.Report.percent;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The benchmark of issue 7, in one run on one machine: startup, pull, push, stream and
 * growth, each next to its raw-SQL ceiling where there is one. src/bench/run.sh builds and
 * starts it; the results go into BENCHMARKS.md.
 */
public final class Bench {

    private static final int PUSH_BATCH = 100;
    private static final int[] CLIENTS = {1, 16};
    private static final int[] PULL_BATCHES = {100, 1000};

    private final Options options;
    private final Tokens tokens;
    private final Vertx vertx;
    private final PgBench pgbench;
    private final Report report = new Report();
    private final List<List<String>> goals = new ArrayList<>();
    /** rxsync's documents per second and its ratio to the raw-SQL ceiling, by pullKey / pushKey: the peer's table quotes them. */
    private final Map<String, Double> rxsyncRates = new HashMap<>();
    private final Map<String, Double> rawRatios = new HashMap<>();
    /** rxsync's one-document pull (fixed-cost phase), quoted next to the peer's. */
    private Measured rxsyncOneDocumentPull;
    private BenchDatabase db;
    private Service service;

    private Bench(Options options) throws Exception {
        this.options = options;
        this.tokens = new Tokens(options.keysDir());
        this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
        this.pgbench = new PgBench(options);
    }

    public static void main(String[] args) throws Exception {
        Options options = Options.fromEnvironment();
        Files.createDirectories(options.workDir());
        Bench bench = new Bench(options);
        try {
            bench.run();
        } finally {
            bench.shutdown();
        }
    }

    private void run() throws Exception {
        log("benchmark database " + options.database() + "; " + options.describe());
        BenchDatabase.recreate(options.database());
        db = BenchDatabase.open(options.database());
        header();
        if (options.runs("startup")) {
            startup();
        } else {
            Service.start(options, "service-migrate.log").close(); // the first start migrates the empty database
        }
        seed();
        phase("pull", this::pull);
        phase("push", this::push);
        phase("fixed", this::fixedCost);
        phase("peer", this::peer);
        phase("stream", this::stream);
        phase("growth", this::growth);
        report.heading("Goals").table(List.of("goal", "measured", "met"), goals);
        report.writeTo(options.report());
        log("results written to " + options.report());
    }

    private interface Phase {
        void run() throws Exception;
    }

    /** Runs one phase if selected; a failure is reported and the next phase still runs. */
    private void phase(String name, Phase phase) throws Exception {
        if (!options.runs(name)) {
            return;
        }
        try {
            phase.run();
        } catch (Exception e) {
            log(name + " failed: " + e);
            e.printStackTrace();
            report.heading(name + ": FAILED").line("`" + e + "` (see the generator's output)");
            goals.add(List.of(name, "the phase failed", "**no**"));
            if (service == null || !service.isAlive()) {
                service = Service.start(options, "service-after-" + name + ".log");
            }
        }
    }

    // ---------------------------------------------------------------------------------
    // What ran where

    private void header() throws Exception {
        String cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                .filter(l -> l.startsWith("model name")).findFirst().map(l -> l.replaceFirst(".*:\\s*", "")).orElse("?");
        String memory = Files.readAllLines(Path.of("/proc/meminfo")).get(0).replaceAll("\\D", "");
        report.line("Run of " + Instant.now().toString().substring(0, 16).replace('T', ' ') + " UTC"
                + (options.fullScale() ? ", at the issue's sizes." : ", **SMALL-SCALE SMOKE RUN: not the issue's sizes; "
                + "the goals are not judged on it.**"));
        report.line("");
        report.line("- Command: `" + command() + "`");
        report.line("- Sizes: " + options.describe());
        report.line("- Machine: " + cpu + ", " + Runtime.getRuntime().availableProcessors() + " cores, "
                + Math.round(Long.parseLong(memory) / 1024.0 / 1024.0) + " GiB RAM, Linux "
                + System.getProperty("os.version") + "; service, PostgreSQL and load generator on the same machine");
        report.line("- Java " + System.getProperty("java.runtime.version") + " (service and generator); service JVM options: "
                + (options.serverJvmOptions().isBlank() ? "none (JVM defaults)" : "`" + options.serverJvmOptions() + "`")
                + (options.serverJvmOptions().startsWith(Options.IMAGE_JVM_OPTIONS)
                        ? " (the container image's, for the manifests' 512 MiB limit)" : ""));
        report.line("- PostgreSQL " + db.postgresVersion() + " (synchronous_commit=" + show("synchronous_commit")
                + ", shared_buffers=" + show("shared_buffers") + "), " + run("pgbench", "--version").strip());
        report.line("- rxsync " + options.appDir().resolve("quarkus-run.jar") + " (Quarkus " + libVersion("io.quarkus.quarkus-core-")
                + ", Vert.x " + libVersion("io.vertx.vertx-core-") + "); generator: Vert.x HTTP client, 2 event loops");
        report.line("- CPU columns: generator / service / whole machine, in % of one core over the measurement "
                + "(2 cores = 200 %; machine minus the other two is mostly PostgreSQL). For a pgbench ceiling the "
                + "generator is pgbench.");
    }

    private String command() {
        StringBuilder env = new StringBuilder();
        new TreeMap<>(System.getenv()).forEach((k, v) -> {
            if (k.startsWith("BENCH_") && !k.equals("BENCH_APP_DIR") && !k.equals("BENCH_KEYS_DIR")
                    && !k.equals("BENCH_WORK_DIR")) {
                env.append(k).append('=').append(v.contains(" ") ? "'" + v + "'" : v).append(' ');
            }
        });
        return env + "src/bench/run.sh";
    }

    private String show(String setting) throws Exception {
        try (var s = java.sql.DriverManager.getConnection(BenchDatabase.jdbcUrl(options.database()), "postgres", "")
                .createStatement(); var rs = s.executeQuery("SHOW " + setting)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private String libVersion(String prefix) throws Exception {
        try (var files = Files.list(options.appDir().resolve("lib/main"))) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(prefix)).findFirst()
                    .map(n -> n.substring(prefix.length(), n.length() - 4)).orElse("?");
        }
    }

    private static String run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor();
        return out;
    }

    // ---------------------------------------------------------------------------------
    // Startup: time to ready and memory of the packaged service

    private void startup() throws Exception {
        log("startup");
        String load = ProcStats.loadAverage();
        List<List<String>> rows = new ArrayList<>();
        try (Service first = Service.start(options, "service-first-start.log")) {
            rows.add(List.of("first start, empty database (runs every migration)", Long.toString(first.readyMillis()),
                    f2(first.quarkusStartedSeconds()), f0(first.rssMiB())));
        }
        for (int i = 1; i <= 3; i++) {
            try (Service again = Service.start(options, "service-start-" + i + ".log")) {
                double rssAtReady = again.rssMiB();
                Thread.sleep(5000);
                again.fullGc();
                rows.add(List.of("start " + i + ", migrated database", Long.toString(again.readyMillis()),
                        f2(again.quarkusStartedSeconds()), f0(rssAtReady) + " (idle, after full GC: " + f0(again.rssMiB()) + ")"));
            }
        }
        report.heading("Startup of the packaged service").line("`java -jar target/quarkus-app/quarkus-run.jar`; time "
                        + "from process start to the first 200 of `/q/health/ready` (polled every 20 ms). Load average before: "
                        + load + ".").line("")
                .table(List.of("start", "ready after (ms)", "Quarkus \"started in\" (s)", "RSS at ready (MiB)"), rows);
    }

    // ---------------------------------------------------------------------------------
    // Data

    private void seed() throws Exception {
        log("seeding");
        int users = Math.max(BenchDatabase.STREAM_USER + Math.max(options.idleStreams(), options.liveStreams()), 1100);
        db.seedUsers(users);
        db.seedOrders(BenchDatabase.PULL_ORDER_PREFIX, 1, options.orders(), quoted(BenchDatabase.userId(BenchDatabase.PULL_USER)));
        for (int c = 0; c < 16; c++) {
            int user = BenchDatabase.CEILING_USER + c;
            db.seedOrders(BenchDatabase.CEILING_ORDER_PREFIX, user * 1000L + 1, PUSH_BATCH, quoted(BenchDatabase.userId(user)));
        }
        db.analyze();
        service = Service.start(options, "service-pull-push.log");
    }

    private static String quoted(String uuid) {
        return "'" + uuid + "'::uuid";
    }

    // ---------------------------------------------------------------------------------
    // Pull

    private void pull() throws Exception {
        String token = tokens.forUser(BenchDatabase.userId(BenchDatabase.PULL_USER));
        long xid = db.xidOf(BenchDatabase.PULL_ORDER_PREFIX, 1);
        try (SyncClient client = new SyncClient(vertx, options.port(), 16)) {
            log("pull warm-up");
            for (int batch : PULL_BATCHES) {
                await(client.pullAll(token, batch, new Latencies()));
            }
            String load = ProcStats.loadAverage();
            List<List<String>> rows = new ArrayList<>();
            for (int clients : CLIENTS) {
                for (int batch : PULL_BATCHES) {
                    log("pull: " + clients + " clients, batch " + batch);
                    Measured m = measurePull(client, service.pid(), token, clients, batch, false);
                    double rate = m.rate();
                    List<String> vars = List.of("uid=" + BenchDatabase.userId(BenchDatabase.PULL_USER), "xid=" + xid,
                            "prefix=" + BenchDatabase.PULL_ORDER_PREFIX, "batch=" + batch, "pages=" + options.orders() / batch);
                    Ceiling bare = ceiling("pull-page-c" + clients + "-b" + batch, CeilingSql.PULL_PAGE, "postgres", clients, vars, batch);
                    Ceiling inTx = ceiling("pull-tx-c" + clients + "-b" + batch, CeilingSql.PULL_PAGE_IN_TRANSACTION,
                            "rxsync_app", clients, vars, batch);
                    rxsyncRates.put(pullKey(clients, batch), rate);
                    rawRatios.put(pullKey(clients, batch), rate / bare.docsPerSecond);
                    rows.add(List.of(Integer.toString(clients), Integer.toString(batch), f0(rate), m.latency(), m.cpu(),
                            m.cost().summary(), f0(bare.docsPerSecond), bare.cpu, percent(rate / bare.docsPerSecond),
                            f0(inTx.docsPerSecond), percent(rate / inTx.docsPerSecond)));
                    goals.add(List.of("pull ≥ 60 % of the raw-SQL ceiling (" + clients + " client(s), batch " + batch + ")",
                            percent(rate / bare.docsPerSecond) + " of the page query alone; "
                                    + percent(rate / inTx.docsPerSecond) + " of it in the service's transaction",
                            judge(rate / bare.docsPerSecond >= 0.6)));
                }
            }
            report.heading("Pull: full initial sync of " + f0(options.orders()) + " orders").line(
                    "Each client runs a full initial sync of the same user's " + f0(options.orders())
                            + " orders (16 clients: 16 devices of that user at once), page after page from the first "
                            + "checkpoint until a short page. Ceiling 1: pgbench (`-M extended`, as many connections as "
                            + "clients) running the service's page query for random full pages of that user, as the table "
                            + "owner. Ceiling 2: the same page in the transaction the service wraps it in (BEGIN, "
                            + "`rxsync_act_for(user)`, page, COMMIT) as the runtime role `rxsync_app` under "
                            + "row-level security. Ratio = rxsync ÷ ceiling. Load average before: " + load + ".")
                    .line("")
                    .table(List.of("clients", "batch", "rxsync docs/s", "page p50 / p99 (ms)", "CPU gen/svc/machine %",
                            "svc alloc · CPU per doc", "page query docs/s", "pgbench CPU %", "ratio", "page in service's tx docs/s", "ratio"), rows);
        }
    }

    private record Ceiling(double docsPerSecond, double latencyMillis, String cpu) {
    }

    private Ceiling ceiling(String name, String script, String user, int clients, List<String> vars, int docsPerTx)
            throws Exception {
        ProcStats.Window window = new ProcStats.Window(service.pid());
        PgBench.Result r = pgbench.run(name, script, user, clients, options.seconds(), 0, vars);
        window.stop();
        return new Ceiling(r.tps() * docsPerTx, r.latencyMillis(), f0(100 * r.cpuSeconds() / window.seconds()));
    }

    // ---------------------------------------------------------------------------------
    // Push

    private void push() throws Exception {
        try (SyncClient client = new SyncClient(vertx, options.port(), 16)) {
            List<String> pushTokens = pushTokens();
            log("push warm-up");
            String warmUser = BenchDatabase.userId(BenchDatabase.PUSH_USER + 16);
            runFor(3, 1, i -> () -> client.push(pushTokens.get(16), OrderDocs.insertBody(warmUser, newIds(), 1))
                    .map(conflicts -> PUSH_BATCH), new Latencies());
            String load = ProcStats.loadAverage();
            List<List<String>> rows = new ArrayList<>();
            for (String kind : List.of("new", "updated")) {
                for (int clients : CLIENTS) {
                    log("push: " + kind + ", " + clients + " clients");
                    Measured m = measurePush(client, service.pid(), kind, clients, pushTokens);
                    double rate = m.rate();
                    Ceiling ceiling = ceiling("push-" + kind + "-c" + clients,
                            kind.equals("new") ? CeilingSql.PUSH_NEW : CeilingSql.PUSH_UPDATE, "postgres", clients,
                            List.of("firstuser=" + BenchDatabase.CEILING_USER), PUSH_BATCH);
                    rxsyncRates.put(pushKey(kind, clients), rate);
                    rawRatios.put(pushKey(kind, clients), rate / ceiling.docsPerSecond);
                    rows.add(List.of(kind, Integer.toString(clients), f0(rate), m.latency(), m.cpu(),
                            m.cost().summary(), f0(ceiling.docsPerSecond), f1(ceiling.latencyMillis), ceiling.cpu,
                            percent(rate / ceiling.docsPerSecond)));
                    goals.add(List.of("push ≥ 50 % of the raw-SQL ceiling (" + kind + ", " + clients + " client(s))",
                            percent(rate / ceiling.docsPerSecond), judge(rate / ceiling.docsPerSecond >= 0.5)));
                }
            }
            report.heading("Push: batches of " + PUSH_BATCH + " documents").line(
                    "Each client is its own user and pushes batches of " + PUSH_BATCH + " orders back to back for "
                            + options.seconds() + " s: new documents (random ids), or updates of its own " + PUSH_BATCH
                            + " documents (each with the assumed master state it pushed last; no conflicts, checked). "
                            + "Ceiling: pgbench running one `INSERT … ON CONFLICT` of " + PUSH_BATCH
                            + " rows per transaction as the table owner (triggers on): `DO NOTHING` with new ids, or "
                            + "`DO UPDATE` of the client's own " + PUSH_BATCH + " rows. Load average before: " + load + ".")
                    .line("")
                    .table(List.of("documents", "clients", "rxsync docs/s", "batch p50 / p99 (ms)", "CPU gen/svc/machine %",
                            "svc alloc · CPU per doc", "INSERT … ON CONFLICT docs/s", "its latency (ms)", "pgbench CPU %", "ratio"), rows);
        }
    }

    /** The tokens of the push users: PUSH_USER + i pushes as client i; the last one warms up. */
    private List<String> pushTokens() throws Exception {
        List<String> pushTokens = new ArrayList<>();
        for (int i = 0; i < 17; i++) {
            pushTokens.add(tokens.forUser(BenchDatabase.userId(BenchDatabase.PUSH_USER + i)));
        }
        return pushTokens;
    }

    /** One measurement: documents (or requests) per second over its window, the latencies, the CPU. */
    private record Measured(double rate, Latencies latencies, String cpu, Cost cost) {
        String latency() {
            return f1(latencies.percentileMillis(50)) + " / " + f1(latencies.percentileMillis(99));
        }
    }

    /**
     * The service's work per unit (document or request) over one measurement: bytes its
     * threads allocated (JFR, see {@link Allocations}) and its CPU time. The allocation does
     * not depend on the machine's load; the CPU time depends on it far less than the rate.
     * Unknown (null) for the peer, which is not a JVM.
     */
    private record Cost(double bytesPerUnit, double cpuMicrosPerUnit) {
        static Cost of(long bytes, ProcStats.Window cpu, long units) {
            return new Cost((double) bytes / units, 1e6 * cpu.serviceCpuSeconds() / units);
        }

        /** e.g. "1.52 KB · 21 µs" */
        String summary() {
            return f2(bytesPerUnit / 1000) + " KB · " + f0(cpuMicrosPerUnit) + " µs";
        }
    }

    /** Counts the service's allocations when it is the JVM under test (not the peer). */
    private Allocations allocations(long serverPid) throws Exception {
        return service != null && serverPid == service.pid() ? Allocations.start(serverPid, options.workDir()) : null;
    }

    private static String pullKey(int clients, int batch) {
        return "pull " + clients + " × " + batch;
    }

    private static String pushKey(String kind, int clients) {
        return "push " + kind + " " + clients;
    }

    /**
     * {@code clients} syncs of the pull user at once: full syncs (checked to return every
     * order), or with {@code timeBounded} pages from the start for the run's seconds.
     */
    private Measured measurePull(SyncClient client, long serverPid, String token, int clients, int batch,
                                 boolean timeBounded) throws Exception {
        Latencies pages = new Latencies();
        Allocations allocated = allocations(serverPid);
        ProcStats.Window cpu = new ProcStats.Window(serverPid);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(options.seconds());
        List<Future<Long>> syncs = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            syncs.add(timeBounded ? client.pullUntil(token, batch, deadline, pages) : client.pullAll(token, batch, pages));
        }
        long documents = 0;
        for (Future<Long> sync : syncs) {
            documents += await(sync);
        }
        cpu.stop();
        if (!timeBounded && documents != (long) clients * options.orders()) {
            throw new IllegalStateException("pulled " + documents + " documents, expected " + (long) clients * options.orders());
        }
        return new Measured(documents / cpu.seconds(), pages, cpu.summary(),
                allocated == null ? null : Cost.of(allocated.stop(), cpu, documents));
    }

    /**
     * {@code clients} users pushing batches back to back for the run's seconds: new documents,
     * or updates of their own 100 (each with the state it pushed last; a conflict fails the run).
     */
    private Measured measurePush(SyncClient client, long serverPid, String kind, int clients, List<String> pushTokens)
            throws Exception {
        Latencies batches = new Latencies();
        AtomicLong conflicts = new AtomicLong();
        List<Supplier<Future<Integer>>> steps = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            String user = BenchDatabase.userId(BenchDatabase.PUSH_USER + i);
            String token = pushTokens.get(i);
            if (kind.equals("new")) {
                steps.add(() -> client.push(token, OrderDocs.insertBody(user, newIds(), 1))
                        .map(c -> countConflicts(conflicts, c)));
            } else {
                // the client's own 100 documents, each push changing what it last pushed
                String[] ids = newIds();
                await(client.push(token, OrderDocs.insertBody(user, ids, 0)));
                AtomicLong cents = new AtomicLong();
                steps.add(() -> {
                    long from = cents.getAndIncrement();
                    return client.push(token, OrderDocs.updateBody(user, ids, from, from + 1))
                            .map(c -> countConflicts(conflicts, c));
                });
            }
        }
        Allocations allocated = allocations(serverPid);
        ProcStats.Window cpu = new ProcStats.Window(serverPid);
        long documents = runFor(options.seconds(), clients, steps::get, batches);
        cpu.stop();
        if (conflicts.get() > 0) {
            throw new IllegalStateException(conflicts.get() + " unexpected conflicts in push " + kind);
        }
        return new Measured(documents / cpu.seconds(), batches, cpu.summary(),
                allocated == null ? null : Cost.of(allocated.stop(), cpu, documents));
    }

    /** One client, one request at a time, for the run's seconds; the rate is requests per second. */
    private Measured sequential(long serverPid, Supplier<Future<Integer>> request) throws Exception {
        Latencies latencies = new Latencies();
        Allocations allocated = allocations(serverPid);
        ProcStats.Window cpu = new ProcStats.Window(serverPid);
        runFor(options.seconds(), 1, i -> request, latencies);
        cpu.stop();
        return new Measured(latencies.count() / cpu.seconds(), latencies, cpu.summary(),
                allocated == null ? null : Cost.of(allocated.stop(), cpu, latencies.count()));
    }

    /**
     * A pull of exactly one document, always the same (the second of the pull user's orders):
     * the checkpoint is taken from a first one-document page.
     */
    private static Supplier<Future<Integer>> oneDocumentPull(SyncClient client, String token) throws Exception {
        SyncClient.Page first = await(client.pull(token, 1, null, null));
        return () -> client.pull(token, 1, first.lwt(), first.id()).map(page -> {
            if (page.documents() != 1) {
                throw new IllegalStateException("a one-document pull returned " + page.documents());
            }
            return 1;
        });
    }

    private static List<String> fixedCostRow(String what, Measured m) {
        return List.of(what, f2(m.latencies().percentileMillis(50)), f2(m.latencies().percentileMillis(99)),
                f2(m.latencies().meanMillis()), f0(m.rate()), m.cpu(), m.cost() == null ? "" : m.cost().summary());
    }

    private static final List<String> FIXED_COST_HEADER = List.of("request (one client, one at a time)", "p50 (ms)",
            "p99 (ms)", "mean (ms)", "requests/s", "CPU gen/svc/machine %", "svc alloc · CPU per request");

    private static int countConflicts(AtomicLong conflicts, int count) {
        conflicts.addAndGet(count);
        return PUSH_BATCH;
    }

    private static String[] newIds() {
        String[] ids = new String[PUSH_BATCH];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = UUID.randomUUID().toString();
        }
        return ids;
    }

    /**
     * Runs {@code clients} loops for {@code seconds}; each loop repeats its step (a request
     * completing with a document count) back to back. Returns the documents done.
     */
    private long runFor(int seconds, int clients, java.util.function.IntFunction<Supplier<Future<Integer>>> stepOf,
                        Latencies latencies) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        AtomicLong documents = new AtomicLong();
        List<Future<Void>> loops = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            Promise<Void> done = Promise.promise();
            loop(stepOf.apply(i), deadline, documents, latencies, done);
            loops.add(done.future());
        }
        for (Future<Void> loop : loops) {
            await(loop);
        }
        return documents.get();
    }

    private void loop(Supplier<Future<Integer>> step, long deadline, AtomicLong documents, Latencies latencies,
                      Promise<Void> done) {
        if (System.nanoTime() >= deadline) {
            done.complete();
            return;
        }
        long start = System.nanoTime();
        step.get().onFailure(done::fail).onSuccess(n -> {
            latencies.add(System.nanoTime() - start);
            documents.addAndGet(n);
            loop(step, deadline, documents, latencies, done);
        });
    }

    // ---------------------------------------------------------------------------------
    // The fixed cost of a request: a one-document pull next to the HTTP floor

    private void fixedCost() throws Exception {
        String token = tokens.forUser(BenchDatabase.userId(BenchDatabase.PULL_USER));
        long xid = db.xidOf(BenchDatabase.PULL_ORDER_PREFIX, 1);
        try (SyncClient client = new SyncClient(vertx, options.port(), 1)) {
            Supplier<Future<Integer>> pullOne = oneDocumentPull(client, token);
            log("fixed cost: warm-up");
            runFor(3, 1, i -> pullOne, new Latencies());
            runFor(3, 1, i -> () -> client.get("/q/health/live"), new Latencies());
            String load = ProcStats.loadAverage();
            log("fixed cost: HTTP floor, one-document pull");
            Measured floor = sequential(service.pid(), () -> client.get("/q/health/live"));
            Measured pull = sequential(service.pid(), pullOne);
            List<String> vars = List.of("uid=" + BenchDatabase.userId(BenchDatabase.PULL_USER), "xid=" + xid,
                    "prefix=" + BenchDatabase.PULL_ORDER_PREFIX, "batch=1", "pages=" + options.orders());
            Ceiling bare = ceiling("pull-one", CeilingSql.PULL_PAGE, "postgres", 1, vars, 1);
            Ceiling inTx = ceiling("pull-one-tx", CeilingSql.PULL_PAGE_IN_TRANSACTION, "rxsync_app", 1, vars, 1);
            double above = pull.latencies().percentileMillis(50) - floor.latencies().percentileMillis(50);
            rxsyncOneDocumentPull = pull;
            report.heading("Fixed cost: a one-document pull next to the HTTP floor").line(
                    "One client, one request at a time, for " + options.seconds() + " s each: the liveness probe "
                            + "`GET /q/health/live` (the HTTP stack and nothing else: the floor), and a pull of "
                            + "exactly one document (`limit=1` from the same checkpoint every time, authenticated). "
                            + "Below, pgbench (one connection): the one-row page query alone, and in the service's "
                            + "transaction (BEGIN, `rxsync_act_for`, page, COMMIT). Load average before: " + load + ".")
                    .line("")
                    .table(FIXED_COST_HEADER, List.of(
                            fixedCostRow("`GET /q/health/live` (HTTP floor)", floor),
                            fixedCostRow("pull of one document", pull),
                            List.of("one-row page query alone (pgbench)", "", "", f2(bare.latencyMillis), f0(bare.docsPerSecond),
                                    bare.cpu + " (pgbench)", ""),
                            List.of("it in the service's transaction (pgbench)", "", "", f2(inTx.latencyMillis),
                                    f0(inTx.docsPerSecond), inTx.cpu + " (pgbench)", "")));
            goals.add(List.of("one-document pull within 1 ms of the HTTP floor (p50)", f2(above) + " ms above it ("
                            + f2(pull.latencies().percentileMillis(50)) + " against " + f2(floor.latencies().percentileMillis(50))
                            + " ms)", judge(above <= 1.0)));
        }
    }

    // ---------------------------------------------------------------------------------
    // The peer: rxdb-server through the same protocol, in the same run

    private void peer() throws Exception {
        log("peer: starting rxdb-server and seeding " + options.orders() + " orders");
        String token = tokens.forUser(BenchDatabase.userId(BenchDatabase.PULL_USER));
        List<String> pushTokens = pushTokens();
        try (Service peer = Service.startPeer(options, "peer.log");
             SyncClient client = new SyncClient(vertx, options.peerPort(), 16)) {
            log("peer: warm-up");
            for (int batch : PULL_BATCHES) {
                measurePull(client, peer.pid(), token, 1, batch, true);
            }
            String warmUser = BenchDatabase.userId(BenchDatabase.PUSH_USER + 16);
            runFor(3, 1, i -> () -> client.push(pushTokens.get(16), OrderDocs.insertBody(warmUser, newIds(), 1))
                    .map(conflicts -> PUSH_BATCH), new Latencies());
            String load = ProcStats.loadAverage();
            List<List<String>> rows = new ArrayList<>();
            for (int clients : CLIENTS) {
                for (int batch : PULL_BATCHES) {
                    log("peer pull: " + clients + " clients, batch " + batch);
                    Measured m = measurePull(client, peer.pid(), token, clients, batch, true);
                    rows.add(peerRow("pull, " + clients + " client(s), pages of " + batch, m, pullKey(clients, batch)));
                    if (batch == 100) {
                        peerGoal("pull (" + clients + " client(s), pages of 100)", m, pullKey(clients, batch));
                    }
                }
            }
            for (String kind : List.of("new", "updated")) {
                for (int clients : CLIENTS) {
                    log("peer push: " + kind + ", " + clients + " clients");
                    Measured m = measurePush(client, peer.pid(), kind, clients, pushTokens);
                    rows.add(peerRow("push, " + kind + ", " + clients + " client(s)", m, pushKey(kind, clients)));
                    peerGoal("push (" + kind + ", " + clients + " client(s))", m, pushKey(kind, clients));
                }
            }
            Supplier<Future<Integer>> pullOne = oneDocumentPull(client, token);
            runFor(3, 1, i -> pullOne, new Latencies());
            Measured floor = sequential(peer.pid(), () -> client.get("/ready"));
            Measured one = sequential(peer.pid(), pullOne);
            report.heading("The peer: rxdb-server 15.22, memory storage, in the same run").line(
                    "rxdb-server 15.22 (npm, with RxDB 15.39 and its memory storage; `src/bench/peer`), seeded with "
                            + "the same " + f0(options.orders()) + " orders of the pull user, serves the orders "
                            + "collection at the same routes; the same load generator drives it through the same "
                            + "protocol. Like rxsync it verifies each bearer token once (RS256) and shows and "
                            + "accepts only the caller's own orders; unlike rxsync it keeps everything in the "
                            + "memory of one Node.js process and persists nothing. Pull is time-bounded here ("
                            + options.seconds() + " s of pages from the first checkpoint, starting over after "
                            + "the last page): a full sync per client would take minutes. rxsync's numbers are "
                            + "the same run's (tables above). Load average before: " + load + ".").line("")
                    .table(List.of("measurement", "rxdb-server docs/s", "its p50 / p99 (ms)",
                            "CPU gen/peer/machine %", "rxsync docs/s", "rxsync ÷ rxdb-server", "rxsync ÷ raw SQL"), rows)
                    .line("A one-document pull on rxdb-server, next to its own floor (a trivial express route "
                            + "in the same process, `GET /ready`):").line("")
                    .table(FIXED_COST_HEADER, rxsyncOneDocumentPull == null
                            ? List.of(fixedCostRow("`GET /ready` (its HTTP floor)", floor),
                                    fixedCostRow("pull of one document", one))
                            : List.of(fixedCostRow("`GET /ready` (its HTTP floor)", floor),
                                    fixedCostRow("pull of one document", one),
                                    fixedCostRow("rxsync's pull of one document (above)", rxsyncOneDocumentPull)));
        }
    }

    private List<String> peerRow(String what, Measured peer, String key) {
        Double rxsync = rxsyncRates.get(key);
        Double raw = rawRatios.get(key);
        return List.of(what, f0(peer.rate()), peer.latency(), peer.cpu(), rxsync == null ? "(not run)" : f0(rxsync),
                rxsync == null ? "" : f1(rxsync / peer.rate()) + "×", raw == null ? "" : percent(raw));
    }

    private void peerGoal(String what, Measured peer, String key) {
        Double rxsync = rxsyncRates.get(key);
        goals.add(List.of("≥ 5× rxdb-server's " + what, rxsync == null ? "rxsync's phase did not run"
                : f1(rxsync / peer.rate()) + "×", judge(rxsync != null && rxsync / peer.rate() >= 5)));
    }

    // ---------------------------------------------------------------------------------
    // Stream

    private void stream() throws Exception {
        int total = Math.max(options.idleStreams(), options.liveStreams());
        log("stream: signing " + total + " tokens");
        // signed on every core: 10,000 RS256 signatures take minutes on one busy core
        List<String> streamTokens = java.util.stream.IntStream.range(0, total).parallel()
                .mapToObj(i -> tokens.forUser(BenchDatabase.userId(BenchDatabase.STREAM_USER + i))).toList();
        // A fresh service: its memory is then the streams', not the pull and push runs' garbage.
        service.close();
        service = Service.start(options, "service-stream.log");
        Thread.sleep(5000);
        List<List<String>> memory = new ArrayList<>();
        memory.add(memoryRow(0));

        Map<String, Long> sentAt = new ConcurrentHashMap<>();
        Map<String, Long> ackedAt = new ConcurrentHashMap<>();
        Latencies fromSend = new Latencies();
        Latencies fromAck = new Latencies();
        AtomicInteger ended = new AtomicInteger();
        SyncClient streams = new SyncClient(vertx, options.port(), total + 10);
        try (SyncClient writer = new SyncClient(vertx, options.port(), 64)) {
            java.util.function.Consumer<List<String>> onIds = ids -> {
                long now = System.nanoTime();
                for (String id : ids) {
                    Long sent = sentAt.remove(id);
                    if (sent != null) {
                        fromSend.add(now - sent);
                        Long acked = ackedAt.remove(id);
                        fromAck.add(acked == null ? 0 : Math.max(0, now - acked));
                    }
                }
            };
            openStreams(streams, streamTokens, 0, options.liveStreams(), onIds, ended);
            Thread.sleep(5000);
            memory.add(memoryRow(options.liveStreams()));

            log("stream: latency with " + options.liveStreams() + " open streams at " + options.writeRate() + " writes/s");
            String load = ProcStats.loadAverage();
            ProcStats.Window cpu = new ProcStats.Window(service.pid());
            AtomicInteger failures = new AtomicInteger();
            long writes = writeSteadily(writer, streamTokens, sentAt, ackedAt, failures);
            cpu.stop();
            Thread.sleep(3000);
            if (failures.get() > 0) {
                throw new IllegalStateException(failures.get() + " stream writes failed");
            }
            int missed = sentAt.size();
            report.heading("Stream: latency with " + options.liveStreams() + " open streams").line(
                    options.liveStreams() + " users each hold one open `pullStream`. A writer pushes one new order at a time, "
                            + options.writeRate() + " per second spread evenly over those users, for "
                            + options.streamSeconds() + " s. Latency = frame received − push sent (an upper bound of "
                            + "commit → frame: it includes the push itself); the lower bound, frame received − push "
                            + "answered (after COMMIT), is next to it. Load average before: " + load + ".").line("")
                    .table(List.of("open streams", "writes", "p50 (ms)", "p99 (ms)", "max (ms)",
                                    "p50 / p99 from push answered (ms)", "never received", "CPU gen/svc/machine %"),
                            List.of(List.of(Integer.toString(options.liveStreams()), Long.toString(writes),
                                    f1(fromSend.percentileMillis(50)), f1(fromSend.percentileMillis(99)),
                                    f1(fromSend.percentileMillis(100)),
                                    f1(fromAck.percentileMillis(50)) + " / " + f1(fromAck.percentileMillis(99)),
                                    Integer.toString(missed), cpu.summary())));
            // commit lies between push sent and push answered: judged on both bounds
            double upper = fromSend.percentileMillis(99);
            double lower = fromAck.percentileMillis(99);
            goals.add(List.of("stream p99 ≤ 100 ms at " + options.liveStreams() + " streams (write committed → frame)",
                    "between " + f1(lower) + " ms (from push answered) and " + f1(upper) + " ms (from push sent); "
                            + missed + " writes never received",
                    missed > 0 || lower > 100 ? judge(false)
                            : upper <= 100 ? judge(true)
                            : options.fullScale() ? "undecided: the bounds straddle 100 ms" : judge(false)));

            if (total > options.liveStreams()) {
                openStreams(streams, streamTokens, options.liveStreams(), total, ids -> { }, ended);
                Thread.sleep(5000);
                memory.add(memoryRow(total));
            }
            log("stream: holding " + total + " streams for 35 s");
            Thread.sleep(35_000);
            String token = tokens.forUser(BenchDatabase.userId(BenchDatabase.PULL_USER));
            long start = System.nanoTime();
            await(writer.pull(token, 100, null, null));
            double pullMillis = (System.nanoTime() - start) / 1e6;
            goals.add(List.of(f0(total) + " idle streams held", (total - ended.get()) + " of " + total
                            + " still open after 35 s (2 heartbeats); a pull meanwhile took " + f1(pullMillis) + " ms",
                    judge(ended.get() == 0 && total >= 10_000)));
            report.heading("Stream: memory of the service with open idle streams").line(
                    "Resident memory (VmRSS) of a freshly started service, 5 s after the streams opened; then again "
                            + "after a full GC (`jcmd GC.run`), which shows what the streams keep alive rather than "
                            + "garbage the JVM has not collected yet; and the heap the GC found live (`jcmd GC.heap_info`), "
                            + "which does not depend on how much of its free heap the JVM keeps. " + ended.get() + " of the " + total
                            + " streams ended during the run.").line("")
                    .table(List.of("open idle streams", "RSS (MiB)", "RSS after full GC (MiB)",
                            "live heap after full GC (MiB)"), memory);
            double idle = Double.parseDouble(memory.get(0).get(2).replace(",", ""));
            double held = Double.parseDouble(memory.get(memory.size() - 1).get(2).replace(",", ""));
            goals.add(List.of(f0(total) + " idle streams in ≤ 256 MiB above the idle service (RSS after full GC)",
                    f0(held - idle) + " MiB (" + f0(idle) + " → " + f0(held) + " MiB; live heap "
                            + memory.get(0).get(3) + " → " + memory.get(memory.size() - 1).get(3) + " MiB)",
                    judge(held - idle <= 256 && total >= 10_000)));
        } finally {
            streams.close();
        }
    }

    private List<String> memoryRow(int streams) throws Exception {
        double rss = service.rssMiB();
        service.fullGc();
        return List.of(f0(streams), f0(rss), f0(service.rssMiB()), f0(service.heapUsedMiB()));
    }

    /** Opens streams [from, to) with at most 200 handshakes in flight. */
    private void openStreams(SyncClient client, List<String> streamTokens, int from, int to,
                             java.util.function.Consumer<List<String>> onIds, AtomicInteger ended) throws Exception {
        log("stream: opening streams " + from + ".." + (to - 1));
        java.util.concurrent.Semaphore inFlight = new java.util.concurrent.Semaphore(200);
        AtomicInteger failed = new AtomicInteger();
        for (int i = from; i < to; i++) {
            inFlight.acquire();
            client.openStream(streamTokens.get(i), onIds, ended::incrementAndGet)
                    .onComplete(r -> {
                        if (r.failed()) {
                            failed.incrementAndGet();
                            log("stream failed to open: " + r.cause());
                        }
                        inFlight.release();
                    });
        }
        inFlight.acquire(200);
        inFlight.release(200);
        if (failed.get() > 0) {
            throw new IllegalStateException(failed.get() + " streams failed to open");
        }
    }

    /** Pushes one new order at a time to the stream users, at the steady write rate. Returns the writes. */
    private long writeSteadily(SyncClient writer, List<String> streamTokens, Map<String, Long> sentAt,
                               Map<String, Long> ackedAt, AtomicInteger failures) throws Exception {
        long writes = (long) options.writeRate() * options.streamSeconds();
        long intervalNanos = TimeUnit.SECONDS.toNanos(1) / options.writeRate();
        long start = System.nanoTime();
        for (long k = 0; k < writes; k++) {
            long due = start + k * intervalNanos;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
            int user = (int) (k % options.liveStreams());
            String userId = BenchDatabase.userId(BenchDatabase.STREAM_USER + user);
            String id = UUID.randomUUID().toString();
            String body = OrderDocs.insertBody(userId, new String[] {id}, k);
            sentAt.put(id, System.nanoTime());
            writer.push(streamTokens.get(user), body).onComplete(r -> {
                if (r.succeeded()) {
                    if (sentAt.containsKey(id)) {
                        ackedAt.put(id, System.nanoTime());
                    }
                } else {
                    failures.incrementAndGet();
                    sentAt.remove(id);
                }
            });
        }
        return writes;
    }

    // ---------------------------------------------------------------------------------
    // Growth

    private void growth() throws Exception {
        String pullUser = BenchDatabase.userId(BenchDatabase.GROWTH_PULL_USER);
        String pushUser = BenchDatabase.userId(BenchDatabase.GROWTH_PUSH_USER);
        String pullToken = tokens.forUser(pullUser);
        String pushToken = tokens.forUser(pushUser);
        int userOrders = options.growthUserOrders();
        db.truncateOrders();
        db.seedOrders(BenchDatabase.GROWTH_ORDER_PREFIX, 1, userOrders, quoted(pullUser));
        long xid = db.xidOf(BenchDatabase.GROWTH_ORDER_PREFIX, 1);
        long fillerSeeded = 0;
        List<List<String>> rows = new ArrayList<>();
        List<Double> pullCost = new ArrayList<>();
        try (SyncClient client = new SyncClient(vertx, options.port(), 2)) {
            for (int size : options.growthSizes()) {
                long filler = Math.max(0, size - db.countOrders());
                log("growth: " + size + " rows (adding " + filler + ")");
                db.seedFiller(fillerSeeded + 1, filler);
                fillerSeeded += filler;
                db.analyze();
                long rowsNow = db.countOrders();
                String load = ProcStats.loadAverage();
                Latencies pages = new Latencies();
                for (int round = 0; round < 6; round++) {
                    Latencies sink = round < 3 ? new Latencies() : pages; // three rounds warm up
                    await(client.pullAll(pullToken, 100, sink));
                }
                Latencies batches = new Latencies();
                for (int i = 0; i < 40; i++) {
                    long start = System.nanoTime();
                    await(client.push(pushToken, OrderDocs.insertBody(pushUser, newIds(), i)));
                    if (i >= 10) {
                        batches.add(System.nanoTime() - start);
                    }
                }
                PgBench.Result page = pgbench.run("growth-page-" + size, CeilingSql.PULL_PAGE, "postgres", 1, 0, 300,
                        List.of("uid=" + pullUser, "xid=" + xid, "prefix=" + BenchDatabase.GROWTH_ORDER_PREFIX,
                                "batch=100", "pages=" + userOrders / 100));
                PgBench.Result insert = pgbench.run("growth-insert-" + size, CeilingSql.PUSH_NEW, "postgres", 1, 0, 30,
                        List.of("firstuser=" + BenchDatabase.GROWTH_PUSH_USER));
                pullCost.add(pages.percentileMillis(50));
                rows.add(List.of(f0(rowsNow), load, f2(pages.percentileMillis(50)) + " / " + f2(pages.percentileMillis(99)),
                        f2(page.latencyMillis()), f2(batches.percentileMillis(50)) + " / " + f2(batches.percentileMillis(99)),
                        f2(insert.latencyMillis())));
            }
        }
        report.heading("Growth: cost of one page and one batch as the table grows").line(
                "The table holds the given number of orders (one user's " + f0(userOrders) + ", the rest spread over "
                        + BenchDatabase.FILLER_USERS + " other users), analyzed. One client, one request at a time: "
                        + "three full syncs of that user's orders in pages of 100 (after three warm-up syncs), and 30 "
                        + "pushes of 100 new orders (after 10 warm-up pushes). Next to each, the same statement "
                        + "straight from pgbench (one connection): the page query (300 random pages) and the "
                        + "100-row `INSERT … ON CONFLICT DO NOTHING` (30 transactions).").line("")
                .table(List.of("rows in orders", "load average before", "pull ms/page p50 / p99",
                        "page query alone (ms)", "push ms/batch p50 / p99", "INSERT … ON CONFLICT (ms)"), rows);
        if (pullCost.size() >= 2) {
            double growthFactor = pullCost.get(pullCost.size() - 1) / pullCost.get(0);
            goals.add(List.of("flat per-page cost up to " + f0(options.growthSizes().get(options.growthSizes().size() - 1))
                            + " rows (p50 per page within 1.5× of the smallest table)",
                    f2(growthFactor) + "×", judge(growthFactor <= 1.5 && options.fullScale())));
        }
    }

    // ---------------------------------------------------------------------------------

    private String judge(boolean met) {
        if (!options.fullScale()) {
            return "not judged (small scale)";
        }
        return met ? "yes" : "**no**";
    }

    private static <T> T await(Future<T> future) throws Exception {
        return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.MINUTES);
    }

    private static void log(String message) {
        System.out.println("[bench " + Instant.now().toString().substring(11, 19) + "] " + message);
    }

    private void shutdown() throws Exception {
        if (service != null) {
            service.close();
        }
        if (db != null) {
            db.close();
        }
        vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
}
