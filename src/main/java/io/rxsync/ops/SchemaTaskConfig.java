package io.rxsync.ops;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Running the service as a one-off schema task instead of a server (README, Schema). */
@ConfigMapping(prefix = "rxsync.schema")
public interface SchemaTaskConfig {

    /** Exit with 0 as soon as startup has validated the schema (the {@code validate} profile). */
    @WithDefault("false")
    boolean validateAndExit();
}
