package io.rxsync.ops;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Metrics that need the database (README, Operations: "Metrics"). */
@ConfigMapping(prefix = "rxsync.metrics")
public interface MetricsConfig {

    /** How often LagSampler reads the replication lag into its gauges (a scheduler interval, or {@code off}). */
    @WithDefault("10s")
    String lagSampleInterval();
}
