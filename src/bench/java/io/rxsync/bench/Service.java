package io.rxsync.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A server under test as its own process: the packaged service (quarkus-run.jar), the way
 * production runs it, or the peer (rxdb-server, src/bench/peer/start.mjs).
 */
final class Service implements AutoCloseable {

    private static final Pattern STARTED = Pattern.compile("started in ([0-9.]+)s");
    /** A heap space's line of GC.heap_info: G1's one heap, or ParallelGC's and SerialGC's generations. */
    private static final Pattern HEAP_USED = Pattern.compile("total \\d+K, used (\\d+)K");

    private final Process process;
    private final Path log;
    private final long readyMillis;

    private Service(Process process, Path log, long readyMillis) {
        this.process = process;
        this.log = log;
        this.readyMillis = readyMillis;
    }

    /** Starts the jar against the benchmark database and waits for /q/health/ready. */
    static Service start(Options options, String logName) throws Exception {
        Files.createDirectories(options.workDir());
        Path log = options.workDir().resolve(logName);
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String option : options.serverJvmOptions().split("\\s+")) {
            if (!option.isBlank()) {
                command.add(option);
            }
        }
        command.addAll(List.of(
                "-Dquarkus.http.port=" + options.port(),
                "-Dquarkus.datasource.reactive.url=postgresql://127.0.0.1:5432/" + options.database(),
                "-Dquarkus.datasource.jdbc.url=" + BenchDatabase.jdbcUrl(options.database()),
                "-Dsmallrye.jwt.sign.key.location=file:" + options.keysDir().toAbsolutePath() + "/privateKey.pem",
                "-Dmp.jwt.verify.publickey.location=file:" + options.keysDir().toAbsolutePath() + "/publicKey.pem",
                "-jar", options.appDir().resolve("quarkus-run.jar").toString()));
        return launch(command, Map.of(), log, "http://127.0.0.1:" + options.port() + "/q/health/ready");
    }

    /**
     * Starts the peer, rxdb-server 15.22 with memory storage, seeded with the same orders of
     * the pull user as the database, and waits until it listens. run.sh installs it.
     */
    static Service startPeer(Options options, String logName) throws Exception {
        Files.createDirectories(options.workDir());
        Path script = Path.of("src/bench/peer/start.mjs").toAbsolutePath();
        return launch(List.of("node", script.toString()), Map.of(
                        "PEER_PORT", Integer.toString(options.peerPort()),
                        "PEER_ORDERS", Integer.toString(options.orders()),
                        "PEER_PULL_USER", BenchDatabase.userId(BenchDatabase.PULL_USER),
                        "PEER_PUBLIC_KEY", options.keysDir().toAbsolutePath().resolve("publicKey.pem").toString()),
                options.workDir().resolve(logName), "http://127.0.0.1:" + options.peerPort() + "/ready");
    }

    private static Service launch(List<String> command, Map<String, String> environment, Path log, String readyUrl)
            throws Exception {
        long start = System.nanoTime();
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().putAll(environment);
        Process process = builder.start();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        URI ready = URI.create(readyUrl);
        long deadline = start + TimeUnit.SECONDS.toNanos(180);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(command.get(command.size() - 1) + " exited while starting; see " + log);
            }
            try {
                if (http.send(HttpRequest.newBuilder(ready).build(), HttpResponse.BodyHandlers.discarding())
                        .statusCode() == 200) {
                    return new Service(process, log, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(20);
        }
        process.destroyForcibly();
        throw new IllegalStateException(command.get(command.size() - 1) + " was not ready in 180 s; see " + log);
    }

    /** Wall time from process start to the first 200 of /q/health/ready. */
    long readyMillis() {
        return readyMillis;
    }

    /** Quarkus' own "started in" figure from the log, or -1. */
    double quarkusStartedSeconds() throws IOException {
        Matcher m = STARTED.matcher(Files.readString(log));
        return m.find() ? Double.parseDouble(m.group(1)) : -1;
    }

    boolean isAlive() {
        return process.isAlive();
    }

    long pid() {
        return process.pid();
    }

    /** Resident memory in MiB (VmRSS of /proc/pid/status). */
    double rssMiB() throws IOException {
        return ProcStats.rssKiB(process.pid()) / 1024.0;
    }

    /** Asks the JVM for a full collection (jcmd GC.run), so that RSS shows what is live rather than garbage. */
    void fullGc() throws Exception {
        new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                Long.toString(process.pid()), "GC.run").redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(60, TimeUnit.SECONDS);
        Thread.sleep(1000);
    }

    /** The Java heap in use (jcmd GC.heap_info), in MiB: after a full GC, what is live. */
    double heapUsedMiB() throws Exception {
        Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                Long.toString(process.pid()), "GC.heap_info").redirectErrorStream(true).start();
        String out = new String(jcmd.getInputStream().readAllBytes());
        jcmd.waitFor(60, TimeUnit.SECONDS);
        Matcher used = HEAP_USED.matcher(out);
        long kib = 0;
        boolean found = false;
        while (used.find()) {
            kib += Long.parseLong(used.group(1));
            found = true;
        }
        return found ? kib / 1024.0 : Double.NaN;
    }

    @Override
    public void close() throws Exception {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor();
        }
    }
}
