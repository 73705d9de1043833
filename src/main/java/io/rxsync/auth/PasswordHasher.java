package io.rxsync.auth;

import io.quarkus.elytron.security.common.BcryptUtil;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * bcrypt, on a worker thread: one hash costs tens of milliseconds of CPU and would stall
 * every request sharing the event loop.
 */
@ApplicationScoped
public class PasswordHasher {

    /** Compared against when the email is unknown, so both answers take as long. */
    private static final String DECOY_HASH = BcryptUtil.bcryptHash("decoy password that matches nothing");

    private final Vertx vertx;

    public PasswordHasher(Vertx vertx) {
        this.vertx = vertx;
    }

    public Uni<String> hash(String password) {
        return vertx.executeBlocking(() -> BcryptUtil.bcryptHash(password));
    }

    /** Checks a password against a stored hash, or against a decoy when there is none. */
    public Uni<Boolean> matches(String password, String hashOrNull) {
        String hash = hashOrNull == null ? DECOY_HASH : hashOrNull;
        return vertx.executeBlocking(() -> BcryptUtil.matches(password, hash) && hashOrNull != null);
    }
}
