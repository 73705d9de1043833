package io.rxsync.replication;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Limits and timing of the replication protocol. */
@ConfigMapping(prefix = "rxsync")
public interface ReplicationConfig {

    Replication replication();

    Stream stream();

    interface Replication {
        /** Largest page a pull may ask for with {@code limit}. */
        @WithDefault("1000")
        int maxPullLimit();

        /** Page size of a pull that sends no {@code limit} (someone trying the API with curl). */
        @WithDefault("100")
        int defaultPullLimit();

        /** Largest number of rows in one push. */
        @WithDefault("1000")
        int maxPushRows();
    }

    interface Stream {
        /** The change pump reads committed changes on this timer even when no signal arrives. */
        @WithDefault("PT0.5S")
        Duration pollInterval();

        /** Documents read per pump window. */
        @WithDefault("500")
        int windowSize();

        /** Interval of the {@code : ping} comment on open streams. */
        @WithDefault("PT15S")
        Duration heartbeatInterval();
    }
}
