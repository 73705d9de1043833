package io.rxsync.web;

import static io.rxsync.support.Api.ORDERS;
import static io.rxsync.support.Api.order;
import static io.rxsync.support.Api.pushOk;
import static io.rxsync.support.Api.register;
import static io.rxsync.support.Api.row;
import static io.rxsync.support.Api.with;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.aayushatharva.brotli4j.Brotli4jLoader;
import com.aayushatharva.brotli4j.decoder.Decoder;
import com.aayushatharva.brotli4j.decoder.DecoderJNI;
import com.aayushatharva.brotli4j.decoder.DirectDecompress;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.rxsync.support.Api.TestUser;
import io.rxsync.support.SseClient;
import jakarta.inject.Inject;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

/**
 * Bytes on the wire: what a client that accepts gzip or brotli receives, read as raw bytes
 * (java.net.http never decodes a body, unlike rest-assured).
 */
@QuarkusTest
class CompressionTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Duration WAIT = Duration.ofSeconds(10);

    @TestHTTPResource("/")
    URL base;

    @Inject
    ObjectMapper json;

    @Inject
    CompressionConfig config;

    @Test
    void aPullPageGoesOutInTheEncodingTheClientPrefersAndPlainToAClientThatAcceptsNone() throws Exception {
        TestUser user = userWithOrders(100);
        String page = ORDERS + "/pull?lwt=0&id=&limit=100";

        HttpResponse<byte[]> plain = get(page, user, null);
        assertEquals(200, plain.statusCode());
        assertEquals("identity", encoding(plain));
        assertVariesOnAcceptEncoding(plain);
        JsonNode documents = json.readTree(plain.body());
        assertEquals(100, documents.get("documents").size());

        HttpResponse<byte[]> gzip = get(page, user, "gzip");
        assertEquals("gzip", gzip.headers().firstValue("Content-Encoding").orElse("identity"));
        assertVariesOnAcceptEncoding(gzip);
        assertEquals(documents, json.readTree(gunzip(gzip.body())));
        assertTrue(gzip.body().length * 3 < plain.body().length,
                "gzip " + gzip.body().length + " bytes, plain " + plain.body().length);

        // what browsers and Node's fetch send: brotli wins
        HttpResponse<byte[]> brotli = get(page, user, "gzip, deflate, br");
        assertEquals("br", brotli.headers().firstValue("Content-Encoding").orElse("identity"));
        assertEquals(documents, json.readTree(unbrotli(brotli.body())));
        assertTrue(brotli.body().length < gzip.body().length,
                "brotli " + brotli.body().length + " bytes, gzip " + gzip.body().length);

        // a client that refuses both gets the plain page
        HttpResponse<byte[]> identity = get(page, user, "identity");
        assertEquals("identity", encoding(identity));
        assertEquals(documents, json.readTree(identity.body()));
    }

    @Test
    void answersBelowTheThresholdGoOutPlain() throws Exception {
        TestUser user = register();
        HttpResponse<byte[]> empty = get(ORDERS + "/pull?lwt=0&id=&limit=100", user, "gzip, br");
        assertEquals(200, empty.statusCode());
        assertTrue(empty.body().length < config.minSize(), "an empty page is small: " + empty.body().length);
        assertEquals("identity", encoding(empty));
        assertEquals(0, json.readTree(empty.body()).get("documents").size());

        HttpResponse<byte[]> noConflicts = post(ORDERS + "/push", user, "gzip, br",
                List.of(row(null, order(user, "pending", 1))));
        assertEquals(200, noConflicts.statusCode());
        assertEquals("[]", new String(noConflicts.body(), StandardCharsets.UTF_8));
        assertEquals("identity", encoding(noConflicts));
    }

    @Test
    void aPushAnswerFullOfConflictsIsCompressed() throws Exception {
        TestUser user = register();
        List<Map<String, Object>> docs = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            docs.add(order(user, "pending", i));
        }
        pushOk(user, docs.stream().map(d -> row(null, d)).toList());
        // inserted again with another status: every one conflicts, the answer is the 30 server states
        HttpResponse<byte[]> conflicts = post(ORDERS + "/push", user, "gzip",
                docs.stream().map(d -> row(null, with(d, "status", "paid"))).toList());
        assertEquals(200, conflicts.statusCode());
        assertEquals("gzip", conflicts.headers().firstValue("Content-Encoding").orElse("identity"));
        assertEquals(30, json.readTree(gunzip(conflicts.body())).size());
    }

    @Test
    void theListingIsCompressedAndRevalidatedByItsEntityTag() throws Exception {
        HttpResponse<byte[]> first = get("/api/v1/sync", null, "gzip");
        assertEquals(200, first.statusCode());
        assertEquals("gzip", first.headers().firstValue("Content-Encoding").orElse("identity"));
        assertEquals("no-cache", first.headers().firstValue("Cache-Control").orElse(null));
        String tag = first.headers().firstValue("ETag").orElse(null);
        assertNotNull(tag, "the listing carries an ETag");
        assertTrue(tag.startsWith("W/\""), "weak: the same listing goes out in three encodings: " + tag);
        JsonNode listing = json.readTree(gunzip(first.body()));
        assertTrue(listing.isArray() && listing.size() >= 2, listing.toString());

        // unchanged: 304 without a body, whichever encoding the client asks for
        for (String encoding : Arrays.asList("gzip", "br", null)) {
            HttpResponse<byte[]> again = get("/api/v1/sync", null, encoding, "If-None-Match", tag);
            assertEquals(304, again.statusCode(), "encoding " + encoding);
            assertEquals(0, again.body().length);
            assertEquals(tag, again.headers().firstValue("ETag").orElse(null));
        }
        // another tag (an older release's): the listing again
        HttpResponse<byte[]> other = get("/api/v1/sync", null, null, "If-None-Match", "W/\"an-older-release\"");
        assertEquals(200, other.statusCode());
        assertEquals(listing, json.readTree(other.body()));
    }

    @Test
    void theLiveStreamStaysPlainAndAFrameArrivesAsSoonAsItsChangeCommits() throws Exception {
        TestUser user = register();
        try (SseClient stream = new SseClient(new URL(base, ORDERS.substring(1) + "/pullStream").toString(),
                user.bearer(), Map.of("Accept-Encoding", "gzip, deflate, br"))) {
            assertEquals(200, stream.status);
            assertEquals("identity", stream.headers().firstValue("Content-Encoding").orElse("identity"));
            // the frame must come while the stream is open: a compressor holding frames
            // until its buffer fills would hold this small one for good (pings are 8 bytes)
            Map<String, Object> doc = order(user, "pending", 7);
            long pushed = System.nanoTime();
            pushOk(user, List.of(row(null, doc)));
            String frame = stream.nextFrame(WAIT);
            assertNotNull(frame, "no frame within " + WAIT + " of the push");
            assertEquals(doc.get("id"), json.readTree(frame).at("/documents/0/id").asText());
            System.out.printf("stream frame %d ms after the push was sent%n", (System.nanoTime() - pushed) / 1_000_000);
        }
    }

    private TestUser userWithOrders(int count) {
        TestUser user = register();
        List<Map<String, Object>> rows = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            rows.add(row(null, order(user, i % 2 == 0 ? "pending" : "paid", 100L * i)));
        }
        pushOk(user, rows);
        return user;
    }

    /** The coding of the body as sent; identity is also what an absent Content-Encoding means. */
    private static String encoding(HttpResponse<?> response) {
        return response.headers().firstValue("Content-Encoding").orElse("identity");
    }

    private static void assertVariesOnAcceptEncoding(HttpResponse<?> response) {
        assertTrue(response.headers().allValues("Vary").stream()
                        .flatMap(v -> Arrays.stream(v.split(",")))
                        .anyMatch(v -> v.strip().equalsIgnoreCase("Accept-Encoding")),
                "Vary: " + response.headers().allValues("Vary"));
    }

    private HttpResponse<byte[]> get(String path, TestUser user, String acceptEncoding, String... headers) throws Exception {
        HttpRequest.Builder request = request(path, user, acceptEncoding).GET();
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private HttpResponse<byte[]> post(String path, TestUser user, String acceptEncoding, Object body) throws Exception {
        HttpRequest request = request(path, user, acceptEncoding)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(json.writeValueAsBytes(body))).build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofByteArray());
    }

    private HttpRequest.Builder request(String path, TestUser user, String acceptEncoding) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(new URL(base, path.substring(1)).toURI())
                .header("Accept", "application/json");
        if (user != null) {
            request.header("Authorization", user.bearer());
        }
        if (acceptEncoding != null) {
            request.header("Accept-Encoding", acceptEncoding);
        }
        return request;
    }

    private static byte[] gunzip(byte[] body) throws Exception {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(body))) {
            return in.readAllBytes();
        }
    }

    private static byte[] unbrotli(byte[] body) throws Exception {
        Brotli4jLoader.ensureAvailability();
        DirectDecompress result = Decoder.decompress(body);
        assertEquals(DecoderJNI.Status.DONE, result.getResultStatus());
        return result.getDecompressedData();
    }
}
