package io.rxsync.ops;

import io.smallrye.config.ConfigMapping;
import java.util.Optional;

/** A team's own migrations beside the image's (README, Add a collection: "In the image"). */
@ConfigMapping(prefix = "rxsync.migrations")
public interface TeamMigrationsConfig {

    /**
     * A directory of Flyway SQL migrations applied after ours, with their own history table
     * ({@link TeamMigrations#HISTORY_TABLE}); empty: none.
     */
    Optional<String> extraDir();
}
