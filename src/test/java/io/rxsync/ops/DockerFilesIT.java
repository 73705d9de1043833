package io.rxsync.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * No Docker engine here, so the files under docker/ are checked by reading them, after
 * {@code package}: every path a Dockerfile copies exists (from the build context, or what
 * the build stage produces, target/quarkus-app), the whitelist lets each context path in,
 * ports and users agree with application.properties, and compose wires the database, the
 * one-shot migration and the service the way the README says.
 */
class DockerFilesIT {

    private static final Path DOCKER = Path.of("docker");
    private static final Pattern COPY = Pattern.compile("^COPY\\s+(.*)$", Pattern.MULTILINE);

    @Test
    void theJvmImageCopiesWhatTheBuildProducesAndRunsAsANonRootUserOnTheConfiguredPort() throws Exception {
        String dockerfile = Files.readString(DOCKER.resolve("Dockerfile.jvm"));
        List<String> problems = copiesExist(dockerfile, "Dockerfile.jvm", "/build/");
        assertEquals(List.of(), problems);
        assertTrue(Files.exists(Path.of("target/quarkus-app/quarkus-run.jar")), "run after package");
        assertTrue(dockerfile.contains("JAVA_APP_JAR=\"/deployments/quarkus-run.jar\""), "runs the fast jar");
        checkPortAndUser(dockerfile);
    }

    @Test
    void theNativeImageIsBuiltByTheNativeProfileAndRunsAsANonRootUserOnTheConfiguredPort() throws Exception {
        String dockerfile = Files.readString(DOCKER.resolve("Dockerfile.native"));
        List<String> problems = new ArrayList<>();
        for (String copy : copies(dockerfile)) {
            List<String> parts = sources(copy);
            if (copy.contains("--from=build")) {
                // the executable the native build stage makes: the native profile of the pom
                assertEquals(List.of("/code/target/application"), parts, copy);
            } else if (copy.contains("--from=")) {
                parts.forEach(source -> checkStageOutput("Dockerfile.native", source, "/code/", problems));
            } else {
                parts.forEach(source -> checkContextSource("Dockerfile.native", source, problems));
            }
        }
        assertEquals(List.of(), problems);
        assertTrue(dockerfile.matches("(?s).*RUN \\./mvnw [^\\n]*package -Dnative.*cp target/\\*-runner target/application.*"),
                "the build stage runs the native profile");
        String pom = Files.readString(Path.of("pom.xml"));
        assertTrue(pom.contains("<id>native</id>") && pom.contains("<quarkus.native.enabled>true</quarkus.native.enabled>"),
                "pom.xml has the native profile");
        checkPortAndUser(dockerfile);
    }

    @Test
    void composeStartsPostgres16TheMigrationOnceAndThenTheServiceWithTheConfiguredUsersAndPort() throws Exception {
        JsonNode compose = new YAMLMapper().readTree(DOCKER.resolve("compose.yml").toFile());
        JsonNode services = compose.path("services");
        assertEquals("postgres:16", services.path("postgres").path("image").asText());
        for (JsonNode volume : services.path("postgres").path("volumes")) {
            String hostPath = volume.asText().split(":")[0];
            if (hostPath.startsWith(".")) {
                assertTrue(Files.exists(DOCKER.resolve(hostPath)), volume.asText());
            }
        }
        assertTrue(services.path("postgres").path("volumes").toString().contains("database-roles.sql"),
                "the runtime role exists before the migration grants to it");

        JsonNode migrate = services.path("migrate");
        assertEquals("migrate", migrate.path("environment").path("QUARKUS_PROFILE").asText());
        assertEquals("service_healthy", migrate.path("depends_on").path("postgres").path("condition").asText());
        assertEquals("docker/Dockerfile.jvm", migrate.path("build").path("dockerfile").asText());
        assertTrue(Files.exists(DOCKER.resolve(migrate.path("build").path("context").asText())
                .resolve(migrate.path("build").path("dockerfile").asText())), "the build context is the repository root");
        // the owning role migrates; the runtime role it grants to is the service's
        assertEquals(Config.defaultOf("quarkus.flyway.username"), migrate.path("environment").path("DB_OWNER_USER").asText());

        JsonNode app = services.path("app");
        assertEquals(migrate.path("image").asText(), app.path("image").asText(), "one image for both");
        assertEquals("service_completed_successfully", app.path("depends_on").path("migrate").path("condition").asText());
        JsonNode env = app.path("environment");
        assertEquals("false", env.path("RXSYNC_MIGRATE_AT_START").asText());
        String runtimeRole = Config.defaultOf("quarkus.datasource.username");
        assertEquals(runtimeRole, env.path("DB_USER").asText());
        assertEquals(runtimeRole, migrate.path("environment").path("DB_USER").asText(), "grants go to the service's role");
        assertTrue(env.path("DB_REACTIVE_URL").asText().startsWith("postgresql://postgres:5432/"));
        assertTrue(env.path("DB_JDBC_URL").asText().startsWith("jdbc:postgresql://postgres:5432/"));
        String port = Config.defaultOf("quarkus.http.port");
        assertEquals(List.of("8080:" + port), strings(app.path("ports")));
        for (JsonNode volume : app.path("volumes")) {
            String hostPath = volume.asText().split(":")[0];
            assertTrue(Files.isDirectory(DOCKER.resolve(hostPath)), volume.asText());
            String inside = volume.asText().split(":")[1];
            assertTrue(env.path("SMALLRYE_JWT_SIGN_KEY_LOCATION").asText().startsWith("file:" + inside + "/"));
            assertTrue(Files.exists(DOCKER.resolve(hostPath).resolve(
                    env.path("MP_JWT_VERIFY_PUBLICKEY_LOCATION").asText().substring(("file:" + inside + "/").length()))));
        }
        // the migration also applies the example team migrations, mounted where the variable says
        String teamDir = migrate.path("environment").path("RXSYNC_MIGRATIONS_DIR").asText();
        assertEquals("RXSYNC_MIGRATIONS_DIR", Config.environmentVariable("rxsync.migrations.extra-dir"));
        List<String> teamMounts = strings(migrate.path("volumes")).stream().filter(v -> v.split(":")[1].equals(teamDir)).toList();
        assertEquals(1, teamMounts.size(), "one mount at " + teamDir + ": " + migrate.path("volumes"));
        assertTrue(teamMounts.get(0).endsWith(":ro"), teamMounts.get(0));
        Path teamSource = DOCKER.resolve(teamMounts.get(0).split(":")[0]);
        try (var files = Files.list(teamSource)) {
            assertTrue(files.anyMatch(f -> f.getFileName().toString().matches("V\\d+__\\w+\\.sql")),
                    "an example migration in " + teamSource);
        }
        assertTrue(strings(migrate.path("profiles")).contains("app") && strings(app.path("profiles")).contains("app"),
                "plain `up` starts only PostgreSQL, for dev mode");
    }

