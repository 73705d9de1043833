package io.rxsync.web;

import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;
import java.net.ConnectException;
import java.net.SocketException;

/**
 * Recognises a failure that means "PostgreSQL is not reachable right now" (restarting,
 * connection killed, refused) rather than a bug: the client is told 503, retry, instead of 500.
 */
final class DatabaseUnavailable {

    static final String RETRY_AFTER_SECONDS = "1";

    private DatabaseUnavailable() {
    }

    static boolean causes(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof ClosedConnectionException || t instanceof ConnectException || t instanceof SocketException) {
                return true;
            }
            // class 08: connection exception; 57P01..57P03: admin shutdown, crash shutdown, cannot connect now
            if (t instanceof PgException pg && pg.getSqlState() != null
                    && (pg.getSqlState().startsWith("08") || pg.getSqlState().startsWith("57P"))) {
                return true;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }
}
