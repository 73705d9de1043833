package io.rxsync.notes;

import static io.restassured.RestAssured.given;
import static io.rxsync.support.Api.register;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.rxsync.support.Api.TestUser;
import io.rxsync.support.SseClient;
import io.rxsync.support.TestDatabase;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The README's "Add a collection" guide, followed literally: its code blocks are the notes
 * fixture's one migration (and its down script), and with exactly that declaration notes replicate
 * like any collection, with no Java.
 */
@QuarkusTest
class AddCollectionGuideTest {

    private static final String NOTES = "/api/v1/sync/notes/0";
    private static final Pattern FILE_BLOCK = Pattern.compile("<!-- file: (\\S+) -->\\n```\\w*\\n(.*?)\\n```", Pattern.DOTALL);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TestHTTPResource("/")
    URL base;

    @Test
    void theGuidesCodeBlocksAreTheFixturesFiles() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        int section = readme.indexOf("### Adding a collection");
        assertTrue(section >= 0, "the README has the guide");
        Matcher blocks = FILE_BLOCK.matcher(readme.substring(section));
        List<String> files = new ArrayList<>();
        while (blocks.find()) {
            String file = Files.readString(Path.of(blocks.group(1)));
            assertTrue(file.contains(blocks.group(2)), "README block for " + blocks.group(1) + " differs from the file");
            files.add(blocks.group(1));
        }
        assertEquals(List.of(
                "src/test/resources/db/fixture/migration/V1000__notes.sql",
                "src/test/resources/db/fixture/down/U1000__notes.sql"), files, "one migration and its down script");
    }

    @Test
    void theNewCollectionIsListedWithItsRxdbSchema() {
        var listing = given().get("/api/v1/sync").then().statusCode(200).extract().jsonPath();
        assertTrue(listing.getList("name").contains("notes"));
        assertEquals(200, listing.getInt("find { it.name == 'notes' }.schema.properties.title.maxLength"));
        assertTrue(listing.getList("find { it.name == 'notes' }.schema.required").contains("title"));
    }

    @Test
    void notesPushPullStreamAndTombstoneLikeAnyCollection() throws Throwable {
        TestUser user = register();
        Map<String, Object> note = note(user, "Groceries", "milk, bread");

        try (SseClient stream = new SseClient(base + NOTES.substring(1) + "/pullStream", user.bearer())) {
            assertEquals(200, stream.status);
            assertEquals(List.of(), push(user, List.of(Map.of("newDocumentState", note))));

            JsonNode streamed = firstDocument(stream, Duration.ofSeconds(10));
            assertNotNull(streamed, "the live stream carries the new note");
            assertEquals("Groceries", streamed.path("title").asText());
        }

        var page = pull(user);
        assertEquals(List.of(note.get("id")), page.getList("documents.id"));
        assertEquals("milk, bread", page.getString("documents[0].body"));

        // A delete made straight in SQL becomes a tombstone that clients pull.
        try (Connection db = TestDatabase.connect("test");
             PreparedStatement st = db.prepareStatement("DELETE FROM notes WHERE id = ?::uuid")) {
            st.setString(1, (String) note.get("id"));
            st.executeUpdate();
            try (var rows = db.createStatement().executeQuery("SELECT deleted FROM notes WHERE id = '" + note.get("id") + "'")) {
                assertTrue(rows.next() && rows.getBoolean(1), "the row stays, as a tombstone");
            }
        }
        var after = pull(user);
        assertEquals(List.of(true), after.getList("documents._deleted"));

        // A stale write is answered with the server's state, as for every collection.
        Map<String, Object> stale = new LinkedHashMap<>(note);
        stale.put("title", "Shopping");
        List<Map<String, Object>> conflicts = push(user, List.of(Map.of("assumedMasterState", note, "newDocumentState", stale)));
        assertEquals(1, conflicts.size());
        assertEquals(true, conflicts.get(0).get("_deleted"), "the answer is the tombstone the server holds");
    }

    @Test
    void aPushBreakingAConstraintTheSchemaCannotSayIs400NamingTheRowAndFieldAndWritesNothing() {
        TestUser user = register();
        Map<String, Object> fine = note(user, "Fine", null);
        Map<String, Object> blank = note(user, "   ", null);
        var answer = given().header("Authorization", user.bearer()).contentType(ContentType.JSON)
                .body(List.of(Map.of("newDocumentState", fine), Map.of("newDocumentState", blank)))
                .post(NOTES + "/push").then().statusCode(400).extract().jsonPath();
        assertEquals("row 1: field 'title' breaks the table's constraint notes_title_not_blank", answer.getString("message"));
        assertEquals(true, answer.getBoolean("error"));
        assertEquals(List.of(), pull(user).getList("documents"), "the valid row of the push is not written either");
    }

    private static Map<String, Object> note(TestUser owner, String title, String body) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("id", UUID.randomUUID().toString());
        doc.put("userId", owner.id());
        doc.put("title", title);
        doc.put("body", body);
        doc.put("_deleted", false);
        return doc;
    }

    private static List<Map<String, Object>> push(TestUser user, List<Map<String, Object>> rows) {
        return given().header("Authorization", user.bearer()).contentType(ContentType.JSON).body(rows)
                .post(NOTES + "/push").then().statusCode(200).extract().jsonPath().getList("$");
    }

    private static io.restassured.path.json.JsonPath pull(TestUser user) {
        return given().header("Authorization", user.bearer()).queryParam("limit", 100)
                .get(NOTES + "/pull").then().statusCode(200).extract().jsonPath();
    }

    private static JsonNode firstDocument(SseClient stream, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            String frame = stream.nextFrame(Duration.ofMillis(200));
            if (frame != null && JSON.readTree(frame).path("documents").size() > 0) {
                return JSON.readTree(frame).path("documents").get(0);
            }
        }
        return null;
    }
}
