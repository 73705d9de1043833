package io.rxsync.ops;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import io.rxsync.replication.CollectionRegistry;
import io.rxsync.replication.ReplicatedCollection;
import io.rxsync.replication.stream.ChangePump;
import io.rxsync.replication.stream.ChangePumps;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * The replication meters, scraped at {@code /q/metrics} (Prometheus names in the README,
 * Operations). Counters are tagged with the collection; Micrometer caches each meter, so
 * looking one up per request costs a map lookup.
 */
@ApplicationScoped
public class ReplicationMetrics {

    /** A counter of every collection; registered at zero at startup, as Prometheus expects. */
    private enum CollectionCounter {
        PULLS("rxsync.pulls", "Pull requests answered"),
        DOCUMENTS_PULLED("rxsync.documents.pulled", "Documents handed out by pulls"),
        PUSHES("rxsync.pushes", "Push requests answered"),
        DOCUMENTS_PUSHED("rxsync.documents.pushed", "Rows received in pushes"),
        CONFLICTS("rxsync.conflicts", "Pushed rows answered as conflicts"),
        TOMBSTONES_PURGED("rxsync.tombstones.purged", "Tombstones removed by the retention purge");

        final String meterName;
        final String description;

        CollectionCounter(String meterName, String description) {
            this.meterName = meterName;
            this.description = description;
        }
    }

    private final MeterRegistry registry;
    private final ChangePumps pumps;
    private final CollectionRegistry collections;

    public ReplicationMetrics(MeterRegistry registry, ChangePumps pumps, CollectionRegistry collections) {
        this.registry = registry;
        this.pumps = pumps;
        this.collections = collections;
    }

    void registerAtStartup(@Observes StartupEvent event) {
        // a counter that appears only with its first increment has no "before" for rate()
        // and looks like a missing scrape target: every one exists from the start, at zero
        for (ReplicatedCollection c : collections.all()) {
            for (CollectionCounter counter : CollectionCounter.values()) {
                counter(counter, c);
            }
        }
        for (ChangePump pump : pumps.all()) {
            Gauge.builder("rxsync.streams.open", pump, ChangePump::subscriberCount)
                    .description("Open pullStream connections on this instance")
                    .tag("collection", pump.collection().name())
                    .register(registry);
        }
    }

    public void pulled(ReplicatedCollection c, int documents) {
        counter(CollectionCounter.PULLS, c).increment();
        counter(CollectionCounter.DOCUMENTS_PULLED, c).increment(documents);
    }

    public void pushed(ReplicatedCollection c, int documents, int conflicts) {
        counter(CollectionCounter.PUSHES, c).increment();
        counter(CollectionCounter.DOCUMENTS_PUSHED, c).increment(documents);
        counter(CollectionCounter.CONFLICTS, c).increment(conflicts);
    }

    public void tombstonesPurged(ReplicatedCollection c, long rows) {
        counter(CollectionCounter.TOMBSTONES_PURGED, c).increment(rows);
    }

    /** Every error answer, by HTTP status (ErrorCounting). */
    public void error(int status) {
        Counter.builder("rxsync.errors").description("Error responses by HTTP status")
                .tag("status", Integer.toString(status)).register(registry).increment();
    }

    private Counter counter(CollectionCounter counter, ReplicatedCollection c) {
        return Counter.builder(counter.meterName).description(counter.description)
                .tag("collection", c.name()).register(registry);
    }
}
