package io.rxsync.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The README's "Every setting" table and application.properties agree: every key outside a
 * profile has a row with the environment variable that really sets it, and every row is a
 * key of the file (the Kubernetes keys share one row).
 */
class ConfigDocsTest {

    private static final Pattern ROW = Pattern.compile("^\\| `([^`]+)` \\| (?:`([^`]+)`|—) \\|", Pattern.MULTILINE);

    @Test
    void everySettingIsDocumentedWithItsEnvironmentVariable() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        String section = readme.substring(readme.indexOf("### Every setting"));
        section = section.substring(0, section.indexOf("\n## "));
        Map<String, String> documented = new LinkedHashMap<>();
        Matcher m = ROW.matcher(section);
        while (m.find()) {
            documented.put(m.group(1), m.group(2));
        }
        assertTrue(documented.size() > 10, "the table: " + documented.keySet());

        List<String> problems = new ArrayList<>();
        for (String key : Config.entries().keySet()) {
            if (key.startsWith("quarkus.kubernetes.")) {
                if (!documented.containsKey("quarkus.kubernetes.*")) {
                    problems.add(key + ": no row for quarkus.kubernetes.*");
                }
                continue;
            }
            if (!documented.containsKey(key)) {
                problems.add(key + ": not in the README's table");
            } else if (!Config.environmentVariable(key).equals(documented.get(key))) {
                problems.add(key + ": documented as " + documented.get(key) + ", set by " + Config.environmentVariable(key));
            }
        }
        for (String key : documented.keySet()) {
            if (!key.equals("quarkus.kubernetes.*") && !Config.entries().containsKey(key)) {
                problems.add(key + ": in the README but not in application.properties");
            }
        }
        assertEquals(List.of(), problems);
    }
}
