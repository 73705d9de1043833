package io.rxsync.auth;

import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import org.jboss.resteasy.reactive.ResponseStatus;

@Path("/api/v1/auth")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
public class AuthResource {

    private final AuthService auth;

    public AuthResource(AuthService auth) {
        this.auth = auth;
    }

    @POST
    @Path("/register")
    @ResponseStatus(201)
    public Uni<Credentials.Session> register(Credentials.Registration request) {
        return auth.register(request);
    }

    @POST
    @Path("/login")
    public Uni<Credentials.Session> login(Credentials.Login request, @Context HttpServerRequest http) {
        // the peer's address, or the client's from X-Forwarded-For/Forwarded when
        // quarkus.http.proxy.* trusts the proxy in front (README, Configuration)
        return auth.login(request, http.remoteAddress().hostAddress());
    }
}
