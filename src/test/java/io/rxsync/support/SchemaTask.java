package io.rxsync.support;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The packaged service run as a one-off schema task ({@code migrate} or {@code validate} profile). */
public final class SchemaTask {

    private static final String APP = "target/quarkus-app/quarkus-run.jar";

    public record Result(int exitCode, String output) {
    }

    private SchemaTask() {
    }

    /** Runs the task against {@code database} as production would, and waits for it to exit. */
    public static Result run(String profile, String database) throws Exception {
        if (!Files.exists(Path.of(APP))) {
            throw new IllegalStateException(APP + " is missing: run after `package` (failsafe does)");
        }
        Path log = Files.createTempFile("rxsync-" + profile + "-", ".log");
        Process process = new ProcessBuilder(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dquarkus.profile=" + profile,
                "-Dquarkus.datasource.reactive.url=postgresql://127.0.0.1:5432/" + TestDatabase.name(database),
                "-Dquarkus.datasource.jdbc.url=" + TestDatabase.url(database),
                "-jar", APP))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!process.waitFor(90, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException(profile + " did not exit in 90 s:\n" + Files.readString(log));
        }
        return new Result(process.exitValue(), Files.readString(log));
    }
}
