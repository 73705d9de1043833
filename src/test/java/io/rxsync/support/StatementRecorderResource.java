package io.rxsync.support;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * Puts a {@link PgStatementRecorder} between the application's reactive clients and the
 * test database. Flyway (JDBC, at startup) connects directly and is not recorded.
 */
public class StatementRecorderResource implements QuarkusTestResourceLifecycleManager {

    private static volatile PgStatementRecorder recorder;

    /** The recorder of the running application. */
    public static PgStatementRecorder recorder() {
        if (recorder == null) {
            throw new IllegalStateException("the statement recorder runs only under its test profile");
        }
        return recorder;
    }

    @Override
    public Map<String, String> start() {
        try {
            recorder = PgStatementRecorder.start("127.0.0.1", 5432);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Map.of("quarkus.datasource.reactive.url", "postgresql://127.0.0.1:" + recorder.port() + "/" + TestDatabase.name("test"));
    }

    @Override
    public void stop() {
        try {
            recorder.close();
        } catch (IOException ignored) {
            // shutting down
        }
    }
}
