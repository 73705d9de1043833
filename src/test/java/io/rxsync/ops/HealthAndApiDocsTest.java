package io.rxsync.ops;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.junit.QuarkusTest;
import io.rxsync.auth.AuthResource;
import io.rxsync.replication.rest.SyncResource;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Health endpoints, and an OpenAPI document that covers every route with examples of bodies and errors. */
@QuarkusTest
class HealthAndApiDocsTest {

    /** The resource classes of the API; a route added to one of them must be documented. */
    private static final List<Class<?>> RESOURCES = List.of(AuthResource.class, SyncResource.class);

    @Test
    void livenessAndReadinessAreUpAndReadinessCoversTheDatabaseAndTheChangeFeed() {
        given().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"))
                .body("checks.name", hasItems("process"));
        var ready = given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"))
                .extract().jsonPath();
        List<String> names = ready.getList("checks.name");
        assertTrue(names.contains("change-feed"), names.toString());
        assertTrue(names.stream().anyMatch(n -> n.contains("PostgreSQL")), "a database check: " + names);
        assertEquals(true, ready.getBoolean("checks.find { it.name == 'change-feed' }.data.listening"));
    }

    @Test
    void everyRouteIsDocumentedWithAnExampleOfItsAnswerAndOfItsErrors() throws Exception {
        JsonNode doc = new ObjectMapper().readTree(given().queryParam("format", "json").get("/q/openapi")
                .then().statusCode(200).extract().asString());
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, String> route : routes()) {
            String where = route.getValue().toUpperCase() + " " + route.getKey();
            JsonNode op = doc.path("paths").path(route.getKey()).path(route.getValue());
            if (op.isMissingNode()) {
                problems.add(where + ": not in the document");
                continue;
            }
            if (op.path("summary").asText().isBlank()) {
                problems.add(where + ": no summary");
            }
            boolean successExample = false;
            boolean errorExample = false;
            for (Iterator<Map.Entry<String, JsonNode>> it = op.path("responses").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> response = it.next();
                for (JsonNode media : resolve(doc, response.getValue()).path("content")) {
                    for (JsonNode example : media.path("examples")) {
                        String value = example.path("value").isTextual() ? example.path("value").asText()
                                : example.path("value").toString();
                        if (response.getKey().startsWith("2") && !value.isBlank()) {
                            successExample = true;
                        }
                        if (!response.getKey().startsWith("2") && value.replace(" ", "").contains("\"error\":true")) {
                            errorExample = true;
                        }
                    }
                }
            }
            if (!successExample && !route.getKey().endsWith("{version}")) { // the bare base URL only ever fails
                problems.add(where + ": no example of its answer");
            }
            if (!errorExample && !where.equals("GET /api/v1/auth/provider")) { // reads configuration only: it cannot fail
                problems.add(where + ": no example of an error body");
            }
            JsonNode body = op.path("requestBody");
            if (route.getValue().equals("post") && body.path("content").findValues("examples").isEmpty()) {
                problems.add(where + ": no example request body");
            }
        }
        assertEquals(List.of(), problems);
        assertTrue(doc.path("components").path("securitySchemes").has("bearer"));
    }

    @Test
    void swaggerUiIsServed() {
        given().get("/q/swagger-ui/").then().statusCode(200).body(containsString("swagger"));
    }

    /** A response itself, or the shared one its {@code $ref} points to (#/components/responses/…). */
    private static JsonNode resolve(JsonNode doc, JsonNode response) {
        String ref = response.path("$ref").asText();
        if (ref.isEmpty()) {
            return response;
        }
        JsonNode target = doc.at(ref.substring(1));
        assertTrue(!target.isMissingNode(), "dangling " + ref);
        return target;
    }

    /** (path, lower-case method) of every JAX-RS method of the resource classes. */
    private static List<Map.Entry<String, String>> routes() {
        List<Map.Entry<String, String>> routes = new ArrayList<>();
        for (Class<?> resource : RESOURCES) {
            String base = resource.getAnnotation(Path.class).value();
            for (Method m : resource.getDeclaredMethods()) {
                String verb = m.isAnnotationPresent(GET.class) ? "get" : m.isAnnotationPresent(POST.class) ? "post" : null;
                if (verb != null) {
                    Path sub = m.getAnnotation(Path.class);
                    routes.add(Map.entry(sub == null ? base : base + sub.value(), verb));
                }
            }
        }
        assertTrue(routes.size() >= 7, "found the routes: " + routes);
        return routes;
    }
}
