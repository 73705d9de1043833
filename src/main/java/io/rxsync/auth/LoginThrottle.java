package io.rxsync.auth;

import io.rxsync.web.ApiException;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;

/**
 * Refuses logins for an account or a client address after too many failures in a window
 * (migration V8). The counts live in PostgreSQL, so every instance of the stateless service
 * enforces the same limit. The check runs before the password is hashed, so a refused
 * attempt costs one indexed read; the answer is the same whether or not the email belongs
 * to an account, because failures are counted for any email.
 */
@ApplicationScoped
public class LoginThrottle {

    /**
     * Seconds until the window of a subject over its limit ends, or null when none is. Both
     * subjects by the unique index.
     */
    public static final String RETRY_AFTER = """
            SELECT ceil(extract(epoch FROM max(window_started_at) + $3::int * interval '1 second' - now()))::int
              FROM login_attempts
             WHERE subject IN ($1, $2)
               AND window_started_at > now() - $3::int * interval '1 second'
               AND failures >= CASE WHEN subject = $1 THEN $4::int ELSE $5::int END""";

    /**
     * Counts one failure for both subjects (a window that has passed starts again at 1) and
     * removes windows that ended long ago, other than these two, so the table stays small.
     */
    public static final String RECORD_FAILURE = """
            WITH expired AS (
                DELETE FROM login_attempts
                 WHERE window_started_at < now() - 2 * $3::int * interval '1 second'
                   AND subject NOT IN ($1, $2))
            INSERT INTO login_attempts AS a (subject, failures, window_started_at)
            VALUES ($1, 1, now()), ($2, 1, now())
            ON CONFLICT (subject) DO UPDATE SET
                failures = CASE WHEN a.window_started_at <= now() - $3::int * interval '1 second' THEN 1
                                ELSE a.failures + 1 END,
                window_started_at = CASE WHEN a.window_started_at <= now() - $3::int * interval '1 second' THEN now()
                                         ELSE a.window_started_at END,
                updated_at = now()""";

    private final Pool pool;
    private final LoginThrottleConfig config;

    public LoginThrottle(Pool pool, LoginThrottleConfig config) {
        this.pool = pool;
        this.config = config;
    }

    /** Fails with 429 and a Retry-After while the account or the address is over its limit. */
    public Uni<Void> check(String normalizedEmail, String address) {
        return pool.preparedQuery(RETRY_AFTER)
                .execute(Tuple.of(accountSubject(normalizedEmail), addressSubject(address), windowSeconds(),
                        config.maxFailuresPerAccount(), config.maxFailuresPerAddress()))
                .map(rows -> {
                    Row row = rows.iterator().next();
                    return row.getInteger(0);
                })
                .invoke(seconds -> {
                    if (seconds != null) {
                        throw ApiException.tooManyRequests("too many failed logins; try again later",
                                Duration.ofSeconds(Math.max(1, seconds)));
                    }
                })
                .replaceWithVoid();
    }

    /** Counts a failed login against the account and the address. */
    public Uni<Void> recordFailure(String normalizedEmail, String address) {
        return pool.preparedQuery(RECORD_FAILURE)
                .execute(Tuple.of(accountSubject(normalizedEmail), addressSubject(address), windowSeconds()))
                .replaceWithVoid();
    }

    private int windowSeconds() {
        return (int) config.window().toSeconds();
    }

    /** The email hashed: the table never holds an address in clear, an account's or not. */
    static String accountSubject(String normalizedEmail) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(normalizedEmail.getBytes(StandardCharsets.UTF_8));
            return "account:" + HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    static String addressSubject(String address) {
        // an IPv6 address is at most 45 characters; anything longer is not an address
        String a = address == null || address.isBlank() ? "unknown" : address;
        return "address:" + (a.length() > 64 ? a.substring(0, 64) : a);
    }
}
