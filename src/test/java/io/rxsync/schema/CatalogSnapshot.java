package io.rxsync.schema;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * What a schema is made of, read from {@code pg_catalog} as sorted lines of text: two
 * snapshots are equal exactly when the schemas are. Column positions are left out on
 * purpose: a column dropped and added again lands at a new position, which nothing of ours
 * depends on. Flyway's own history table is left out too.
 */
final class CatalogSnapshot {

    private static final String OURS = " n.nspname = ? AND c.relname <> 'flyway_schema_history'";

    private static final List<String> QUERIES = List.of(
            // tables, views, sequences: kind, row-level security, grants
            """
            SELECT 'relation ' || c.relname || ' kind=' || c.relkind::text
                   || ' rls=' || c.relrowsecurity || '/' || c.relforcerowsecurity
                   || ' acl=' || CASE WHEN c.relacl IS NULL OR c.relacl = acldefault('r', c.relowner) THEN '-' ELSE c.relacl::text END
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND""" + OURS,
            """
            SELECT 'column ' || c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
                   || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
                   || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '')
                   || CASE WHEN a.attcollation <> t.typcollation THEN ' collate ' || co.collname ELSE '' END
                   || CASE WHEN a.attidentity <> '' THEN ' identity ' || a.attidentity::text ELSE '' END
                   || CASE WHEN a.attgenerated <> '' THEN ' generated ' || a.attgenerated::text ELSE '' END
            FROM pg_attribute a
            JOIN pg_class c ON c.oid = a.attrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            JOIN pg_type t ON t.oid = a.atttypid
            LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
            LEFT JOIN pg_collation co ON co.oid = a.attcollation
            WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND""" + OURS,
            """
            SELECT 'constraint ' || c.relname || '.' || con.conname || ' ' || pg_get_constraintdef(con.oid)
            FROM pg_constraint con
            JOIN pg_class c ON c.oid = con.conrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE""" + OURS,
            """
            SELECT 'index ' || pg_get_indexdef(i.indexrelid)
            FROM pg_index i
            JOIN pg_class c ON c.oid = i.indrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE""" + OURS,
            """
            SELECT 'trigger ' || pg_get_triggerdef(tg.oid) || ' enabled=' || tg.tgenabled::text
            FROM pg_trigger tg
            JOIN pg_class c ON c.oid = tg.tgrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE NOT tg.tgisinternal AND""" + OURS,
            """
            SELECT 'policy ' || c.relname || '.' || p.polname || ' ' || p.polcmd::text || ' permissive=' || p.polpermissive
                   || ' roles=' || p.polroles::regrole[]::text
                   || ' using ' || coalesce(pg_get_expr(p.polqual, p.polrelid), '-')
                   || ' check ' || coalesce(pg_get_expr(p.polwithcheck, p.polrelid), '-')
            FROM pg_policy p
            JOIN pg_class c ON c.oid = p.polrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE""" + OURS,
            """
            SELECT 'view ' || c.relname || ' ' || pg_get_viewdef(c.oid)
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('v', 'm') AND""" + OURS,
            // functions and procedures, whole definition (aggregates have none to print)
            """
            SELECT 'function ' || pg_get_functiondef(p.oid)
            FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE n.nspname = ? AND p.prokind IN ('f', 'p')""",
            """
            SELECT 'type ' || t.typname || ' kind=' || t.typtype::text || coalesce(' labels=' ||
                   (SELECT string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid), '')
                   || coalesce(' base=' || format_type(t.typbasetype, t.typtypmod), '')
            FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
            WHERE n.nspname = ? AND t.typtype IN ('e', 'd', 'r', 'm')""",
            """
            SELECT 'extension ' || e.extname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
            WHERE n.nspname = ?""");

    private CatalogSnapshot() {
    }

    /** Every object of {@code schema}, one sorted line each. */
    static List<String> of(Connection db, String schema) throws SQLException {
        List<String> lines = new ArrayList<>();
        for (String query : QUERIES) {
            try (PreparedStatement st = db.prepareStatement(query)) {
                st.setString(1, schema);
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        lines.add(rs.getString(1).replaceAll("\\s+", " ").strip());
                    }
                }
            }
        }
        lines.sort(null);
        return lines;
    }

    /** The lines as one text, so that a failed comparison shows a readable difference. */
    static String text(List<String> lines) {
        return String.join("\n", lines);
    }
}
