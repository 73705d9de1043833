package io.rxsync.replication;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;

/**
 * The RxDB JSON schema of a collection, derived from its descriptor so that what a client
 * builds its collection from and what the server checks on push cannot drift apart.
 */
public final class RxdbSchema {

    private RxdbSchema() {
    }

    public static ObjectNode of(ReplicatedCollection c) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode schema = f.objectNode();
        schema.put("title", c.name());
        schema.put("description", c.description());
        schema.put("version", c.schemaVersion());
        schema.put("primaryKey", c.idField().name());
        schema.put("type", "object");
        ObjectNode properties = schema.putObject("properties");
        ArrayNode required = f.arrayNode();
        properties.set(c.idField().name(), property(c.idField()));
        required.add(c.idField().name());
        for (Field field : c.fields()) {
            properties.set(field.name(), property(field));
            if (field.required()) {
                required.add(field.name());
            }
        }
        schema.set("required", required);
        return schema;
    }

    private static ObjectNode property(Field field) {
        ObjectNode p = JsonNodeFactory.instance.objectNode();
        p.put("type", field.type().jsonType());
        switch (field.type()) {
            case UUID, STRING -> {
                if (field.maxLength() > 0) {
                    p.put("maxLength", field.maxLength());
                }
                if (!field.allowed().isEmpty()) {
                    ArrayNode values = p.putArray("enum");
                    field.allowed().forEach(values::add);
                }
                if (field.pattern() != null) {
                    p.put("pattern", field.pattern().pattern());
                }
            }
            case INTEGER, NUMBER -> {
                bound(p, "minimum", field.minimum(), field.type());
                bound(p, "maximum", field.maximum(), field.type());
            }
            case DATE_TIME -> p.put("format", "date-time");
            case BOOLEAN, OBJECT -> {
            }
        }
        return p;
    }

    /** A bound of an integer field is written as an integer (0, not 0.0 or 0E+1). */
    private static void bound(ObjectNode p, String keyword, BigDecimal value, FieldType type) {
        if (value == null) {
            return;
        }
        if (type == FieldType.INTEGER) {
            p.put(keyword, value.longValueExact());
        } else {
            p.put(keyword, value);
        }
    }
}
