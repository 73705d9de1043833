package io.rxsync.auth;

import io.smallrye.jwt.build.Jwt;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Set;
import java.util.UUID;

/** Issues the RS256 tokens every sync route requires; {@code sub} is the user's id. */
@ApplicationScoped
public class TokenIssuer {

    private final Vertx vertx;

    public TokenIssuer(Vertx vertx) {
        this.vertx = vertx;
    }

    public Uni<String> issue(UUID userId) {
        // RSA signing is CPU work: keep it off the event loop like hashing.
        return vertx.executeBlocking(() -> Jwt.subject(userId.toString()).groups(Set.of("user")).sign());
    }
}
