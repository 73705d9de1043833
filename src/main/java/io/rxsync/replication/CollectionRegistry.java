package io.rxsync.replication;

import io.rxsync.web.ApiException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/** Every {@link ReplicatedCollection} bean of the application, found by URL name. */
@ApplicationScoped
public class CollectionRegistry {

    private final Map<String, ReplicatedCollection> byName;

    public CollectionRegistry(Instance<ReplicatedCollection> collections) {
        this.byName = collections.stream()
                .collect(Collectors.toUnmodifiableMap(ReplicatedCollection::name, Function.identity()));
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
