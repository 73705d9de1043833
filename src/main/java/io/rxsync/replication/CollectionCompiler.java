package io.rxsync.replication;

import io.rxsync.replication.CatalogEntry.Column;
import io.rxsync.replication.CatalogEntry.Constraint;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Turns a declaration and its table's catalog rows into the collection's descriptor: a pure
 * function, so that what a declaration means is tested without a database. Every problem of
 * a declaration is reported at once, each with what to fix.
 */
public final class CollectionCompiler {

    /** Replication's own columns (rxsync_declare_collection adds them): never client fields. */
    static final Set<String> BOOKKEEPING = Set.of("deleted", "change_xid", "created_xid", "created_at", "updated_at");
    /** The stamps clients may read nowhere and never write; a push carrying one is refused. */
    private static final List<String> SERVER_STAMPS = List.of("created_at", "updated_at");
    /** The longest JSON text of a jsonb field a push may carry. */
    static final int MAX_OBJECT_JSON = 16_384;
    static final String STAMP_TRIGGER = "rxsync_stamp_change";
    static final String TOMBSTONE_TRIGGER = "rxsync_delete_to_tombstone";
    private static final String SUPPORTED = "uuid, varchar(n), char(n), text, smallint, integer, bigint, numeric, "
            + "real, double precision, boolean, jsonb, timestamptz";

    private CollectionCompiler() {
    }

    /** A declaration the server cannot serve; the message says what to fix. */
    public static final class BadDeclaration extends RuntimeException {
        public BadDeclaration(String message) {
            super(message);
        }
    }

    public static ReplicatedCollection compile(CatalogEntry e) {
        List<String> problems = new ArrayList<>();
        Map<String, Column> columns = e.columns().stream()
                .collect(Collectors.toMap(Column::name, Function.identity(), (a, b) -> a, LinkedHashMap::new));
        String t = "table " + e.table();

        expectColumn(problems, columns, e.table(), "change_xid", "xid8",
                "has no commit stamp (change_xid xid8): declare it with rxsync_declare_collection");
        expectColumn(problems, columns, e.table(), "deleted", "boolean", "has no tombstone flag (deleted boolean)");
        expectColumn(problems, columns, e.table(), "created_at", "timestamp with time zone", "has no created_at timestamptz");
        expectColumn(problems, columns, e.table(), "updated_at", "timestamp with time zone", "has no updated_at timestamptz");
        if (!e.triggers().contains(STAMP_TRIGGER)) {
            problems.add(t + " has no commit stamp (its rxsync_stamp_change trigger is missing or disabled): "
                    + "declare it again with rxsync_declare_collection");
        }
        if (e.tombstones() != e.triggers().contains(TOMBSTONE_TRIGGER)) {
            problems.add(t + (e.tombstones() ? " lacks" : " has") + " the rxsync_delete_to_tombstone trigger although "
                    + "it is declared with tombstones => " + e.tombstones() + ": declare it again with rxsync_declare_collection");
        }
        for (String name : concat(e.serverOnly(), e.readOnly())) {
            if (!columns.containsKey(name)) {
                problems.add("server-only or read-only column " + name + " is not a column of " + e.table());
            }
        }

        Field id = null;
        if (e.primaryKey().size() != 1) {
            problems.add(t + (e.primaryKey().isEmpty() ? " has no primary key" : " has a primary key of several columns")
                    + ": a collection needs a one-column PRIMARY KEY (uuid or varchar(n))");
        } else {
            Column key = columns.get(e.primaryKey().get(0));
            id = field(key, e.table(), problems);
            if (id != null && id.type() != FieldType.UUID && !(id.type() == FieldType.STRING && id.maxLength() > 0)) {
                problems.add("primary key " + key.name() + " of " + e.table() + " has type " + key.type()
                        + ": use uuid or varchar(n) (RxDB needs a maxLength on its primary key)");
                id = null;
            }
            if (id != null && id.type() == FieldType.STRING && !"C".equals(key.collation())) {
                // the checkpoint's order is the byte order every client compares ids in
                problems.add("primary key " + key.name() + " of " + e.table() + " must be COLLATE \"C\"");
                id = null;
            }
            if (id != null) {
                id = id.required(true);
            }
        }

        Set<String> serverOnlyColumns = new LinkedHashSet<>(e.serverOnly());
        List<Field> fields = new ArrayList<>();
        Set<String> jsonNames = new HashSet<>();
        if (id != null) {
            jsonNames.add(id.name());
        }
        for (Column column : e.columns()) {
            if (e.primaryKey().contains(column.name()) || BOOKKEEPING.contains(column.name())
                    || serverOnlyColumns.contains(column.name())) {
                continue;
            }
            Field f = field(column, e.table(), problems);
            if (f == null) {
                continue;
            }
            if (!jsonNames.add(f.name())) {
                problems.add("column " + column.name() + " of " + e.table() + " has the JSON name " + f.name()
                        + " of another column: rename one of them");
                continue;
            }
            f = f.required(column.notNull() && !column.hasDefault()).writable(!e.readOnly().contains(column.name()));
            fields.add(withChecks(f, e.constraints()));
        }
        for (String name : serverOnlyColumns) {
            Column column = columns.get(name);
            if (column != null && e.clientMayCreate() && column.notNull() && !column.hasDefault()) {
                problems.add("server-only column " + name + " of " + e.table() + " is NOT NULL without a default, so a "
                        + "client could never create a row: give it a default or declare client_may_create => false");
            }
        }

        Scope scope = scope(e, id, fields, columns, problems);
        if (!problems.isEmpty()) {
            throw new BadDeclaration("collection " + e.name() + ": " + String.join("; ", problems));
        }

        Set<String> serverOnly = new LinkedHashSet<>();
        for (String column : concat(List.copyOf(serverOnlyColumns), SERVER_STAMPS)) {
            serverOnly.add(column);
            serverOnly.add(jsonName(column));
        }
        Map<String, List<String>> constraintFields = new LinkedHashMap<>();
        for (Constraint c : e.constraints()) {
            constraintFields.put(c.name(), c.columns().stream().map(CollectionCompiler::jsonName).toList());
        }
        Map<String, String> absentDefaults = new LinkedHashMap<>();
        for (Field f : fields) {
            Column column = columns.get(f.column());
            if (column.notNull() && column.defaultExpression() != null) {
                absentDefaults.put(f.column(), column.defaultExpression());
            }
        }
        return new ReplicatedCollection(e.name(), e.schemaVersion(), e.table(), id, scope, fields, serverOnly,
                e.clientMayCreate(), e.clientMayDelete(), e.tombstones(),
                e.description() == null ? "The collection " + e.name() : e.description(), constraintFields, absentDefaults);
    }

