package io.rxsync.replication;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Collection descriptors for tests: compiled from the catalog JSON that
 * {@code rxsync_declared_collections()} returns, either kept as files (unit tests without a
 * database; DeclarationTest keeps them equal to the live catalog) or read from a database.
 */
public final class Descriptors {

    private static final ObjectMapper JSON = new ObjectMapper();

    private Descriptors() {
    }

    /** The catalog entry kept in {@code src/test/resources/catalog/<name>.json}. */
    public static CatalogEntry entry(String name) {
        try (InputStream in = Descriptors.class.getResourceAsStream("/catalog/" + name + ".json")) {
            return JSON.readValue(in, CatalogEntry.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static ReplicatedCollection orders() {
        return CollectionCompiler.compile(entry("orders"));
    }

    public static ReplicatedCollection users() {
        return CollectionCompiler.compile(entry("users"));
    }

    /** The catalog entries of every collection declared in a database. */
    public static List<CatalogEntry> liveEntries(Connection db) throws SQLException, IOException {
        List<CatalogEntry> entries = new ArrayList<>();
        try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery(CollectionRegistry.DECLARED)) {
            while (rs.next()) {
                entries.add(JSON.readValue(rs.getString(1), CatalogEntry.class));
            }
        }
        return entries;
    }

    /** Every collection declared in a database, compiled as the server compiles them at startup. */
    public static Map<String, ReplicatedCollection> live(Connection db) throws SQLException, IOException {
        return CollectionRegistry.compileAll(liveEntries(db));
    }
}
