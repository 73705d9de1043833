package io.rxsync.ops;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Tombstone retention (README, Operations: "Tombstone retention"). */
@ConfigMapping(prefix = "rxsync.tombstones")
public interface TombstoneConfig {

    /** How long a tombstone is kept after the delete before the purge removes it. */
    @WithDefault("P30D")
    Duration retention();

    /** How often the purge runs (a Quarkus scheduler interval, or {@code off}). */
    @WithDefault("PT1H")
    String purgeInterval();
}