    /** The scope of the declaration, as rxsync_declare_collection (V20, V26) recorded it. */
    private static Scope scope(CatalogEntry e, Field id, List<Field> fields, Map<String, Column> columns,
                               List<String> problems) {
        String kind = e.scope() == null ? null : e.scope().path("kind").asText(null);
        if ("everyone".equals(kind)) {
            return new Scope.Everyone();
        }
        if ("parent".equals(kind)) {
            return members(e, e.scope().path("via"), e.scope().path("parent").asText(null), id, fields, columns, problems);
        }
        if ("members".equals(kind)) {
            return members(e, e.scope(), null, id, fields, columns, problems);
        }
        if (!"owner".equals(kind)) {
            problems.add("scope kind " + kind + " is not supported; supported: owner, members, parent, everyone");
            return null;
        }
        String column = e.scope().path("column").asText(null);
        Column owner = column == null ? null : columns.get(column);
        if (owner == null) {
            problems.add("scope column " + column + " is not a column of " + e.table());
            return null;
        }
        if (!owner.type().equals("uuid") && !owner.type().equals("text") && !owner.type().equals("character varying")) {
            problems.add("scope column " + column + " of " + e.table() + " has type " + owner.type()
                    + ": an owner column is uuid or text");
            return null;
        }
        Field field = scopeField(e, column, id, fields, problems);
        return field == null ? null : new Scope.Owner(column, field);
    }

    private static Scope members(CatalogEntry e, com.fasterxml.jackson.databind.JsonNode s, String parent, Field id,
                                 List<Field> fields, Map<String, Column> columns, List<String> problems) {
        String column = s.path("column").asText(null);
        if (column == null || !columns.containsKey(column)) {
            problems.add("scope column " + column + " is not a column of " + e.table());
            return null;
        }
        if (!columns.containsKey("created_xid")) {
            problems.add("table " + e.table() + " has no created_xid: declare it again with rxsync_declare_collection");
        }
        for (String key : List.of("memberships", "group_column", "user_column", "groups_function", "leaving_function")) {
            if (s.path(key).asText(null) == null) {
                problems.add("the members scope of " + e.name() + " lacks " + key
                        + ": declare it again with rxsync_declare_collection");
            }
        }
        Field field = scopeField(e, column, id, fields, problems);
        if (field == null) {
            return null;
        }
        return new Scope.Members(column, field, s.path("memberships").asText(), s.path("group_column").asText(),
                s.path("user_column").asText(), "uuid".equals(s.path("user_type").asText("uuid")),
                s.path("groups_function").asText(), s.path("leaving_function").asText(),
                s.path("self_grouped").asBoolean(false), parent);
    }