    private static void checkPortAndUser(String dockerfile) {
        Matcher expose = Pattern.compile("^EXPOSE\\s+(\\d+)", Pattern.MULTILINE).matcher(dockerfile);
        assertTrue(expose.find());
        assertEquals(Config.defaultOf("quarkus.http.port"), expose.group(1), "EXPOSE matches quarkus.http.port");
        Matcher user = Pattern.compile("^USER\\s+(\\S+)", Pattern.MULTILINE).matcher(dockerfile);
        String last = null;
        while (user.find()) {
            last = user.group(1);
        }
        assertTrue(last != null, "a USER line");
        assertFalse(last.equals("root") || last.equals("0") || last.startsWith("0:"), "runs as non-root, not " + last);
    }

    private static List<String> copiesExist(String dockerfile, String name, String buildDir) {
        List<String> problems = new ArrayList<>();
        for (String copy : copies(dockerfile)) {
            for (String source : sources(copy)) {
                if (copy.contains("--from=")) {
                    checkStageOutput(name, source, buildDir, problems);
                } else {
                    checkContextSource(name, source, problems);
                }
            }
        }
        return problems;
    }

    /** A path an earlier stage (web app, Maven) produced: the same path in this checkout after package. */
    private static void checkStageOutput(String name, String source, String buildDir, List<String> problems) {
        assertTrue(source.startsWith(buildDir), source);
        String inRepo = source.substring(buildDir.length());
        if (!exists(inRepo)) {
            problems.add(name + ": " + source + " is not produced by the build (" + inRepo + ")");
        }
    }

    private static void checkContextSource(String name, String source, List<String> problems) {
        if (!exists(source)) {
            problems.add(name + ": " + source + " does not exist in the repository");
        }
        try {
            List<String> allowed = Files.readAllLines(DOCKER.resolve(name + ".dockerignore")).stream()
                    .filter(l -> l.startsWith("!")).map(l -> l.substring(1)).toList();
            if (allowed.stream().noneMatch(a -> source.equals(a) || source.startsWith(a.endsWith("/") ? a : a + "/"))) {
                problems.add(name + ": " + source + " is kept out of the build context by " + name + ".dockerignore");
            }
        } catch (java.io.IOException e) {
            problems.add(name + ": no " + name + ".dockerignore");
        }
    }

    private static boolean exists(String pathOrGlob) {
        if (!pathOrGlob.contains("*")) {
            return Files.exists(Path.of(pathOrGlob));
        }
        Path dir = Path.of(pathOrGlob).getParent();
        String glob = Path.of(pathOrGlob).getFileName().toString();
        try (var files = Files.newDirectoryStream(dir, glob)) {
            return files.iterator().hasNext();
        } catch (java.io.IOException e) {
            return false;
        }
    }

    private static List<String> copies(String dockerfile) {
        List<String> copies = new ArrayList<>();
        Matcher m = COPY.matcher(dockerfile);
        while (m.find()) {
            copies.add(m.group(1).strip());
        }
        assertFalse(copies.isEmpty());
        return copies;
    }

    /** The source paths of a COPY line: every word but the options and the destination. */
    private static List<String> sources(String copy) {
        List<String> words = new ArrayList<>(List.of(copy.split("\\s+")));
        words.removeIf(w -> w.startsWith("--"));
        return words.subList(0, words.size() - 1);
    }

    private static List<String> strings(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(n -> values.add(n.asText()));
        return values;
    }
}
