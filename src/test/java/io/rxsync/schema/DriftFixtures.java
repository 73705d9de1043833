package io.rxsync.schema;

import java.util.UUID;

/**
 * Deliberately wrong mappings of the orders table, mapped in XML
 * ({@code db/fixture/drift/*.orm.xml}) rather than annotated: an {@code @Entity} in the test
 * sources would join the application's persistence unit in every Quarkus test.
 */
final class DriftFixtures {

    private DriftFixtures() {
    }

    /**
     * {@code metadata} is jsonb; a plain string mapping (the JSON type forgotten) expects
     * varchar. (An {@code int} on a bigint column would not do as a fixture: Hibernate
     * accepts integer types of any width.)
     */
    static class OrderWithTextMetadata {
        UUID id;
        String metadata;
    }

    /** A field whose column no migration created. */
    static class OrderWithUnmigratedColumn {
        UUID id;
        String trackingNumber;
    }
}
