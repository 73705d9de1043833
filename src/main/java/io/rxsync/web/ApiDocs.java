package io.rxsync.web;

import jakarta.ws.rs.core.Application;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Components;
import org.eclipse.microprofile.openapi.annotations.OpenAPIDefinition;
import org.eclipse.microprofile.openapi.annotations.enums.ParameterIn;
import org.eclipse.microprofile.openapi.annotations.info.Info;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * The OpenAPI document (/q/openapi, Swagger UI at /q/swagger-ui): the parts every route
 * shares (read from the JAX-RS Application class, hence the otherwise empty subclass), and the example bodies the routes' annotations point to, as constants so that
 * they read like the wire.
 */
@OpenAPIDefinition(
        info = @Info(title = "rxsync", version = "1",
                description = "RxDB replication over HTTP: pull by checkpoint, push with conflict detection, "
                        + "live stream over SSE. Every error is {\"code\",\"error\":true,\"message\"}."),
        components = @Components(parameters = {
                @Parameter(name = ApiDocs.COLLECTION_PARAMETER, in = ParameterIn.PATH, required = true,
                        description = "Collection name", example = "orders"),
                @Parameter(name = ApiDocs.VERSION_PARAMETER, in = ParameterIn.PATH, required = true,
                        description = "The client's schema version", example = "0")
        }, responses = {
                @APIResponse(name = ApiDocs.UNAUTHORIZED_RESPONSE, responseCode = "401",
                        description = "Missing, invalid or expired token", content = @Content(
                        mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class),
                        examples = @ExampleObject(name = "401", value = ApiDocs.UNAUTHORIZED))),
                @APIResponse(name = ApiDocs.NOT_FOUND_RESPONSE, responseCode = "404",
                        description = "Unknown collection or future schema version", content = @Content(
                        mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class),
                        examples = @ExampleObject(name = "404", value = ApiDocs.NOT_FOUND))),
                @APIResponse(name = ApiDocs.OUTDATED_RESPONSE, responseCode = "426",
                        description = "Outdated schema version: update the app", content = @Content(
                        mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class),
                        examples = @ExampleObject(name = "426", value = ApiDocs.OUTDATED))),
                @APIResponse(name = ApiDocs.UNAVAILABLE_RESPONSE, responseCode = "503",
                        description = "Database unavailable; retry after Retry-After", content = @Content(
                        mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class),
                        examples = @ExampleObject(name = "503", value = ApiDocs.UNAVAILABLE)))
        }),
        tags = {
                @Tag(name = "auth", description = "Accounts and tokens"),
                @Tag(name = "sync", description = "The RxDB replication routes of every collection")
        })
public class ApiDocs extends Application {

    /** The security scheme (quarkus.smallrye-openapi.security-scheme-name): the JWT of register or login. */
    public static final String BEARER = "bearer";

    /** The path parameters of every collection route. */
    public static final String COLLECTION_PARAMETER = "collection";
    public static final String VERSION_PARAMETER = "version";

    /** Error answers several routes share, defined once under components/responses. */
    public static final String UNAUTHORIZED_RESPONSE = "unauthorized";
    public static final String NOT_FOUND_RESPONSE = "notFound";
    public static final String OUTDATED_RESPONSE = "outdated";
    public static final String UNAVAILABLE_RESPONSE = "unavailable";


