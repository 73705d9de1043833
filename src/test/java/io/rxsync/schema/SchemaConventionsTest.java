package io.rxsync.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.test.junit.QuarkusTest;
import io.rxsync.replication.CollectionRegistry;
import io.rxsync.replication.Scope;
import io.rxsync.replication.ReplicatedCollection;
import io.rxsync.support.TestDatabase;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The conventions of the README's schema section, checked on the database the tests run
 * on (every migration, plus the notes fixture), for every table and for every collection the
 * application registers: a new collection is checked as soon as its descriptor exists.
 */
@QuarkusTest
class SchemaConventionsTest {

    /** Text columns allowed to be unbounded, as {@code table.column}: none so far. */
    private static final Set<String> UNBOUNDED_TEXT = Set.of();

    /**
     * Catalog tables keyed by a name instead of a uuid, and that key as {@code column type}:
     * the owner writes their rows in migrations and SQL looks them up by that name.
     */
    private static final Map<String, String> CATALOG_KEYS = Map.of("rxsync_collections", "name varchar");

    @Inject
    CollectionRegistry collections;

    @Test
    void everyTableFollowsTheTableConventions() throws Exception {
        List<String> broken = new ArrayList<>();
        try (Connection db = TestDatabase.connect("test")) {
            for (String table : strings(db, """
                    SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname <> 'flyway_schema_history'""")) {
                String[] key = CATALOG_KEYS.getOrDefault(table, "id uuid").split(" ");
                expect(broken, db, table + ": " + key[0] + " " + key[1] + " primary key", """
                        SELECT count(*) = 1 FROM pg_constraint con JOIN pg_attribute a
                          ON a.attrelid = con.conrelid AND a.attnum = ANY (con.conkey)
                        WHERE con.conrelid = ?::regclass AND con.contype = 'p' AND cardinality(con.conkey) = 1
                          AND a.attname = '%s' AND a.atttypid = '%s'::regtype""".formatted(key[0], key[1]), table);
                for (String column : List.of("created_at", "updated_at")) {
                    expect(broken, db, table + ": " + column + " timestamptz not null default now()",
                            columnIs(column, "timestamptz", "now()"), table);
                }
                for (String column : strings(db, """
                        SELECT a.attname FROM pg_attribute a
                        WHERE a.attrelid = '%s'::regclass AND a.attnum > 0 AND NOT a.attisdropped
                          AND (a.atttypid = 'text'::regtype OR (a.atttypid = 'varchar'::regtype AND a.atttypmod < 0))"""
                        .formatted(table))) {
                    if (!UNBOUNDED_TEXT.contains(table + "." + column)) {
                        broken.add(table + "." + column + ": text without a length (varchar(n), or list it as unbounded)");
                    }
                }
                for (String fk : strings(db, """
                        SELECT con.conname FROM pg_constraint con
                        WHERE con.conrelid = '%s'::regclass AND con.contype = 'f'""".formatted(table))) {
                    expect(broken, db, table + "." + fk + ": one column named {entity}_id", """
                            SELECT cardinality(con.conkey) = 1 AND a.attname = regexp_replace(ref.relname, 's$', '') || '_id'
                            FROM pg_constraint con
                            JOIN pg_class ref ON ref.oid = con.confrelid
                            JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = con.conkey[1]
                            WHERE con.conname = ?""", fk);
                    expect(broken, db, table + "." + fk + ": an explicit ON DELETE",
                            "SELECT confdeltype <> 'a' FROM pg_constraint WHERE conname = ?", fk);
                    expect(broken, db, table + "." + fk + ": indexed (an index leading with its column)", """
                            SELECT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = con.conrelid
                                           AND i.indkey[0] = con.conkey[1] AND i.indpred IS NULL)
                            FROM pg_constraint con WHERE con.conname = ?""", fk);
                }
            }
        }
        assertEquals(List.of(), broken);
    }

