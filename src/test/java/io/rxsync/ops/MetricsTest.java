package io.rxsync.ops;

import static io.restassured.RestAssured.given;
import static io.rxsync.support.Api.ORDERS;
import static io.rxsync.support.Api.order;
import static io.rxsync.support.Api.pull;
import static io.rxsync.support.Api.pullOk;
import static io.rxsync.support.Api.push;
import static io.rxsync.support.Api.pushOk;
import static io.rxsync.support.Api.register;
import static io.rxsync.support.Api.row;
import static io.rxsync.support.Api.with;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.rxsync.replication.CollectionRegistry;
import io.rxsync.replication.ReplicatedCollection;
import io.rxsync.support.Api.TestUser;
import io.rxsync.support.OwnerSql;
import io.rxsync.support.RawHttp;
import io.rxsync.support.SseClient;
import jakarta.inject.Inject;
import java.net.URL;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The Prometheus scrape after real traffic: every meter of the README's Metrics table, with values that follow it. */
@QuarkusTest
class MetricsTest {

    @TestHTTPResource("/")
    URL base;

    @Inject
    LagSampler lagSampler;

    @Inject
    CollectionRegistry collections;

    @Test
    void everyCollectionCounterIsScrapedFromTheStartAtZero() {
        String scrape = scrape();
        for (ReplicatedCollection c : collections.all()) {
            String label = "collection=\"" + c.name() + "\"";
            for (String counter : List.of("rxsync_pulls_total", "rxsync_documents_pulled_total", "rxsync_pushes_total",
                    "rxsync_documents_pushed_total", "rxsync_conflicts_total", "rxsync_tombstones_purged_total")) {
                value(scrape, counter, label); // present, whether or not anything happened yet
            }
        }
        // the purge never runs in tests and never touches users: a counter nothing increments
        assertEquals(0.0, value(scrape, "rxsync_tombstones_purged_total", "collection=\"users\""));
    }

    @Test
    void replicationTrafficShowsUpInTheCountersGaugesAndHistograms() throws Exception {
        String before = scrape();
        TestUser user = register();
        Map<String, Object> doc = order(user, "pending", 100);
        pushOk(user, List.of(row(null, doc), row(null, order(user, "paid", 5))));
        // a stale assumed state: one conflict
        List<Map<String, Object>> conflicts = pushOk(user,
                List.of(row(with(doc, "status", "cancelled"), with(doc, "status", "paid"))));
        assertEquals(1, conflicts.size());
        assertEquals(2, pullOk(user, 0, "", 10).documents().size());
        pull(user, ORDERS, 0, "", 0).then().statusCode(400);
        push(user, "/api/v1/sync/nope/0", List.of()).then().statusCode(404);
        // refused before the REST layer reads anything (RequestLimits): counted all the same
        assertEquals(414, RawHttp.exchange(base, "GET /api/v1/sync?pad=" + "x".repeat(5000)
                + " HTTP/1.1\r\nHost: localhost\r\nConnection: close", "").status());
        assertEquals(413, RawHttp.exchange(base, "POST /api/v1/sync/orders/0/push HTTP/1.1\r\nHost: localhost\r\n"
                + "Content-Type: application/json\r\nContent-Length: 999999999\r\nConnection: close", "").status());

        String after;
        try (SseClient stream = new SseClient(base + "api/v1/sync/orders/0/pullStream", user.bearer())) {
            assertEquals(200, stream.status);
            stream.comments.poll(5, java.util.concurrent.TimeUnit.SECONDS); // registered once the first ping is out
            after = scrape();
            assertTrue(value(after, "rxsync_streams_open", "collection=\"orders\"") >= 1, "open streams gauge");
        }

        String orders = "collection=\"orders\"";
        assertEquals(1, increase(before, after, "rxsync_pulls_total", orders), "pulls");
        assertEquals(2, increase(before, after, "rxsync_documents_pulled_total", orders), "documents pulled");
        assertEquals(2, increase(before, after, "rxsync_pushes_total", orders), "pushes");
        assertEquals(3, increase(before, after, "rxsync_documents_pushed_total", orders), "documents pushed");
        assertEquals(1, increase(before, after, "rxsync_conflicts_total", orders), "conflicts");
        assertEquals(1, increase(before, after, "rxsync_errors_total", "status=\"400\""), "400 errors");
        assertEquals(1, increase(before, after, "rxsync_errors_total", "status=\"404\""), "404 errors");
        assertEquals(1, increase(before, after, "rxsync_errors_total", "status=\"414\""), "414 errors");
        assertEquals(1, increase(before, after, "rxsync_errors_total", "status=\"413\""), "413 errors");
        // latency histograms of the routes, by route template
        assertTrue(value(after, "http_server_requests_seconds_bucket",
                "uri=\"/api/v1/sync/{collection}/{version}/pull\"") >= 1, "pull latency histogram");
        assertTrue(value(after, "http_server_requests_seconds_bucket",
                "uri=\"/api/v1/sync/{collection}/{version}/push\"") >= 2, "push latency histogram");
    }

    @Test
    void anOpenTransactionShowsAsWatermarkLag() throws Exception {
        lagSampler.sample().await().atMost(Duration.ofSeconds(10));
        String idle = scrape();
        assertTrue(value(idle, "rxsync_change_pump_lag_seconds", "collection=\"orders\"") >= 0, "change pump lag");

        try (Connection holder = OwnerSql.connect(); Statement s = holder.createStatement()) {
            holder.setAutoCommit(false);
            s.execute("SELECT pg_current_xact_id()"); // an open transaction with an id holds the watermark
            Thread.sleep(300);
            TestUser user = register(); // commits above the held transaction
            pushOk(user, List.of(row(null, order(user, "pending", 1))));
            lagSampler.sample().await().atMost(Duration.ofSeconds(10));
            String held = scrape();
            assertTrue(value(held, "rxsync_watermark_lag_xids", "") >= 2, held);
            assertTrue(value(held, "rxsync_watermark_lag_seconds", "") >= 0.3, "held for at least 300 ms");
            holder.rollback();
        }
        lagSampler.sample().await().atMost(Duration.ofSeconds(10));
        assertEquals(0.0, value(scrape(), "rxsync_watermark_lag_seconds", ""), "released");
    }

    private static String scrape() {
        return given().get("/q/metrics").then().statusCode(200).extract().asString();
    }

    private static double increase(String before, String after, String name, String label) {
        return valueOrZero(after, name, label) - valueOrZero(before, name, label);
    }

    private static double valueOrZero(String scrape, String name, String label) {
        Double v = find(scrape, name, label);
        return v == null ? 0 : v;
    }

    /** The value of the first sample of {@code name} whose labels contain {@code label} (summed over buckets: the largest). */
    private static double value(String scrape, String name, String label) {
        Double v = find(scrape, name, label);
        assertTrue(v != null, name + "{" + label + "} missing from /q/metrics:\n"
                + scrape.lines().filter(l -> l.startsWith(name.replaceAll("_bucket$", ""))).limit(20).toList());
        return v;
    }

    private static Double find(String scrape, String name, String label) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "(\\{.*})? (\\S+)$").matcher(scrape);
        Double max = null;
        while (m.find()) {
            String labels = m.group(1) == null ? "" : m.group(1);
            if (labels.contains(label)) {
                double v = Double.parseDouble(m.group(2));
                max = max == null ? v : Math.max(max, v);
            }
        }
        return max;
    }
}