    public static final String REGISTRATION = """
            {"email": "ada@example.com", "password": "correct horse battery", "displayName": "Ada"}""";
    public static final String LOGIN = """
            {"email": "ada@example.com", "password": "correct horse battery"}""";
    public static final String SESSION = """
            {"userId": "8d3f2b1e-4c5a-4e7b-9f10-2a3b4c5d6e7f", "token": "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOi4uLn0.c2lnbmF0dXJl"}""";
    public static final String PROVIDER = """
            {"issuer": "https://sso.example.com/realms/rxsync", "clientId": "rxsync-web"}""";
    public static final String ME = """
            {"userId": "8d3f2b1e-4c5a-4e7b-9f10-2a3b4c5d6e7f", "subject": "auth0|65f1c2d3e4b5a6978899aabb", "groups": ["sales"]}""";
    public static final String COLLECTIONS = """
            [{"name": "orders", "schemaVersion": 0, "url": "/api/v1/sync/orders/0",
              "schema": {"version": 0, "primaryKey": "id", "type": "object", "properties": {"id": {"type": "string", "maxLength": 36}}}}]""";
    public static final String PAGE = """
            {"documents": [{"id": "0b6f5f4e-1d2c-4b3a-8e9f-112233445566", "userId": "8d3f2b1e-4c5a-4e7b-9f10-2a3b4c5d6e7f",
                            "status": "paid", "totalCents": 4200, "currency": "EUR", "note": null, "metadata": null,
                            "_deleted": false}],
             "checkpoint": {"id": "0b6f5f4e-1d2c-4b3a-8e9f-112233445566", "lwt": 7351}}""";
    public static final String PUSH = """
            [{"assumedMasterState": {"id": "0b6f5f4e-1d2c-4b3a-8e9f-112233445566", "userId": "8d3f2b1e-4c5a-4e7b-9f10-2a3b4c5d6e7f",
                                     "status": "pending", "totalCents": 4200, "currency": "EUR", "_deleted": false},
              "newDocumentState": {"id": "0b6f5f4e-1d2c-4b3a-8e9f-112233445566", "userId": "8d3f2b1e-4c5a-4e7b-9f10-2a3b4c5d6e7f",
                                   "status": "paid", "totalCents": 4200, "currency": "EUR", "_deleted": false}}]""";
    public static final String NO_CONFLICTS = "[]";
    public static final String STREAM = """
            : ping

            data: {"documents": [{"id": "0b6f5f4e-1d2c-4b3a-8e9f-112233445566", "status": "shipped", "_deleted": false}], "checkpoint": {"id": "0b6f5f4e-1d2c-4b3a-8e9f-112233445566", "lwt": 7360}}
            """;

    public static final String MULTIPLEXED_STREAM = """
            : ping

            event: orders
            data: {"documents": [{"id": "0b6f5f4e-1d2c-4b3a-8e9f-112233445566", "status": "shipped", "_deleted": false}], "checkpoint": {"id": "0b6f5f4e-1d2c-4b3a-8e9f-112233445566", "lwt": 7360}}

            event: notes
            data: RESYNC
            """;

    public static final String BAD_REQUEST = """
            {"code": 400, "error": true, "message": "limit must be a whole number from 1 to 1000"}""";
    public static final String UNAUTHORIZED = """
            {"code": 401, "error": true, "message": "missing, invalid or expired credentials"}""";
    public static final String FORBIDDEN = """
            {"code": 403, "error": true, "message": "row 0: the document belongs to another user"}""";
    public static final String NOT_FOUND = """
            {"code": 404, "error": true, "message": "unknown collection 'invoices'"}""";
    public static final String CONFLICT_EMAIL = """
            {"code": 409, "error": true, "message": "an account with this email already exists"}""";
    public static final String GONE = """
            {"code": 410, "error": true, "message": "checkpoint is older than the tombstone retention: deletes may have been purged since; resync from scratch (drop the local collection state and start replication again from an empty checkpoint)"}""";
    public static final String TOO_LARGE = """
            {"code": 413, "error": true, "message": "a push may carry at most 1000 rows"}""";
    public static final String TOO_MANY = """
            {"code": 429, "error": true, "message": "too many failed logins; try again later"}""";
    public static final String UNAVAILABLE = """
            {"code": 503, "error": true, "message": "database unavailable; retry shortly"}""";
    public static final String INTERNAL = """
            {"code": 500, "error": true, "message": "internal error"}""";
    public static final String OUTDATED = """
            {"code": 426, "error": true, "message": "Outdated version 0 (newest is 1)"}""";
}
