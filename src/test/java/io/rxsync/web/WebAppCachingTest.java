package io.rxsync.web;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

/**
 * The cache headers that must hold whether or not the web app is built into the test's
 * classpath (the found files' headers are checked on the packaged app in Chromium,
 * src/test/node/test/30-web-app.test.mjs).
 */
@QuarkusTest
class WebAppCachingTest {

    @Test
    void aHashedFileThatIsNotThereIsNotCachedForAYear() {
        // a page of a new release asking an old instance during a rolling deployment
        given().get("/assets/index-NotThere1.js")
                .then().statusCode(404).header("Cache-Control", equalTo("no-cache"));
    }

    @Test
    void theServiceWorkerIsAlwaysRevalidated() {
        given().get("/sw.js").then().header("Cache-Control", equalTo("no-cache"));
    }

    @Test
    void apiAnswersAreLeftAlone() {
        given().get("/api/v1/sync/no-such/0/pull?limit=1").then().statusCode(404)
                .header("Cache-Control", (String) null);
    }
}
