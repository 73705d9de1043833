package io.rxsync.replication;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.rxsync.web.ApiException;
import org.junit.jupiter.api.Test;

class DocumentRulesTest {

    private static final String USER = "11111111-2222-3333-4444-555555555555";
    private static final String ID = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";
    private final ObjectMapper json = new ObjectMapper();
    private final ReplicatedCollection orders = Descriptors.orders();

    private JsonNode order(String extra) throws Exception {
        return json.readTree(("{'id':'" + ID + "','userId':'" + USER + "','status':'paid','totalCents':12.0,"
                + "'currency':'EUR'" + extra + "}").replace('\'', '"'));
    }

    private ApiException rejected(String extra) {
        return assertThrows(ApiException.class, () -> DocumentRules.check(orders, order(extra), 3, USER));
    }

    @Test
    void aValidOrderBecomesColumnTexts() throws Exception {
        var checked = DocumentRules.check(orders, order(",'metadata':{'b':1},'_rev':'1-x','_deleted':true"), 0, USER);
        assertEquals(ID, checked.id());
        assertArrayEquals(new String[] {USER, "paid", "12", "EUR", null, "{\"b\":1}"}, checked.values());
        assertTrue(checked.deleted());
    }

    @Test
    void eachBrokenRuleNamesTheRowAndTheField() {
        assertEquals("row 3: field 'status' must be one of [pending, paid, shipped, cancelled]",
                rejected(",'status':'lost'").getMessage());
        assertTrue(rejected(",'totalCents':1.5").getMessage().contains("'totalCents' must be a whole number"));
        assertTrue(rejected(",'totalCents':-1").getMessage().contains("'totalCents' must be between 0"));
        assertTrue(rejected(",'totalCents':1e300").getMessage().contains("totalCents"));
        assertTrue(rejected(",'currency':'eur'").getMessage().contains("'currency' must match"));
        assertTrue(rejected(",'note':'" + "n".repeat(1001) + "'").getMessage().contains("'note' is longer than 1000"));
        assertTrue(rejected(",'metadata':[1]").getMessage().contains("'metadata' must be a JSON object"));
        assertTrue(rejected(",'sneaky':1").getMessage().contains("unknown field 'sneaky'"));
        assertTrue(rejected(",'note':'nul\\u0000'").getMessage().contains("NUL"));
        assertTrue(rejected(",'_deleted':'yes'").getMessage().contains("_deleted"));
        assertEquals("row 3: field '_deleted' must be a boolean", rejected(",'_deleted':null").getMessage());
    }

    @Test
    void loneSurrogatesAreRefusedAndPairsKept() throws Exception {
        // JSON escapes, as a client sends them: half a pair is no character at all
        assertEquals("row 3: field 'note' must not contain lone UTF-16 surrogates (invalid Unicode)",
                rejected(",'note':'a\\ud800b'").getMessage());
        assertTrue(rejected(",'note':'ends with \\ud83d'").getMessage().contains("'note' must not contain lone"));
        assertTrue(rejected(",'note':'\\ude00 starts'").getMessage().contains("'note' must not contain lone"));
        assertTrue(rejected(",'metadata':{'k':'\\udc00'}").getMessage().contains("'metadata'"));
        assertTrue(rejected(",'metadata':{'\\ud800':1}").getMessage().contains("'metadata'"));
        assertTrue(rejected(",'metadata':{'list':['ok','\\ud800']}").getMessage().contains("'metadata'"));
        var emoji = DocumentRules.check(orders, order(",'note':'ok \\ud83d\\ude00','metadata':{'\\ud83d\\ude00':'\\ud83d\\ude00'}"), 0, USER);
        assertEquals("ok \ud83d\ude00", emoji.values()[4]);
    }

    @Test
    void deepMetadataIsRefused() {
        String deep = "{'a':".repeat(40) + "1" + "}".repeat(40);
        assertTrue(rejected(",'metadata':" + deep).getMessage().contains("nested deeper"));
    }

    @Test
    void theOwnerMustBeTheCaller() {
        ApiException e = assertThrows(ApiException.class,
                () -> DocumentRules.check(orders, order(""), 0, "99999999-2222-3333-4444-555555555555"));
        assertEquals(403, e.status());
    }

    @Test
    void idsMustBeCanonicalUuids() {
        for (String id : new String[] {"a&b", "AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE", "", "1 2"}) {
            ApiException e = assertThrows(ApiException.class, () -> DocumentRules.check(orders,
                    json.readTree("{\"id\":\"" + id + "\",\"userId\":\"" + USER
                            + "\",\"status\":\"paid\",\"totalCents\":1,\"currency\":\"EUR\"}"), 0, USER));
            assertEquals(400, e.status(), id);
        }
    }
}
