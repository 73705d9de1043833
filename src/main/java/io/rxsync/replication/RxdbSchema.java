package io.rxsync.replication;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

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
                p.put("maxLength", field.maxLength());
                if (!field.allowed().isEmpty()) {
                    ArrayNode values = p.putArray("enum");
                    field.allowed().forEach(values::add);
                }
                if (field.pattern() != null) {
                    p.put("pattern", field.pattern().pattern());
                }
            }
            case INTEGER -> {
                if (field.minimum() != null) {
                    p.put("minimum", field.minimum());
                }
            }
            case OBJECT -> {
            }
        }
        return p;
    }
}
