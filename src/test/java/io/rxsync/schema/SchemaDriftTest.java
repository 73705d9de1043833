package io.rxsync.schema;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rxsync.orders.Order;
import io.rxsync.support.Migrations;
import io.rxsync.support.TestDatabase;
import io.rxsync.users.User;
import java.util.List;
import org.hibernate.boot.MetadataSources;
import org.hibernate.boot.registry.StandardServiceRegistry;
import org.hibernate.boot.registry.StandardServiceRegistryBuilder;
import org.hibernate.tool.schema.spi.SchemaManagementException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * No drift between entities and migrations. Hibernate's schema validation, the check every
 * Quarkus test and every start of the service runs ({@code schema-management.strategy=validate}),
 * is run here on its own against a freshly migrated database: the real entities pass, and
 * deliberately wrong mappings fail it, which shows that the check has teeth.
 */
class SchemaDriftTest {

    private static String url;

    @BeforeAll
    static void migrate() throws Exception {
        Migrations db = Migrations.onFreshDatabase("rxsync_drift_test");
        db.flyway().migrate();
        url = db.url();
    }

    @Test
    void theEntitiesMatchTheMigratedSchema() {
        validate(List.of(User.class, Order.class), List.of());
    }

    @Test
    void aStringMappedOnAJsonbColumnFailsValidation() {
        SchemaManagementException e = assertThrows(SchemaManagementException.class,
                () -> validate(List.of(), List.of("db/fixture/drift/order-with-text-metadata.orm.xml")));
        assertTrue(e.getMessage().contains("wrong column type") && e.getMessage().contains("metadata"), e.getMessage());
    }

    @Test
    void aFieldWithoutAMigratedColumnFailsValidation() {
        SchemaManagementException e = assertThrows(SchemaManagementException.class,
                () -> validate(List.of(), List.of("db/fixture/drift/order-with-unmigrated-column.orm.xml")));
        assertTrue(e.getMessage().contains("missing column") && e.getMessage().contains("tracking_number"), e.getMessage());
    }

    /** Builds a session factory with {@code hbm2ddl.auto=validate}, which validates or throws. */
    private static void validate(List<Class<?>> annotated, List<String> mappingFiles) {
        StandardServiceRegistry registry = new StandardServiceRegistryBuilder()
                .applySetting("hibernate.connection.url", url)
                .applySetting("hibernate.connection.username", TestDatabase.USER)
                .applySetting("hibernate.connection.password", "")
                .applySetting("hibernate.hbm2ddl.auto", "validate")
                .build();
        try {
            MetadataSources sources = new MetadataSources(registry);
            annotated.forEach(sources::addAnnotatedClass);
            mappingFiles.forEach(sources::addResource);
            sources.buildMetadata().buildSessionFactory().close();
        } finally {
            StandardServiceRegistryBuilder.destroy(registry);
        }
    }
}
