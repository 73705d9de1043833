package io.rxsync.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rxsync.support.Migrations;
import io.rxsync.support.SchemaTask;
import io.rxsync.support.TestDatabase;
import java.sql.Connection;
import java.sql.Statement;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfoService;
import org.junit.jupiter.api.Test;

/**
 * Migrations outside startup, with the packaged jar exactly as the README documents it:
 * {@code migrate} applies what is pending and exits 0; {@code validate} exits 0 on a database
 * at the head and non-zero when it is behind, when its history differs from the migrations
 * in the jar, or when a table no longer matches its entity.
 */
class SchemaTaskIT {

    private static final String DATABASE = "rxsync_schema_task_test";

    @Test
    void migrateBringsADatabaseToTheHeadAndValidateTellsAHeadFromAnythingElse() throws Exception {
        Migrations db = Migrations.onFreshDatabase(DATABASE);

        SchemaTask.Result empty = SchemaTask.run("validate", DATABASE);
        assertNotEquals(0, empty.exitCode(), "an empty database is behind:\n" + empty.output());
        assertTrue(empty.output().contains("not applied"), empty.output());

        SchemaTask.Result migrate = SchemaTask.run("migrate", DATABASE);
        assertEquals(0, migrate.exitCode(), migrate.output());
        assertEquals(0, production(db).pending().length, "nothing left to apply");
        assertValid();

        db.stepDown();
        SchemaTask.Result behind = SchemaTask.run("validate", DATABASE);
        assertNotEquals(0, behind.exitCode(), "one migration behind:\n" + behind.output());
        assertTrue(behind.output().contains("not applied"), behind.output());
        assertEquals(0, SchemaTask.run("migrate", DATABASE).exitCode(), "migrate applies just the missing one");
        assertValid();

        String head = production(db).current().getVersion().getVersion();
        sql("UPDATE flyway_schema_history SET checksum = checksum + 1 WHERE version = '" + head + "'");
        SchemaTask.Result edited = SchemaTask.run("validate", DATABASE);
        assertNotEquals(0, edited.exitCode(), "an applied migration that differs from the jar's:\n" + edited.output());
        assertTrue(edited.output().contains("checksum mismatch"), edited.output());
        sql("UPDATE flyway_schema_history SET checksum = checksum - 1 WHERE version = '" + head + "'");
        assertValid();

        // Someone changed a table by hand: the history is fine, the entity no longer matches.
        sql("ALTER TABLE orders ALTER COLUMN note TYPE integer USING NULL");
        SchemaTask.Result drifted = SchemaTask.run("validate", DATABASE);
        assertNotEquals(0, drifted.exitCode(), "a column changed outside the migrations:\n" + drifted.output());
        assertTrue(drifted.output().contains("wrong column type encountered in column [note]"), drifted.output());
    }

    private static void assertValid() throws Exception {
        SchemaTask.Result valid = SchemaTask.run("validate", DATABASE);
        assertEquals(0, valid.exitCode(), valid.output());
        assertTrue(valid.output().contains("schema valid"), valid.output());
    }

    /** Flyway's view with the production migrations only (what the jar carries). */
    private static MigrationInfoService production(Migrations db) {
        return Flyway.configure().dataSource(db.url(), TestDatabase.USER, "")
                .locations("classpath:db/migration").load().info();
    }

    private static void sql(String statement) throws Exception {
        try (Connection c = TestDatabase.connect(DATABASE); Statement st = c.createStatement()) {
            st.execute(statement);
        }
    }
}
