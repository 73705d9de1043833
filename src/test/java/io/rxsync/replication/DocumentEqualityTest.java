package io.rxsync.replication;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class DocumentEqualityTest {

    private final ObjectMapper json = new ObjectMapper();
    private final ReplicatedCollection orders = Descriptors.orders();

    private JsonNode doc(String text) throws Exception {
        return json.readTree(text.replace('\'', '"'));
    }

    @Test
    void numbersCompareByValueAndKeyOrderDoesNotMatter() throws Exception {
        assertTrue(DocumentEquality.sameClientState(orders,
                doc("{'id':'a','status':'paid','totalCents':1,'metadata':{'x':[1,2.50],'y':true}}"),
                doc("{'metadata':{'y':true,'x':[1.0,2.5]},'totalCents':1.0,'status':'paid','id':'a'}")));
        assertTrue(DocumentEquality.sameClientState(orders,
                doc("{'totalCents':9007199254740991}"), doc("{'totalCents':9007199254740991.0}")));
    }

    @Test
    void insideObjectsAMissingKeyIsNotNull() throws Exception {
        assertFalse(DocumentEquality.sameClientState(orders,
                doc("{'metadata':{'a':null}}"), doc("{'metadata':{}}")));
    }

    @Test
    void atTheTopLevelNullAndMissingAreTheSame() throws Exception {
        assertTrue(DocumentEquality.sameClientState(orders, doc("{'note':null}"), doc("{}")));
    }

    @Test
    void theTombstoneFlagCounts() throws Exception {
        assertFalse(DocumentEquality.sameClientState(orders, doc("{'_deleted':true}"), doc("{'_deleted':false}")));
        assertTrue(DocumentEquality.sameClientState(orders, doc("{'_deleted':false}"), doc("{}")));
    }

    @Test
    void readOnlyFieldsAreNotComparedButAreReported() throws Exception {
        ReplicatedCollection users = Descriptors.users();
        JsonNode stored = doc("{'id':'u','email':'a@x.io','displayName':'A'}");
        JsonNode pushed = doc("{'id':'u','email':'b@x.io','displayName':'A'}");
        assertTrue(DocumentEquality.sameClientState(users, stored, pushed));
        assertTrue(DocumentEquality.changedReadOnlyField(users, stored, pushed).name().equals("email"));
    }
}
