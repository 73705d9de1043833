package io.rxsync.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The manifests quarkus-kubernetes generated at build (target/kubernetes/kubernetes.yml), item by item. */
class KubernetesManifestsIT {

    private static final Map<String, JsonNode> BY_KIND = new HashMap<>();
    private static int port;

    @BeforeAll
    static void read() throws Exception {
        try (var items = new YAMLMapper().readerFor(JsonNode.class)
                .<JsonNode>readValues(Path.of("target/kubernetes/kubernetes.yml").toFile())) {
            while (items.hasNext()) {
                JsonNode item = items.next();
                if (item != null && !item.isEmpty()) {
                    assertFalse(BY_KIND.containsKey(item.path("kind").asText()), "one " + item.path("kind"));
                    BY_KIND.put(item.path("kind").asText(), item);
                }
            }
        }
        port = Integer.parseInt(Config.defaultOf("quarkus.http.port"));
    }

    @Test
    void onlyWhatAPlainClusterCanApply() {
        assertEquals(List.of("Deployment", "PodDisruptionBudget", "Service"), BY_KIND.keySet().stream().sorted().toList(),
                "no Flyway Job of Quarkus' own, no ServiceMonitor (it needs the Prometheus operator)");
    }

    @Test
    void theDeploymentProbesTheHealthEndpointsWithinItsResources() {
        JsonNode container = app();
        assertTrue(deployment().path("spec").path("replicas").asInt() >= 2, "more than one replica");
        assertEquals(port, container.path("ports").path(0).path("containerPort").asInt());
        assertEquals("/q/health/live", probe(container, "livenessProbe"));
        assertEquals("/q/health/ready", probe(container, "readinessProbe"));
        assertEquals("/q/health/started", probe(container, "startupProbe"));
        JsonNode startup = container.path("startupProbe");
        assertTrue(startup.path("periodSeconds").asInt() * startup.path("failureThreshold").asInt() >= 60,
                "a minute to start (the database may come up later)");
        for (String kind : List.of("requests", "limits")) {
            for (String resource : List.of("cpu", "memory")) {
                assertFalse(container.path("resources").path(kind).path(resource).asText().isBlank(), kind + "." + resource);
            }
        }
        assertEquals(Config.defaultOf("quarkus.container-image.image"), container.path("image").asText());
    }

    @Test
    void credentialsAndKeysComeFromSecretsAndThePodsDoNotMigrate() {
        Map<String, JsonNode> env = env(app());
        for (String name : List.of("DB_REACTIVE_URL", "DB_JDBC_URL", "DB_USER", "QUARKUS_DATASOURCE_PASSWORD")) {
            assertEquals("rxsync-db", secretOf(env, name), name);
        }
        assertEquals("rxsync-jwt", secretOf(env, "SMALLRYE_JWT_SIGN_KEY"));
        assertEquals("rxsync-jwt", secretOf(env, "MP_JWT_VERIFY_PUBLICKEY"));
        assertEquals("false", env.get("RXSYNC_MIGRATE_AT_START").path("value").asText());
        assertFalse(env.containsKey("DB_OWNER_USER") || env.containsKey("DB_OWNER_PASSWORD"),
                "the running service never holds the owner's credentials");
        // the variables must be the ones application.properties reads
        assertEquals("DB_REACTIVE_URL", Config.environmentVariable("quarkus.datasource.reactive.url"));
        assertEquals("DB_USER", Config.environmentVariable("quarkus.datasource.username"));
        assertEquals("RXSYNC_MIGRATE_AT_START", Config.environmentVariable("quarkus.flyway.migrate-at-start"));
    }

    @Test
    void theSameImageMigratesFirstAsTheOwnerInAnInitContainer() {
        JsonNode inits = deployment().path("spec").path("template").path("spec").path("initContainers");
        assertEquals(1, inits.size());
        JsonNode migrate = inits.path(0);
        assertEquals(app().path("image").asText(), migrate.path("image").asText(), "the service's own image");
        Map<String, JsonNode> env = env(migrate);
        assertEquals("migrate", env.get("QUARKUS_PROFILE").path("value").asText());
        assertEquals("rxsync-db-owner", secretOf(env, "DB_OWNER_USER"));
        assertEquals("rxsync-db-owner", secretOf(env, "DB_OWNER_PASSWORD"));
        assertEquals("rxsync-db", secretOf(env, "DB_JDBC_URL"));
        assertEquals("rxsync-db", secretOf(env, "DB_USER"), "grants go to the runtime role");
        assertEquals("DB_OWNER_USER", Config.environmentVariable("quarkus.flyway.username"));
        assertEquals("DB_OWNER_PASSWORD", Config.environmentVariable("quarkus.flyway.password"));
    }

