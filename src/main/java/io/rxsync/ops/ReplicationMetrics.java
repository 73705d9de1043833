package io.rxsync.ops;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
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

    private final MeterRegistry registry;
    private final ChangePumps pumps;

    public ReplicationMetrics(MeterRegistry registry, ChangePumps pumps) {
        this.registry = registry;
        this.pumps = pumps;
    }

    void registerGauges(@Observes StartupEvent event) {
        for (ChangePump pump : pumps.all()) {
            Gauge.builder("rxsync.streams.open", pump, ChangePump::subscriberCount)
                    .description("Open pullStream connections on this instance")
                    .tag("collection", pump.collection().name())
                    .register(registry);
        }
    }

    public void pulled(ReplicatedCollection c, int documents) {
        counter("rxsync.pulls", "Pull requests answered", c).increment();
        counter("rxsync.documents.pulled", "Documents handed out by pulls", c).increment(documents);
    }

    public void pushed(ReplicatedCollection c, int documents, int conflicts) {
        counter("rxsync.pushes", "Push requests answered", c).increment();
        counter("rxsync.documents.pushed", "Rows received in pushes", c).increment(documents);
        counter("rxsync.conflicts", "Pushed rows answered as conflicts", c).increment(conflicts);
    }

    public void tombstonesPurged(ReplicatedCollection c, long rows) {
        counter("rxsync.tombstones.purged", "Tombstones removed by the retention purge", c).increment(rows);
    }

    /** Every error answer, by HTTP status (ErrorMetricsFilter). */
    public void error(int status) {
        Counter.builder("rxsync.errors").description("Error responses by HTTP status")
                .tag("status", Integer.toString(status)).register(registry).increment();
    }

    private Counter counter(String name, String description, ReplicatedCollection c) {
        return Counter.builder(name).description(description).tag("collection", c.name()).register(registry);
    }
}
