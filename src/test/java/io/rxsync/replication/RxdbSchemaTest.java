package io.rxsync.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The RxDB schemas of orders and users, now derived from their declarations (migration V20),
 * are exactly the ones the hand-written descriptors produced before: what clients validate
 * against did not change. The expected texts are the old listing's, byte for byte (property
 * order included: it is the wire form).
 */
class RxdbSchemaTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static final String ORDERS_BEFORE = """
            {"title":"orders","description":"The signed-in user's orders","version":0,"primaryKey":"id","type":"object","properties":{"id":{"type":"string","maxLength":36},"userId":{"type":"string","maxLength":36},"status":{"type":"string","maxLength":16,"enum":["pending","paid","shipped","cancelled"]},"totalCents":{"type":"integer","minimum":0},"currency":{"type":"string","maxLength":3,"pattern":"^[A-Z]{3}$"},"note":{"type":"string","maxLength":1000},"metadata":{"type":"object"}},"required":["id","userId","status","totalCents","currency"]}""";

    private static final String USERS_BEFORE = """
            {"title":"users","description":"The signed-in user's own profile","version":0,"primaryKey":"id","type":"object","properties":{"id":{"type":"string","maxLength":36},"email":{"type":"string","maxLength":320},"displayName":{"type":"string","maxLength":100}},"required":["id","email","displayName"]}""";

    @Test
    void ordersKeepTheSchemaOfTheHandWrittenDescriptor() {
        assertEquals(ORDERS_BEFORE.strip(), RxdbSchema.of(Descriptors.orders()).toString());
    }

    /**
     * The web app bundles the orders schema at build time (so that it starts offline); the
     * file is the derived schema, not a hand-kept copy. DeclarationTest keeps the catalog
     * fixture equal to the live catalog, so this is the listing's schema. To regenerate after
     * a declaration changes: {@code ./mvnw test -Dtest=RxdbSchemaTest -Drxsync.write-webui-schema}.
     */
    @Test
    void theWebAppBundlesTheDerivedOrdersSchema() throws Exception {
        Path file = Path.of("src/main/webui/src/orders.schema.json");
        String derived = JSON.writerWithDefaultPrettyPrinter().writeValueAsString(RxdbSchema.of(Descriptors.orders())) + "\n";
        if (System.getProperty("rxsync.write-webui-schema") != null) {
            Files.writeString(file, derived);
        }
        assertEquals(JSON.readTree(derived), JSON.readTree(Files.readString(file)),
                "src/main/webui/src/orders.schema.json is generated: run with -Drxsync.write-webui-schema");
    }

    @Test
    void usersKeepTheSchemaOfTheHandWrittenDescriptor() {
        assertEquals(USERS_BEFORE.strip(), RxdbSchema.of(Descriptors.users()).toString());
    }
}
