package io.rxsync.auth;

import io.rxsync.replication.RowSecurity;
import io.rxsync.web.ApiException;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.UUID;

/**
 * The account of an external provider's user, created on first sight (migration V25,
 * rxsync_link_identity): one statement per newly seen token, none for the requests after
 * it (BearerAuthenticator remembers the caller).
 */
@ApplicationScoped
public class IdentityLinks {

    private static final String LINK = "SELECT rxsync_link_identity($1, $2, $3, $4)";

    private final Pool pool;

    public IdentityLinks(Pool pool) {
        this.pool = pool;
    }

    Uni<Caller> accountOf(ExternalTokens.Identity identity) {
        return pool.preparedQuery(LINK)
                .execute(Tuple.of(identity.issuer(), identity.subject(), identity.email(), identity.name()))
                .map(rows -> {
                    UUID account = rows.iterator().next().getUUID(0);
                    if (account == null) {
                        throw ApiException.unauthorized(RowSecurity.ACCOUNT_GONE);
                    }
                    return new Caller(account.toString(), identity.subject(), identity.groups(), identity.expiresAt());
                });
    }
}