    @Test
    void everyCollectionTableCarriesWhatReplicationNeeds() throws Exception {
        List<String> broken = new ArrayList<>();
        try (Connection db = TestDatabase.connect("test")) {
            for (ReplicatedCollection c : collections.all()) {
                // the catalog names the table schema-qualified (public.orders); triggers are named by the relation
                String t = c.table().substring(c.table().indexOf('.') + 1);
                expect(broken, db, t + ": deleted boolean not null default false", columnIs("deleted", "bool", "false"), t);
                expect(broken, db, t + ": change_xid xid8 not null default pg_current_xact_id()",
                        columnIs("change_xid", "xid8", "pg_current_xact_id()"), t);
                expect(broken, db, t + ": trigger " + t + "_stamp_change", trigger("rxsync_stamp_change", 2 | 4 | 16), t + "_stamp_change");
                String owner = c.scope() instanceof Scope.Owner o ? o.column() : null;
                if (owner != null && !owner.equals(c.idField().column())) {
                    // Rows a client deletes become tombstones; only an owner's account is removed for real.
                    expect(broken, db, t + ": trigger " + t + "_delete_to_tombstone",
                            trigger("rxsync_delete_to_tombstone", 2 | 8), t + "_delete_to_tombstone");
                    expect(broken, db, t + ": index (" + owner + ", change_xid, id) for pull",
                            index(owner + ", change_xid, id"), t);
                    // an owner that is an account references it; a subject (text owner) has no account row to reference
                    if (((Scope.Owner) c.scope()).field().type() == io.rxsync.replication.FieldType.UUID) {
                        expect(broken, db, t + ": " + owner + " references users(id) ON DELETE CASCADE", """
                                SELECT EXISTS (SELECT 1 FROM pg_constraint con
                                  JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = con.conkey[1]
                                  WHERE con.conrelid = ?::regclass AND con.contype = 'f' AND con.confrelid = 'users'::regclass
                                    AND a.attname = '%s' AND con.confdeltype = 'c')""".formatted(owner), t);
                    }
                }
                expect(broken, db, t + ": index (change_xid, id) for the change pump", index("change_xid, id"), t);
                if (c.idField().type() != io.rxsync.replication.FieldType.UUID) {
                    expect(broken, db, t + ": text id in COLLATE \"C\" (the byte order clients compare in)", """
                            SELECT coll.collname = 'C' FROM pg_attribute a JOIN pg_collation coll ON coll.oid = a.attcollation
                            WHERE a.attrelid = ?::regclass AND a.attname = 'id'""", t);
                }
            }
        }
        assertEquals(List.of(), broken);
    }

    private static String columnIs(String column, String type, String defaultExpression) {
        return """
                SELECT EXISTS (SELECT 1 FROM pg_attribute a JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
                  WHERE a.attrelid = ?::regclass AND a.attname = '%s' AND a.atttypid = '%s'::regtype AND a.attnotnull
                    AND pg_get_expr(d.adbin, d.adrelid) = '%s')""".formatted(column, type, defaultExpression);
    }

    /** A BEFORE row trigger of that name running {@code function}; {@code events} as in pg_trigger.tgtype. */
    private static String trigger(String function, int events) {
        return """
                SELECT EXISTS (SELECT 1 FROM pg_trigger tg WHERE tg.tgname = ? AND NOT tg.tgisinternal
                  AND tg.tgfoid = '%s'::regproc AND tg.tgtype & %d = %d AND tg.tgenabled = 'O')"""
                .formatted(function, events | 1, events | 1);
    }

    /** A plain (not partial) btree index on exactly these columns. */
    private static String index(String columns) {
        return """
                SELECT EXISTS (SELECT 1 FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
                  WHERE i.indrelid = ?::regclass AND i.indpred IS NULL
                    AND pg_get_indexdef(i.indexrelid) LIKE '%%USING btree (' || '%s' || ')')""".formatted(columns);
    }

    private static void expect(List<String> broken, Connection db, String rule, String sql, String param) throws SQLException {
        try (PreparedStatement st = db.prepareStatement(sql)) {
            st.setString(1, param);
            try (ResultSet rs = st.executeQuery()) {
                if (!rs.next() || !rs.getBoolean(1)) {
                    broken.add(rule);
                }
            }
        }
    }

    private static List<String> strings(Connection db, String sql) throws SQLException {
        List<String> values = new ArrayList<>();
        try (PreparedStatement st = db.prepareStatement(sql); ResultSet rs = st.executeQuery()) {
            while (rs.next()) {
                values.add(rs.getString(1));
            }
        }
        return values;
    }
}
