package io.rxsync.ops;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** application.properties as the deployment files must agree with it (production profile). */
final class Config {

    static final Path FILE = Path.of("src/main/resources/application.properties");
    private static final Pattern ENV_DEFAULT = Pattern.compile("^\\$\\{([A-Z0-9_]+)(?::(.*))?}$");

    private Config() {
    }

    /** Every key without a profile, in file order, with its raw value. */
    static Map<String, String> entries() {
        Map<String, String> entries = new LinkedHashMap<>();
        try {
            for (String line : Files.readAllLines(FILE)) {
                String l = line.strip();
                if (l.isEmpty() || l.startsWith("#") || l.startsWith("%") || !l.contains("=")) {
                    continue;
                }
                entries.put(l.substring(0, l.indexOf('=')).strip(), l.substring(l.indexOf('=') + 1).strip());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return entries;
    }

    /** The value a key has when its environment variable is not set. */
    static String defaultOf(String key) {
        String raw = entries().get(key);
        if (raw == null) {
            throw new IllegalArgumentException(key + " is not in " + FILE);
        }
        Matcher m = ENV_DEFAULT.matcher(raw);
        return m.matches() ? m.group(2) : raw;
    }

    /** The environment variable that sets a key: its own ${VAR:…} if it has one, else the Quarkus-derived name. */
    static String environmentVariable(String key) {
        Matcher m = ENV_DEFAULT.matcher(entries().getOrDefault(key, ""));
        return m.matches() ? m.group(1) : key.toUpperCase().replaceAll("[^A-Z0-9]", "_");
    }
}
