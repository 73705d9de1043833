package io.rxsync.replication;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.runtime.Startup;
import io.rxsync.web.ApiException;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every declared collection, found by URL name. Built once at startup (on the main thread,
 * never an event loop) from {@code rxsync_declared_collections()} (migration V20): a bad
 * declaration stops startup, and the {@code validate} schema task, with what to fix.
 */
@Startup
@ApplicationScoped
public class CollectionRegistry {

    static final String DECLARED = "SELECT rxsync_declared_collections()::text";

    private final Map<String, ReplicatedCollection> byName;

    public CollectionRegistry(Pool pool, ObjectMapper json) {
        List<CatalogEntry> entries = new ArrayList<>();
        for (Row row : pool.query(DECLARED).execute().await().atMost(Duration.ofSeconds(60))) {
            try {
                entries.add(json.readValue(row.getString(0), CatalogEntry.class));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("rxsync_declared_collections() returned unreadable JSON", e);
            }
        }
        this.byName = compileAll(entries);
    }

    /** Compiles every declaration; a bad one fails the whole set with every problem listed. */
    static Map<String, ReplicatedCollection> compileAll(List<CatalogEntry> entries) {
        Map<String, ReplicatedCollection> byName = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        for (CatalogEntry entry : entries) {
            try {
                byName.put(entry.name(), CollectionCompiler.compile(entry));
            } catch (CollectionCompiler.BadDeclaration e) {
                problems.add(e.getMessage());
            }
        }
        if (!problems.isEmpty()) {
            throw new CollectionCompiler.BadDeclaration("bad collection declaration(s), fix the migration that declares them:\n  "
                    + String.join("\n  ", problems));
        }
        return Map.copyOf(byName);
    }

    public List<ReplicatedCollection> all() {
        return byName.values().stream().sorted(Comparator.comparing(ReplicatedCollection::name)).toList();
    }

    /**
     * The collection a request addresses.
     *
     * @throws ApiException 404 for an unknown name or a future version, 426 for an older version
     */
    public ReplicatedCollection resolve(String name, int schemaVersion) {
        ReplicatedCollection collection = byName.get(name);
        if (collection == null) {
            throw ApiException.notFound("unknown collection '" + name + "'");
        }
        if (schemaVersion < collection.schemaVersion()) {
            throw new ApiException(426, "Outdated version " + schemaVersion + " (newest is " + collection.schemaVersion() + ")");
        }
        if (schemaVersion > collection.schemaVersion()) {
            throw ApiException.notFound("collection '" + name + "' has no schema version " + schemaVersion);
        }
        return collection;
    }
}
