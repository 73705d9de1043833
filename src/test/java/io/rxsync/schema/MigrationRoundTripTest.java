package io.rxsync.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.rxsync.support.Migrations;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.flywaydb.core.api.MigrationInfo;
import org.junit.jupiter.api.Test;

/**
 * Every migration can be undone: up one version at a time from an empty database, recording
 * the catalog after each; down one version at a time to empty, checking each step lands on
 * exactly the catalog recorded on the way up; and up again to the same head.
 */
class MigrationRoundTripTest {

    private static final String EMPTY = "empty";

    @Test
    void everyMigrationHasADownScriptBesideIt() throws Exception {
        List<String> missing = new ArrayList<>();
        for (MigrationInfo m : Migrations.onFreshDatabase("rxsync_down_scripts_test").all()) {
            try {
                Migrations.downScriptOf(m.getScript());
            } catch (IllegalStateException e) {
                missing.add(e.getMessage());
            }
        }
        assertEquals(List.of(), missing);
    }

    @Test
    void stepsDownToEmptyAndBackUpThroughTheSameCatalogs() throws Exception {
        Migrations db = Migrations.onFreshDatabase("rxsync_migrations_test");
        List<MigrationInfo> versions = db.all();
        Map<String, List<String>> recorded = new LinkedHashMap<>();
        recorded.put(EMPTY, catalog(db));

        for (MigrationInfo m : versions) {
            db.flywayUpTo(m.getVersion()).migrate();
            recorded.put(m.getVersion().getVersion(), catalog(db));
        }
        String head = versions.get(versions.size() - 1).getVersion().getVersion();

        for (int i = versions.size() - 1; i >= 0; i--) {
            db.stepDown();
            String below = i == 0 ? EMPTY : versions.get(i - 1).getVersion().getVersion();
            assertEquals(CatalogSnapshot.text(recorded.get(below)), CatalogSnapshot.text(catalog(db)),
                    "down script of " + versions.get(i).getScript() + " must restore the catalog of " + below);
            if (i == 0) {
                assertNull(db.current(), "no migration is recorded as applied any more");
            } else {
                assertEquals(below, db.current().getVersion().getVersion(), "Flyway's history follows the way down");
            }
        }

        for (MigrationInfo m : versions) {
            db.flywayUpTo(m.getVersion()).migrate();
            String version = m.getVersion().getVersion();
            assertEquals(CatalogSnapshot.text(recorded.get(version)), CatalogSnapshot.text(catalog(db)),
                    "the way back up must rebuild the catalog of " + version);
        }
        assertEquals(head, db.current().getVersion().getVersion());
    }

    private static List<String> catalog(Migrations db) throws Exception {
        try (Connection c = db.connect()) {
            return CatalogSnapshot.of(c, "public");
        }
    }
}