    @Test
    void aTeamsMigrationsComeFromAnOptionalConfigMapMountedIntoTheInitContainerOnly() {
        JsonNode pod = deployment().path("spec").path("template").path("spec");
        JsonNode migrate = pod.path("initContainers").path(0);
        assertEquals("RXSYNC_MIGRATIONS_DIR", Config.environmentVariable("rxsync.migrations.extra-dir"));
        String dir = env(migrate).get("RXSYNC_MIGRATIONS_DIR").path("value").asText();
        JsonNode mount = only(migrate.path("volumeMounts"), m -> m.path("mountPath").asText().equals(dir));
        assertTrue(mount.path("readOnly").asBoolean(), "the migrations are read, never written");
        JsonNode configMap = only(pod.path("volumes"), v -> v.path("name").asText().equals(mount.path("name").asText()))
                .path("configMap");
        assertEquals("rxsync-migrations", configMap.path("name").asText());
        assertTrue(configMap.path("optional").asBoolean(), "the manifests apply before a team has any migration");
        assertEquals(0444, configMap.path("defaultMode").asInt(), "readable by the image's non-root user");
        assertTrue(app().path("volumeMounts").isMissingNode() || app().path("volumeMounts").isEmpty(),
                "the service itself never migrates");
        assertFalse(env(app()).containsKey("RXSYNC_MIGRATIONS_DIR"));
    }

    private static JsonNode only(JsonNode items, Predicate<JsonNode> which) {
        List<JsonNode> found = new ArrayList<>();
        items.forEach(i -> {
            if (which.test(i)) {
                found.add(i);
            }
        });
        assertEquals(1, found.size(), "one match in " + items);
        return found.get(0);
    }

    @Test
    void theServiceAndTheDisruptionBudgetSelectThePods() {
        JsonNode labels = deployment().path("spec").path("template").path("metadata").path("labels");
        JsonNode service = BY_KIND.get("Service").path("spec");
        assertEquals(port, service.path("ports").path(0).path("targetPort").asInt());
        assertSelects(service.path("selector"), labels);
        JsonNode pdb = BY_KIND.get("PodDisruptionBudget").path("spec");
        assertSelects(pdb.path("selector").path("matchLabels"), labels);
        int minAvailable = pdb.path("minAvailable").asInt();
        assertTrue(minAvailable >= 1 && minAvailable < deployment().path("spec").path("replicas").asInt(),
                "keeps one up, still lets a node drain");
    }

    private static void assertSelects(JsonNode selector, JsonNode labels) {
        assertFalse(selector.isEmpty());
        selector.fields().forEachRemaining(e -> assertEquals(e.getValue().asText(), labels.path(e.getKey()).asText(), e.getKey()));
    }

    private static JsonNode deployment() {
        return BY_KIND.get("Deployment");
    }

    private static JsonNode app() {
        JsonNode containers = deployment().path("spec").path("template").path("spec").path("containers");
        assertEquals(1, containers.size());
        return containers.path(0);
    }

    private static String probe(JsonNode container, String probe) {
        JsonNode get = container.path(probe).path("httpGet");
        assertEquals(port, get.path("port").asInt(), probe + " port");
        return get.path("path").asText();
    }

    private static Map<String, JsonNode> env(JsonNode container) {
        Map<String, JsonNode> env = new HashMap<>();
        container.path("env").forEach(e -> env.put(e.path("name").asText(), e));
        return env;
    }

    private static String secretOf(Map<String, JsonNode> env, String name) {
        assertTrue(env.containsKey(name), name + " is set: " + new ArrayList<>(env.keySet()));
        return env.get(name).path("valueFrom").path("secretKeyRef").path("name").asText();
    }
}
