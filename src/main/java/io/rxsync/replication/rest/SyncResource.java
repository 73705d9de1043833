package io.rxsync.replication.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rxsync.auth.BearerAuthenticator;
import io.rxsync.auth.Caller;
import io.rxsync.replication.Checkpoint;
import io.rxsync.replication.CollectionRegistry;
import io.rxsync.replication.PullService;
import io.rxsync.replication.PushService;
import io.rxsync.replication.ReplicatedCollection;
import io.rxsync.replication.ReplicationConfig;
import io.rxsync.replication.RxdbSchema;
import io.rxsync.replication.stream.LiveAccount;
import io.rxsync.replication.stream.StreamEvent;
import io.rxsync.replication.stream.StreamService;
import io.rxsync.web.ApiException;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import java.util.List;
import org.jboss.resteasy.reactive.ResponseHeader;
import org.jboss.resteasy.reactive.RestPath;
import org.jboss.resteasy.reactive.RestQuery;

/**
 * The RxDB replication routes (PROTOCOL.md) for every collection. Thin: resolve the
 * collection (404/426), authenticate (401), hand over to the services.
 */
@Path("/api/v1/sync")
@Produces(MediaType.APPLICATION_JSON)
public class SyncResource {

    private final CollectionRegistry registry;
    private final BearerAuthenticator authenticator;
    private final PullService pulls;
    private final PushService pushes;
    private final StreamService streams;
    private final ReplicationConfig config;
    private final ObjectMapper json;

    public SyncResource(CollectionRegistry registry, BearerAuthenticator authenticator, PullService pulls,
                        PushService pushes, StreamService streams, ReplicationConfig config, ObjectMapper json) {
        this.registry = registry;
        this.authenticator = authenticator;
        this.pulls = pulls;
        this.pushes = pushes;
        this.streams = streams;
        this.config = config;
        this.json = json;
    }

    /** One entry of the listing: enough for a client to build its collection. */
    public record CollectionInfo(String name, int schemaVersion, String url, ObjectNode schema) {
    }

    @GET
    public List<CollectionInfo> collections() {
        return registry.all().stream()
                .map(c -> new CollectionInfo(c.name(), c.schemaVersion(),
                        "/api/v1/sync/" + c.name() + "/" + c.schemaVersion(), RxdbSchema.of(c)))
                .toList();
    }

    @GET
    @Path("/{collection}/{version}/pull")
    public Uni<PullService.Page> pull(@RestPath String collection, @RestPath int version,
                                      @RestQuery String lwt, @RestQuery String id, @RestQuery String limit,
                                      @Context HttpHeaders headers) {
        ReplicatedCollection c = registry.resolve(collection, version);
        Caller caller = authenticator.require(headers.getHeaderString(HttpHeaders.AUTHORIZATION));
        Checkpoint after = Checkpoint.parse(lwt, id, c.idField());
        return pulls.pull(c, caller.userId(), after, parseLimit(limit));
    }

    @POST
    @Path("/{collection}/{version}/push")
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<List<ObjectNode>> push(@RestPath String collection, @RestPath int version, String body,
                                      @Context HttpHeaders headers) {
        ReplicatedCollection c = registry.resolve(collection, version);
        Caller caller = authenticator.require(headers.getHeaderString(HttpHeaders.AUTHORIZATION));
        return pushes.push(c, caller.userId(), parseJson(body));
    }

    @GET
    @Path("/{collection}/{version}/pullStream")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @LiveAccount
    @ResponseHeader(name = "Cache-Control", value = "no-cache")
    @ResponseHeader(name = "X-Accel-Buffering", value = "no")
    public Multi<OutboundSseEvent> pullStream(@RestPath String collection, @RestPath int version,
                                              @Context HttpHeaders headers, @Context Sse sse) {
        ReplicatedCollection c = registry.resolve(collection, version);
        Caller caller = authenticator.require(headers.getHeaderString(HttpHeaders.AUTHORIZATION));
        return streams.open(c, caller).map(event -> event.kind() == StreamEvent.Kind.FRAME
                ? sse.newEventBuilder().data(event.frame()).build()
                : sse.newEventBuilder().comment("ping").build());
    }

    /** The base URL itself: 426 for an outdated version (the client checks any route), else 404. */
    @GET
    @Path("/{collection}/{version}")
    public void base(@RestPath String collection, @RestPath int version) {
        registry.resolve(collection, version);
        throw ApiException.notFound("no such route");
    }

    private int parseLimit(String raw) {
        int max = config.replication().maxPullLimit();
        if (raw == null || raw.isBlank()) {
            throw ApiException.badRequest("limit is required (1 to " + max + ")");
        }
        try {
            int limit = Integer.parseInt(raw.strip());
            if (limit >= 1 && limit <= max) {
                return limit;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw ApiException.badRequest("limit must be a whole number from 1 to " + max);
    }

    private JsonNode parseJson(String body) {
        if (body == null || body.isBlank()) {
            throw ApiException.badRequest("a push body must be a JSON array");
        }
        try {
            return json.readTree(body);
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest("malformed JSON: " + e.getOriginalMessage());
        }
    }
}
