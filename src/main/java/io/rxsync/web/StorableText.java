package io.rxsync.web;

/**
 * Text a client sends that PostgreSQL cannot store as it is. PostgreSQL refuses NUL in text
 * and jsonb. A lone UTF-16 surrogate (JSON allows the escape {@code "\ud800"}) is no
 * character at all: encoded to UTF-8 on its way to the database it became {@code ?},
 * silently changing what the client wrote. Both are refused with 400 instead.
 */
public final class StorableText {

    private StorableText() {
    }

    /** What in {@code text} cannot be stored ("NUL characters", …), or null when all of it can. */
    public static String problem(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\u0000') {
                return "NUL characters";
            }
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++; // a pair: one character outside the Basic Multilingual Plane
            } else if (Character.isSurrogate(c)) {
                return "lone UTF-16 surrogates (invalid Unicode)";
            }
        }
        return null;
    }
}