    /** The field of the scope's column: it must replicate, clients need it. */
    private static Field scopeField(CatalogEntry e, String column, Field id, List<Field> fields, List<String> problems) {
        if (id != null && id.column().equals(column)) {
            return id;
        }
        Field field = fields.stream().filter(f -> f.column().equals(column)).findFirst().orElse(null);
        if (field == null) {
            problems.add("scope column " + column + " of " + e.table() + " must replicate (not server-only)");
        }
        return field;
    }

    /** The field of a column by its type alone, or null (and a problem) when no JSON type expresses it. */
    private static Field field(Column column, String table, List<String> problems) {
        String name = jsonName(column.name());
        Field f = switch (column.type()) {
            case "uuid" -> Field.of(name, column.name(), FieldType.UUID, "uuid").maxLength(36);
            case "character varying", "character", "text" -> Field.of(name, column.name(), FieldType.STRING, "text")
                    .maxLength(column.length() == null ? 0 : column.length());
            case "smallint", "integer", "bigint" -> Field.of(name, column.name(), FieldType.INTEGER, column.type());
            case "numeric", "real", "double precision" -> Field.of(name, column.name(), FieldType.NUMBER, column.type());
            case "boolean" -> Field.of(name, column.name(), FieldType.BOOLEAN, "boolean");
            case "jsonb" -> Field.of(name, column.name(), FieldType.OBJECT, "jsonb").maxLength(MAX_OBJECT_JSON);
            case "timestamp with time zone" -> Field.of(name, column.name(), FieldType.DATE_TIME, "timestamptz");
            default -> null;
        };
        if (f == null) {
            problems.add("column " + column.name() + " of " + table + " has type " + column.type()
                    + ", which a collection cannot replicate: change its type (supported: " + SUPPORTED
                    + ") or declare it server-only");
        }
        return f;
    }

    /** Adds what the CHECK constraints on this column alone say (enum, bounds, pattern). */
    private static Field withChecks(Field f, List<Constraint> constraints) {
        CheckRules.Rules rules = CheckRules.Rules.NONE;
        for (Constraint c : constraints) {
            if (c.kind().equals("c") && c.columns().equals(List.of(f.column()))) {
                rules = rules.and(CheckRules.of(f.column(), c.definition(), f.type() == FieldType.INTEGER));
            }
        }
        if (f.type() == FieldType.STRING) {
            if (!rules.allowed().isEmpty()) {
                f = f.oneOf(rules.allowed());
            }
            if (rules.pattern() != null && compiles(rules.pattern())) {
                f = f.matching(rules.pattern());
            }
        }
        if (f.type() == FieldType.INTEGER || f.type() == FieldType.NUMBER) {
            f = f.atLeast(rules.minimum()).atMost(rules.maximum());
        }
        return f;
    }

    /** A PostgreSQL regular expression Java (and JavaScript) cannot read is left to the database. */
    private static boolean compiles(String regex) {
        try {
            java.util.regex.Pattern.compile(regex);
            return true;
        } catch (java.util.regex.PatternSyntaxException e) {
            return false;
        }
    }

    private static void expectColumn(List<String> problems, Map<String, Column> columns, String table, String name,
                                     String type, String problem) {
        Column c = columns.get(name);
        if (c == null || !c.type().equals(type)) {
            problems.add("table " + table + " " + problem);
        }
    }

    /** {@code total_cents} -> {@code totalCents}: the JSON name of a column. */
    static String jsonName(String column) {
        StringBuilder name = new StringBuilder(column.length());
        boolean upper = false;
        for (char ch : column.toCharArray()) {
            if (ch == '_') {
                upper = name.length() > 0;
            } else {
                name.append(upper ? Character.toUpperCase(ch) : ch);
                upper = false;
            }
        }
        return name.toString();
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }
}
