package io.rxsync.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * The RxDB schemas of orders and users, now derived from their declarations (migration V20),
 * are exactly the ones the hand-written descriptors produced before: what clients validate
 * against did not change. The expected texts are the old listing's, byte for byte (property
 * order included: it is the wire form).
 */
class RxdbSchemaTest {

    private static final String ORDERS_BEFORE = """
            {"title":"orders","description":"The signed-in user's orders","version":0,"primaryKey":"id","type":"object","properties":{"id":{"type":"string","maxLength":36},"userId":{"type":"string","maxLength":36},"status":{"type":"string","maxLength":16,"enum":["pending","paid","shipped","cancelled"]},"totalCents":{"type":"integer","minimum":0},"currency":{"type":"string","maxLength":3,"pattern":"^[A-Z]{3}$"},"note":{"type":"string","maxLength":1000},"metadata":{"type":"object"}},"required":["id","userId","status","totalCents","currency"]}""";

    private static final String USERS_BEFORE = """
            {"title":"users","description":"The signed-in user's own profile","version":0,"primaryKey":"id","type":"object","properties":{"id":{"type":"string","maxLength":36},"email":{"type":"string","maxLength":320},"displayName":{"type":"string","maxLength":100}},"required":["id","email","displayName"]}""";

    @Test
    void ordersKeepTheSchemaOfTheHandWrittenDescriptor() {
        assertEquals(ORDERS_BEFORE.strip(), RxdbSchema.of(Descriptors.orders()).toString());
    }

    @Test
    void usersKeepTheSchemaOfTheHandWrittenDescriptor() {
        assertEquals(USERS_BEFORE.strip(), RxdbSchema.of(Descriptors.users()).toString());
    }
}
