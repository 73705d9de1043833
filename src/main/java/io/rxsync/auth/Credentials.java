package io.rxsync.auth;

/** The bodies and answers of the auth routes. */
public final class Credentials {

    private Credentials() {
    }

    public record Registration(String email, String password, String displayName) {
    }

    public record Login(String email, String password) {
    }

    public record Session(String userId, String token) {
    }
}
