package io.rxsync.ops;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

/**
 * The {@code validate} schema task. Reaching startup means both checks that run before it
 * passed: Flyway validated the history against the migrations in the jar (nothing pending,
 * no checksum changed, nothing applied that the jar lacks) and Hibernate validated every
 * entity against its table. Either failure stops startup with a non-zero exit; here the
 * success ends the process with 0 before it serves anything.
 */
@ApplicationScoped
class SchemaValidationExit {

    private static final Logger LOG = Logger.getLogger(SchemaValidationExit.class);

    private final SchemaTaskConfig config;

    SchemaValidationExit(SchemaTaskConfig config) {
        this.config = config;
    }

    void onStart(@Observes @Priority(1) StartupEvent event) {
        if (config.validateAndExit()) {
            LOG.info("schema valid: the database is at the head of the migrations and matches the entities");
            Quarkus.asyncExit(0);
        }
    }
}
