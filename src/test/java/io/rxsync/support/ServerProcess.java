package io.rxsync.support;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The packaged service (target/quarkus-app) started as a separate process, the way it runs
 * in production: for tests that need more than one instance, or a restart.
 */
public final class ServerProcess implements AutoCloseable {

    private static final String APP = "target/quarkus-app/quarkus-run.jar";
    private static final String KEYS = "src/dev/jwt";

    private final Process process;
    private final int port;
    private final Path log;

    private ServerProcess(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /** Drops and re-creates a database of that name on the local PostgreSQL. */
    public static void freshDatabase(String name) throws Exception {
        TestDatabase.fresh(name);
    }

    /** Starts an instance on a free port against {@code database} and waits until it is ready. */
    public static ServerProcess start(String database, String... extraProperties) throws Exception {
        int port = freePort();
        Path log = Files.createTempFile("rxsync-" + port + "-", ".log");
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dquarkus.http.port=" + port,
                "-Dquarkus.datasource.reactive.url=postgresql://127.0.0.1:5432/" + TestDatabase.name(database),
                "-Dquarkus.datasource.jdbc.url=" + TestDatabase.url(database),
                "-Dsmallrye.jwt.sign.key.location=file:" + KEYS + "/privateKey.pem",
                "-Dmp.jwt.verify.publickey.location=file:" + KEYS + "/publicKey.pem",
                "-Drxsync.stream.heartbeat-interval=PT1S"));
        command.addAll(List.of(extraProperties));
        command.addAll(List.of("-jar", APP));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        ServerProcess server = new ServerProcess(process, port, log);
        server.awaitReady(Duration.ofSeconds(60));
        return server;
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    private void awaitReady(Duration timeout) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("server exited early:\n" + Files.readString(log));
            }
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(baseUrl() + "/q/health/ready")).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // still starting
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("server not ready in " + timeout + ":\n" + Files.readString(log));
    }

    /** Sends SIGTERM, as Kubernetes or docker stop does. */
    public void terminate() {
        process.destroy();
    }

    /** Waits for the process to end; returns its exit code. */
    public int awaitExit(Duration timeout) throws Exception {
        if (!process.waitFor(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("still running after " + timeout + ":\n" + log());
        }
        return process.exitValue();
    }

    public String log() throws IOException {
        return Files.readString(log);
    }

    @Override
    public void close() throws Exception {
        process.destroy();
        if (!process.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    static {
        if (!new File(APP).exists()) {
            throw new IllegalStateException(APP + " is missing: run after `package` (failsafe does)");
        }
    }
}
