package io.rxsync.auth;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.rxsync.users.User;
import io.rxsync.users.UserRepository;
import io.rxsync.web.ApiException;
import io.rxsync.web.StorableText;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.regex.Pattern;
import org.hibernate.exception.ConstraintViolationException;

/** Registration and login. */
@ApplicationScoped
public class AuthService {

    static final int MIN_PASSWORD_LENGTH = 10;
    /** bcrypt reads at most 72 bytes; a longer password would be silently cut. */
    static final int MAX_PASSWORD_BYTES = 72;
    private static final Pattern EMAIL = Pattern.compile("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$");

    private final UserRepository users;
    private final PasswordHasher hasher;
    private final TokenIssuer tokens;
    private final LoginThrottle throttle;

    public AuthService(UserRepository users, PasswordHasher hasher, TokenIssuer tokens, LoginThrottle throttle) {
        this.users = users;
        this.hasher = hasher;
        this.tokens = tokens;
        this.throttle = throttle;
    }

    public Uni<Credentials.Session> register(Credentials.Registration request) {
        if (request == null) {
            throw ApiException.badRequest("body must be {email, password, displayName}");
        }
        String email = normalizedEmail(request.email());
        checkPassword(request.password());
        String displayName = request.displayName() == null ? "" : request.displayName().strip();
        if (displayName.isEmpty() || displayName.length() > 100) {
            throw ApiException.badRequest("displayName must be 1 to 100 characters");
        }
        refuseUnstorable("displayName", displayName);
        return hasher.hash(request.password())
                .flatMap(hash -> {
                    User user = new User();
                    user.email = email;
                    user.displayName = displayName;
                    user.hashedPassword = hash;
                    return Panache.withTransaction(() -> users.enterAuthScope().flatMap(ignored -> users.persist(user)));
                })
                .onFailure(AuthService::isUniqueViolation)
                .transform(e -> new ApiException(409, "an account with this email already exists"))
                .flatMap(user -> tokens.issue(user.id).map(token -> new Credentials.Session(user.id.toString(), token)));
    }

    /**
     * Logs in from {@code clientAddress}. Throttled per account and per address (429); a
     * wrong password, an unknown and a deleted account get the same 401.
     */
    public Uni<Credentials.Session> login(Credentials.Login request, String clientAddress) {
        if (request == null || request.email() == null || request.password() == null) {
            throw ApiException.badRequest("body must be {email, password}");
        }
        String email = request.email().strip().toLowerCase(Locale.ROOT);
        return throttle.check(email, clientAddress)
                .flatMap(allowed -> Panache.withTransaction(() -> users.enterAuthScope().flatMap(ignored -> users.findByEmail(email))))
                .flatMap(user -> {
                    User live = user == null || user.deleted ? null : user;
                    return hasher.matches(request.password(), live == null ? null : live.hashedPassword)
                            .map(ok -> ok ? live : null);
                })
                .flatMap(user -> user != null ? Uni.createFrom().item(user)
                        : throttle.recordFailure(email, clientAddress)
                                .flatMap(recorded -> Uni.createFrom().failure(ApiException.unauthorized("invalid email or password"))))
                .flatMap(user -> tokens.issue(user.id).map(token -> new Credentials.Session(user.id.toString(), token)));
    }

    private static String normalizedEmail(String raw) {
        String email = raw == null ? "" : raw.strip().toLowerCase(Locale.ROOT);
        if (email.length() > 320 || !EMAIL.matcher(email).matches()) {
            throw ApiException.badRequest("email must be a valid address of at most 320 characters");
        }
        refuseUnstorable("email", email);
        return email;
    }

    private static void checkPassword(String password) {
        if (password == null || password.length() < MIN_PASSWORD_LENGTH) {
            throw ApiException.badRequest("password must be at least " + MIN_PASSWORD_LENGTH + " characters");
        }
        if (password.getBytes(StandardCharsets.UTF_8).length > MAX_PASSWORD_BYTES) {
            throw ApiException.badRequest("password must be at most " + MAX_PASSWORD_BYTES + " bytes");
        }
        if (password.isBlank()) {
            throw ApiException.badRequest("password must not be blank");
        }
        // its UTF-8 bytes are hashed: a lone surrogate would hash as '?'
        refuseUnstorable("password", password);
    }

    private static void refuseUnstorable(String field, String value) {
        String problem = StorableText.problem(value);
        if (problem != null) {
            throw ApiException.badRequest(field + " must not contain " + problem);
        }
    }

    private static boolean isUniqueViolation(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConstraintViolationException cve && "23505".equals(cve.getSQLState())) {
                return true;
            }
            if (t instanceof io.vertx.pgclient.PgException pg && "23505".equals(pg.getSqlState())) {
                return true;
            }
        }
        return false;
    }
}
