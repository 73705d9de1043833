package io.rxsync.auth;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

@QuarkusTest
class AuthResourceTest {

    @Test
    void withoutAnExternalProviderTheWebAppIsToldSoWithoutAnError() {
        // built-in accounts are the normal case: no 404 for the browser's console to report
        given().get("/api/v1/auth/provider").then().statusCode(204);
    }

    @Test
    void registerThenLoginGivesATokenForTheSameUser() {
        String email = "Reg-" + UUID.randomUUID() + "@Example.test";
        String userId = given().contentType(ContentType.JSON)
                .body(Map.of("email", email, "password", "a long passphrase", "displayName", "Reg"))
                .post("/api/v1/auth/register")
                .then().statusCode(201)
                .body("token", matchesPattern("[\\w-]+\\.[\\w-]+\\.[\\w-]+"))
                .extract().path("userId");

        // emails are case-insensitive
        String loggedIn = given().contentType(ContentType.JSON)
                .body(Map.of("email", email.toLowerCase(), "password", "a long passphrase"))
                .post("/api/v1/auth/login")
                .then().statusCode(200).extract().path("userId");
        assertEquals(userId, loggedIn);

        String stored = (String) io.rxsync.support.OwnerSql.single(
                "SELECT hashed_password FROM users WHERE id = ?::uuid", userId);
        assertTrue(stored.startsWith("$2"), "bcrypt hash, never the password");
    }

    @Test
    void aSecondAccountWithTheSameEmailIsRefused() {
        String email = "dup-" + UUID.randomUUID() + "@example.test";
        Map<String, String> body = Map.of("email", email, "password", "a long passphrase", "displayName", "D");
        given().contentType(ContentType.JSON).body(body).post("/api/v1/auth/register").then().statusCode(201);
        given().contentType(ContentType.JSON).body(body).post("/api/v1/auth/register").then().statusCode(409)
                .body("error", equalTo(true));
    }

    @Test
    void wrongPasswordAndUnknownEmailGetTheSameAnswer() {
        String email = "login-" + UUID.randomUUID() + "@example.test";
        given().contentType(ContentType.JSON)
                .body(Map.of("email", email, "password", "a long passphrase", "displayName", "L"))
                .post("/api/v1/auth/register").then().statusCode(201);

        String wrongPassword = given().contentType(ContentType.JSON)
                .body(Map.of("email", email, "password", "not the passphrase"))
                .post("/api/v1/auth/login").then().statusCode(401).extract().path("message");
        String unknownEmail = given().contentType(ContentType.JSON)
                .body(Map.of("email", "nobody-" + email, "password", "not the passphrase"))
                .post("/api/v1/auth/login").then().statusCode(401).extract().path("message");
        assertEquals(wrongPassword, unknownEmail);
    }

    @Test
    void badRegistrationsAreClearErrors() {
        given().contentType(ContentType.JSON)
                .body(Map.of("email", "not-an-email", "password", "a long passphrase", "displayName", "X"))
                .post("/api/v1/auth/register").then().statusCode(400).body("message", containsString("email"));
        given().contentType(ContentType.JSON)
                .body(Map.of("email", "short@example.test", "password", "short", "displayName", "X"))
                .post("/api/v1/auth/register").then().statusCode(400).body("message", containsString("password"));
        given().contentType(ContentType.JSON).body("{not json")
                .post("/api/v1/auth/register").then().statusCode(400).body("error", equalTo(true))
                .body(not(containsString("Exception")));
    }
}
