package io.rxsync.auth;

import io.rxsync.web.ApiDocs;
import io.rxsync.web.ApiError;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.ResponseStatus;

@Path("/api/v1/auth")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "auth")
public class AuthResource {

    private final AuthService auth;
    private final BearerAuthenticator authenticator;
    private final OidcConfig oidc;

    public AuthResource(AuthService auth, BearerAuthenticator authenticator, OidcConfig oidc) {
        this.auth = auth;
        this.authenticator = authenticator;
        this.oidc = oidc;
    }

    /** Where the web app sends its users to log in, when an external provider is configured for it. */
    public record Provider(String issuer, String clientId) {
    }

    @GET
    @Path("/provider")
    @Operation(summary = "The external identity provider of the web app",
            description = "Its issuer and public client (authorization code with PKCE); 204 when the web app uses built-in accounts only.")
    @APIResponse(responseCode = "200", description = "The provider", content = @Content(
            mediaType = MediaType.APPLICATION_JSON, examples = @ExampleObject(name = "provider", value = ApiDocs.PROVIDER)))
    @APIResponse(responseCode = "204", description = "No external provider: the web app uses built-in accounts")
    public Provider provider() {
        if (oidc.issuer().isEmpty() || oidc.webClientId().isEmpty()) {
            // No content rather than 404: built-in accounts are the normal case, not an error,
            // and a browser lists every 404 of a page load as an error in its console.
            return null;
        }
        return new Provider(oidc.issuer().get(), oidc.webClientId().get());
    }

    /** Who a token is: an external provider's user learns here the account id their documents carry as owner. */
    public record Me(String userId, String subject, java.util.Set<String> groups) {
    }

    @GET
    @Path("/me")
    @Operation(summary = "The caller behind a token", description = "Account id (the owner of their documents), "
            + "subject at the token's issuer, groups from the token. An external provider's user gets an account on first sight.")
    @SecurityRequirement(name = ApiDocs.BEARER)
    @APIResponse(responseCode = "200", description = "The caller", content = @Content(
            mediaType = MediaType.APPLICATION_JSON, examples = @ExampleObject(name = "me", value = ApiDocs.ME)))
    @APIResponse(responseCode = "401", ref = ApiDocs.UNAUTHORIZED_RESPONSE)
    public Uni<Me> me(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        return authenticator.authenticate(authorization)
                .map(caller -> new Me(caller.userId(), caller.subject(), caller.groups()));
    }

    @POST
    @Path("/register")
    @ResponseStatus(201)
    @Operation(summary = "Create an account", description = "Password of at least 10 characters; the email is stored lower-case.")
    @RequestBody(content = @Content(mediaType = MediaType.APPLICATION_JSON,
            examples = @ExampleObject(name = "registration", value = ApiDocs.REGISTRATION)))
    @APIResponse(responseCode = "201", description = "The new account and a token", content = @Content(
            mediaType = MediaType.APPLICATION_JSON, examples = @ExampleObject(name = "session", value = ApiDocs.SESSION)))
    @APIResponse(responseCode = "400", description = "Invalid email, password or display name", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = ApiError.class), examples = @ExampleObject(name = "400", value = ApiDocs.BAD_REQUEST)))
    @APIResponse(responseCode = "409", description = "The email is taken", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = ApiError.class), examples = @ExampleObject(name = "409", value = ApiDocs.CONFLICT_EMAIL)))

    public Uni<Credentials.Session> register(Credentials.Registration request) {
        return auth.register(request);
    }

    @POST
    @Path("/login")
    @Operation(summary = "Sign in", description = "Answers a fresh RS256 token for the sync routes.")
    @RequestBody(content = @Content(mediaType = MediaType.APPLICATION_JSON,
            examples = @ExampleObject(name = "login", value = ApiDocs.LOGIN)))
    @APIResponse(responseCode = "200", description = "The account and a token", content = @Content(
            mediaType = MediaType.APPLICATION_JSON, examples = @ExampleObject(name = "session", value = ApiDocs.SESSION)))
    @APIResponse(responseCode = "400", description = "Malformed body", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = ApiError.class), examples = @ExampleObject(name = "400", value = ApiDocs.BAD_REQUEST)))
    @APIResponse(responseCode = "401", description = "Unknown email or wrong password", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = ApiError.class), examples = @ExampleObject(name = "401", value = ApiDocs.UNAUTHORIZED)))
    @APIResponse(responseCode = "429", description = "Too many failed logins for this account or address; see Retry-After",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class),
                    examples = @ExampleObject(name = "429", value = ApiDocs.TOO_MANY)))
    public Uni<Credentials.Session> login(Credentials.Login request, @Context HttpServerRequest http) {
        // the peer's address, or the client's from X-Forwarded-For/Forwarded when
        // quarkus.http.proxy.* trusts the proxy in front (README, Configuration)
        return auth.login(request, http.remoteAddress().hostAddress());
    }
}
