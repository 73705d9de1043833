package io.rxsync.replication.stream;

import io.rxsync.auth.BearerAuthenticator;
import io.rxsync.replication.RowSecurity;
import io.rxsync.web.ApiException;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * A token stays valid after its account is deleted. Pull and push notice in their first
 * statement ({@code rxsync_act_for}); a stream reads nothing for its user (the change pump
 * reads for everyone), and its 200 and headers go out before its first event, so the check
 * runs here, before the resource method: one statement per opened stream. A request whose
 * token does not verify passes on, for the resource to answer in its own order (426, 404, 401);
 * a provider that cannot be reached answers 503 here.
 */
public class LiveAccountFilter {

    private final BearerAuthenticator authenticator;
    private final Pool pool;

    public LiveAccountFilter(BearerAuthenticator authenticator, Pool pool) {
        this.authenticator = authenticator;
        this.pool = pool;
    }

    @LiveAccount
    @ServerRequestFilter
    public Uni<Void> requireLiveAccount(ContainerRequestContext request) {
        // also verifies an external provider's token without blocking, before the resource
        // method, which must answer synchronously (BearerAuthenticator.require)
        return authenticator.authenticate(request.getHeaderString(HttpHeaders.AUTHORIZATION))
                .onFailure(e -> e instanceof ApiException a && a.status() == 401).recoverWithNull()
                // a single statement outside a transaction: the setting it makes ends with it
                .flatMap(caller -> caller == null ? Uni.createFrom().voidItem() : RowSecurity.actFor(pool, caller.userId()));
    }
}
