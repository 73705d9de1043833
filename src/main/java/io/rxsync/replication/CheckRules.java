package io.rxsync.replication;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a simple CHECK constraint on one column says in JSON-schema terms, read from its
 * {@code pg_get_constraintdef} text: {@code col IN (...)} is an enum, {@code col >= n} (and
 * {@code BETWEEN}, i.e. two bounds joined by AND) a minimum or maximum, {@code col ~ '...'} a
 * pattern. Anything else says nothing here; the database still enforces it, and a push that
 * breaks it is answered 400 naming the field (PushService).
 */
final class CheckRules {

    /** An optional cast such as {@code ::text} or {@code ::character varying}. */
    private static final String CAST = "(?:::[a-z ]+(?:\\[\\])?)?";
    private static final Pattern LITERAL = Pattern.compile("'((?:[^']|'')*)'");
    private static final Pattern NUMBER = Pattern.compile("\\(?'?(-?\\d+(?:\\.\\d+)?)'?\\)?" + CAST);

    private CheckRules() {
    }

    /** The rules of one column's CHECK constraints, combined (the narrowest bounds win). */
    record Rules(List<String> allowed, String pattern, BigDecimal minimum, BigDecimal maximum) {

        static final Rules NONE = new Rules(List.of(), null, null, null);

        Rules and(Rules other) {
            return new Rules(allowed.isEmpty() ? other.allowed : allowed,
                    pattern == null ? other.pattern : pattern,
                    narrowest(minimum, other.minimum, true), narrowest(maximum, other.maximum, false));
        }

        private static BigDecimal narrowest(BigDecimal a, BigDecimal b, boolean lower) {
            if (a == null || b == null) {
                return a == null ? b : a;
            }
            return lower ? a.max(b) : a.min(b);
        }
    }

    /**
     * Reads one CHECK constraint on {@code column}.
     *
     * @param wholeNumbers the column holds integers: {@code > n} is then a minimum of n + 1
     */
    static Rules of(String column, String definition, boolean wholeNumbers) {
        String body = definition.startsWith("CHECK ") ? unwrap(definition.substring(6)) : null;
        if (body == null) {
            return Rules.NONE;
        }
        String col = "\\(?" + Pattern.quote(column) + "\\)?" + CAST;
        Matcher in = Pattern.compile("^" + col + " = ANY \\(\\(?ARRAY\\[(.*)\\]\\)?" + CAST + "\\)$").matcher(body);
        if (in.matches()) {
            List<String> values = new ArrayList<>();
            Matcher literal = LITERAL.matcher(in.group(1));
            while (literal.find()) {
                values.add(literal.group(1).replace("''", "'"));
            }
            return new Rules(values, null, null, null);
        }
        Matcher regex = Pattern.compile("^" + col + " ~ '((?:[^']|'')*)'" + CAST + "$").matcher(body);
        if (regex.matches()) {
            return new Rules(List.of(), regex.group(1).replace("''", "'"), null, null);
        }
        Pattern bound = Pattern.compile("^" + col + " (>=|>|<=|<) " + NUMBER.pattern() + "$");
        Rules rules = Rules.NONE;
        for (String part : topLevelConjuncts(body)) {
            Matcher m = bound.matcher(unwrap(part));
            if (!m.matches()) {
                continue; // a conjunct we cannot express: the others still hold
            }
            BigDecimal n = new BigDecimal(m.group(2));
            rules = rules.and(switch (m.group(1)) {
                case ">=" -> new Rules(List.of(), null, n, null);
                case "<=" -> new Rules(List.of(), null, null, n);
                case ">" -> wholeNumbers ? new Rules(List.of(), null, n.add(BigDecimal.ONE), null) : Rules.NONE;
                default -> wholeNumbers ? new Rules(List.of(), null, null, n.subtract(BigDecimal.ONE)) : Rules.NONE;
            });
        }
        return rules;
    }

    /** Removes parentheses that enclose the whole expression. */
    private static String unwrap(String text) {
        String s = text.trim();
        while (s.startsWith("(") && s.endsWith(")") && closingParen(s, 0) == s.length() - 1) {
            s = s.substring(1, s.length() - 1).trim();
        }
        return s;
    }

    private static int closingParen(String s, int open) {
        int depth = 0;
        boolean quoted = false;
        for (int i = open; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch == '\'') {
                quoted = !quoted;
            } else if (!quoted && ch == '(') {
                depth++;
            } else if (!quoted && ch == ')' && --depth == 0) {
                return i;
            }
        }
        return -1;
    }

    /** The parts of {@code a AND b AND c} outside any parentheses or quotes. */
    private static List<String> topLevelConjuncts(String s) {
        List<String> parts = new ArrayList<>();
        int depth = 0;
        boolean quoted = false;
        int start = 0;
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch == '\'') {
                quoted = !quoted;
            } else if (!quoted && ch == '(') {
                depth++;
            } else if (!quoted && ch == ')') {
                depth--;
            } else if (!quoted && depth == 0 && s.startsWith(" AND ", i)) {
                parts.add(s.substring(start, i));
                start = i + 5;
            }
        }
        parts.add(s.substring(start));
        return parts;
    }
}
