package io.rxsync.replication;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.List;

/**
 * Writes a pull page or a stream frame, {@code {"documents":[...],"checkpoint":{"lwt":..,"id":..}}},
 * straight from the rows' column texts to UTF-8 bytes with Jackson's streaming generator.
 * An {@code ObjectNode} per document (a hash map with a node per field) was most of what a
 * pulled document allocated and a large share of the service's CPU on pull (benchmark,
 * issue 16); the bytes are the same as the tree's ({@code PageJsonTest}). The generator
 * comes from the application's {@link ObjectMapper}, so it writes with its settings.
 */
public final class PageJson {

    /** About what one order's JSON takes: the first allocation usually holds the page. */
    private static final int BYTES_PER_DOCUMENT = 256;

    private PageJson() {
    }

    /**
     * The page of {@code rows} whose checkpoint is {@code checkpoint}, as UTF-8 bytes: a pull's
     * answer, written as Quarkus REST wrote it through Jackson before (characters outside the
     * Basic Multilingual Plane as {@code \\u} escapes of their surrogates).
     */
    public static byte[] bytes(ObjectMapper json, ReplicatedCollection collection, List<ChangedRow> rows,
                               Checkpoint checkpoint) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(64 + BYTES_PER_DOCUMENT * rows.size());
        try (JsonGenerator g = json.createGenerator(out)) {
            write(g, collection, rows, checkpoint);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write a page", e); // into memory: not expected
        }
        return out.toByteArray();
    }

    /**
     * The same page as text: a stream frame, which the SSE writer encodes (written as
     * {@code writeValueAsString} wrote frames before: every character as itself).
     */
    public static String text(ObjectMapper json, ReplicatedCollection collection, List<ChangedRow> rows,
                              Checkpoint checkpoint) {
        StringWriter out = new StringWriter(64 + BYTES_PER_DOCUMENT * rows.size());
        try (JsonGenerator g = json.createGenerator(out)) {
            write(g, collection, rows, checkpoint);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write a frame", e); // into memory: not expected
        }
        return out.toString();
    }

    private static void write(JsonGenerator g, ReplicatedCollection collection, List<ChangedRow> rows,
                              Checkpoint checkpoint) throws IOException {
        Sink sink = new Sink(g);
        g.writeStartObject();
        g.writeArrayFieldStart("documents");
        for (ChangedRow row : rows) {
            if (row.leaving()) {
                // rare (a revoke, a move): the placeholder document is built as a tree
                g.writeTree(DocumentRules.leavingDocument(collection, row.id()));
                continue;
            }
            g.writeStartObject();
            DocumentRules.emit(collection, row.id(), row.values(), row.deleted(), sink);
            g.writeEndObject();
        }
        g.writeEndArray();
        // the record Checkpoint as Jackson wrote it: lwt as the client sent it (12.50 stays 12.50)
        g.writeObjectFieldStart("checkpoint");
        g.writeNumberField("lwt", checkpoint.lwt());
        g.writeStringField("id", checkpoint.id());
        g.writeEndObject();
        g.writeEndObject();
    }

    /** The document's fields, into the generator. */
    private record Sink(JsonGenerator g) implements DocumentRules.DocumentSink {

        @Override
        public void string(String name, String value) throws IOException {
            g.writeStringField(name, value);
        }

        @Override
        public void integer(String name, String digits) throws IOException {
            g.writeFieldName(name);
            g.writeNumber(digits);
        }

        @Override
        public void number(String name, BigDecimal value) throws IOException {
            g.writeNumberField(name, value);
        }

        @Override
        public void bool(String name, boolean value) throws IOException {
            g.writeBooleanField(name, value);
        }

        @Override
        public void object(String name, String text) throws IOException {
            g.writeFieldName(name);
            g.writeRawValue(text);
        }
    }
}
