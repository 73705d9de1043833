package io.rxsync.ops;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.rxsync.replication.Checkpoint;
import io.rxsync.replication.stream.ChangePump;
import io.rxsync.replication.stream.ChangePumps;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * Samples replication lag on a schedule into gauges, so that a scrape costs no query:
 * <ul>
 * <li>{@code rxsync_change_pump_lag_seconds{collection}}: age of the oldest committed change
 * the collection's pump has not published to the open streams yet (by the row's
 * {@code updated_at}); 0 when it is caught up;</li>
 * <li>{@code rxsync_watermark_lag_xids} and {@code rxsync_watermark_lag_seconds}: how far an
 * open transaction holds {@code rxsync_watermark()} back, in transaction ids assigned since
 * and in seconds it has been open (NaN when the database does not let us see it).</li>
 * </ul>
 */
@ApplicationScoped
public class LagSampler {

    private static final Logger LOG = Logger.getLogger(LagSampler.class);

    private final LagRepository lag;
    private final ChangePumps pumps;
    private final MeterRegistry registry;
    private final MetricsConfig config;
    private final Map<String, AtomicLong> pumpLagMicros = new ConcurrentHashMap<>();
    private final AtomicLong watermarkLagXids = new AtomicLong();
    private final AtomicLong watermarkLagMicros = new AtomicLong();

    public LagSampler(LagRepository lag, ChangePumps pumps, MeterRegistry registry, MetricsConfig config) {
        this.lag = lag;
        this.pumps = pumps;
        this.registry = registry;
        this.config = config;
    }

    void registerGauges(@Observes StartupEvent event) {
        LOG.debugf("replication lag sampled every %s", config.lagSampleInterval());
        for (ChangePump pump : pumps.all()) {
            AtomicLong micros = pumpLagMicros.computeIfAbsent(pump.collection().name(), k -> new AtomicLong());
            Gauge.builder("rxsync.change.pump.lag.seconds", micros, m -> m.get() / 1e6)
                    .description("Age of the oldest committed change not yet published to the streams")
                    .tag("collection", pump.collection().name()).register(registry);
        }
        Gauge.builder("rxsync.watermark.lag.xids", watermarkLagXids, AtomicLong::get)
                .description("Transaction ids assigned since the oldest transaction holding the watermark back")
                .register(registry);
        Gauge.builder("rxsync.watermark.lag.seconds", watermarkLagMicros, m -> m.get() < 0 ? Double.NaN : m.get() / 1e6)
                .description("How long the transaction holding the watermark back has been open")
                .register(registry);
    }

    @Scheduled(identity = "lag-sampler", every = "${rxsync.metrics.lag-sample-interval}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> onSchedule() {
        return sample().onFailure().recoverWithItem(failure -> {
            LOG.debugf(failure, "lag sample failed; the gauges keep their last values");
            return null;
        });
    }

    /** Takes one sample of every gauge. */
    public Uni<Void> sample() {
        Uni<Void> watermark = lag.watermarkLag().invoke(w -> {
            watermarkLagXids.set(w.xids());
            watermarkLagMicros.set(w.seconds() == null ? -1 : Math.round(w.seconds() * 1e6));
        }).replaceWithVoid();
        Uni<Void> pumpsLag = Multi.createFrom().iterable(pumps.all())
                .onItem().transformToUniAndConcatenate(this::samplePump)
                .collect().last().replaceWithVoid();
        return watermark.chain(() -> pumpsLag);
    }

    private Uni<Void> samplePump(ChangePump pump) {
        Checkpoint published = pump.published();
        if (published == null) {
            return Uni.createFrom().voidItem(); // not read yet: nothing published, nothing to measure
        }
        return lag.changePumpLag(pump.collection(), published)
                .invoke(seconds -> pumpLagMicros.get(pump.collection().name()).set(Math.round(seconds * 1e6)))
                .replaceWithVoid();
    }
}
