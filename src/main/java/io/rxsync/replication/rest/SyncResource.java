package io.rxsync.replication.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rxsync.auth.BearerAuthenticator;
import io.rxsync.auth.Caller;
import io.rxsync.ops.ReplicationMetrics;
import io.rxsync.replication.Checkpoint;
import io.rxsync.replication.CollectionRegistry;
import io.rxsync.replication.PullService;
import io.rxsync.replication.PushService;
import io.rxsync.replication.ReplicatedCollection;
import io.rxsync.replication.ReplicationConfig;
import io.rxsync.replication.stream.LiveAccount;
import io.rxsync.replication.stream.StreamEvent;
import io.rxsync.replication.stream.StreamService;
import io.rxsync.web.ApiDocs;
import io.rxsync.web.ApiError;
import io.rxsync.web.ApiException;
import io.quarkus.vertx.http.Uncompressed;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.CacheControl;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Request;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.ParameterIn;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.ResponseHeader;
import org.jboss.resteasy.reactive.RestPath;
import org.jboss.resteasy.reactive.RestQuery;

/**
 * The RxDB replication routes (PROTOCOL.md) for every collection. Thin: resolve the
 * collection (404/426), authenticate (401), hand over to the services.
 */
@Path("/api/v1/sync")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "sync")
public class SyncResource {

    /** A client keeps the answer but revalidates it every time (the listing's ETag). */
    private static final CacheControl REVALIDATE = CacheControl.valueOf("no-cache");
    /** What Jackson's answers are labelled with; a page, written as bytes (PageJson), says the same. */
    private static final MediaType JSON_UTF8 = MediaType.APPLICATION_JSON_TYPE.withCharset("UTF-8");

    private final CollectionRegistry registry;
    private final BearerAuthenticator authenticator;
    private final PullService pulls;
    private final PushService pushes;
    private final StreamService streams;
    private final ReplicationConfig config;
    private final ObjectMapper json;
    private final ReplicationMetrics metrics;
    private final CollectionListing listing;

    public SyncResource(CollectionRegistry registry, BearerAuthenticator authenticator, PullService pulls,
                        PushService pushes, StreamService streams, ReplicationConfig config, ObjectMapper json,
                        ReplicationMetrics metrics, CollectionListing listing) {
        this.metrics = metrics;
        this.listing = listing;
        this.registry = registry;
        this.authenticator = authenticator;
        this.pulls = pulls;
        this.pushes = pushes;
        this.streams = streams;
        this.config = config;
        this.json = json;
    }

    @GET
    @Operation(summary = "The collections", description = "Name, schema version, base URL and RxDB JSON schema of every collection. "
            + "Carries an ETag: send it back in If-None-Match to get 304 while the collections are unchanged.")
    @APIResponse(responseCode = "200", description = "The collections", content = @Content(
            mediaType = MediaType.APPLICATION_JSON, examples = @ExampleObject(name = "collections", value = ApiDocs.COLLECTIONS)))
    @APIResponse(responseCode = "304", description = "Unchanged since the ETag in If-None-Match (no body)")
    @APIResponse(responseCode = "500", description = "Unexpected failure (logged; no detail reaches the client)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class),
                    examples = @ExampleObject(name = "500", value = ApiDocs.INTERNAL)))
    public Response collections(@Context Request request) {
        // no-cache: a phone keeps the listing but asks each time, so a new release is seen at
        // once and an unchanged listing costs a 304 without a body
        Response.ResponseBuilder notModified = request.evaluatePreconditions(listing.tag());
        Response.ResponseBuilder answer = notModified != null ? notModified : Response.ok(listing.entries());
        return answer.tag(listing.tag()).cacheControl(REVALIDATE).build();
    }

    @GET
    @Path("/{collection}/{version}/pull")
    @Operation(summary = "Pull the next page after a checkpoint",
            description = "Up to `limit` of the caller's documents strictly after (lwt, id), in commit order; "
                    + "a short page means caught up, an empty one echoes the checkpoint. 410: resync from scratch.")
    @Parameter(name = "collection", in = ParameterIn.PATH, ref = ApiDocs.COLLECTION_PARAMETER)
    @Parameter(name = "version", in = ParameterIn.PATH, ref = ApiDocs.VERSION_PARAMETER)
    @Parameter(name = "lwt", in = ParameterIn.QUERY, description = "Checkpoint lwt (0 or absent: first pull)", example = "7351")
    @Parameter(name = "id", in = ParameterIn.QUERY, description = "Checkpoint id ('' first)", example = "0b6f5f4e-1d2c-4b3a-8e9f-112233445566")
    @Parameter(name = "limit", in = ParameterIn.QUERY, description = "Page size, 1 to 1000 (absent: 100, rxsync.replication.default-pull-limit)", example = "100")
    @SecurityRequirement(name = ApiDocs.BEARER)
    @APIResponse(responseCode = "200", description = "A page and its checkpoint", content = @Content(
            mediaType = MediaType.APPLICATION_JSON, examples = @ExampleObject(name = "page", value = ApiDocs.PAGE)))
    @APIResponse(responseCode = "400", description = "Bad checkpoint or limit", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = ApiError.class), examples = @ExampleObject(name = "400", value = ApiDocs.BAD_REQUEST)))
    @APIResponse(responseCode = "401", ref = ApiDocs.UNAUTHORIZED_RESPONSE)
    @APIResponse(responseCode = "404", ref = ApiDocs.NOT_FOUND_RESPONSE)
    @APIResponse(responseCode = "426", ref = ApiDocs.OUTDATED_RESPONSE)
    @APIResponse(responseCode = "410", description = "Checkpoint older than the tombstone retention: resync from scratch", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = ApiError.class), examples = @ExampleObject(name = "410", value = ApiDocs.GONE)))
    @APIResponse(responseCode = "503", ref = ApiDocs.UNAVAILABLE_RESPONSE)
    public Uni<Response> pull(@RestPath String collection, @RestPath int version,
                              @RestQuery String lwt, @RestQuery String id, @RestQuery String limit,
                              @Context HttpHeaders headers) {
        ReplicatedCollection c = registry.resolve(collection, version);
        return authenticator.authenticate(headers.getHeaderString(HttpHeaders.AUTHORIZATION))
                .flatMap(caller -> pulls.pull(c, caller, Checkpoint.parse(lwt, id, c.idField()), parseLimit(limit)))
                .invoke(page -> metrics.pulled(c, page.size()))
                .map(page -> Response.ok(page.json(), JSON_UTF8).build());
    }

    @POST
    @Path("/{collection}/{version}/push")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Push changed documents",
            description = "All rows in one transaction; answers the current server state of every conflicting document.")
    @Parameter(name = "collection", in = ParameterIn.PATH, ref = ApiDocs.COLLECTION_PARAMETER)
    @Parameter(name = "version", in = ParameterIn.PATH, ref = ApiDocs.VERSION_PARAMETER)
    @SecurityRequirement(name = ApiDocs.BEARER)
    @RequestBody(content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(type = org.eclipse.microprofile.openapi.annotations.enums.SchemaType.ARRAY),
            examples = @ExampleObject(name = "rows", value = ApiDocs.PUSH)))
    @APIResponse(responseCode = "200", description = "The conflicts (empty when none)", content = @Content(
            mediaType = MediaType.APPLICATION_JSON, examples = @ExampleObject(name = "no conflicts", value = ApiDocs.NO_CONFLICTS)))
    @APIResponse(responseCode = "400", description = "A row breaks a rule (the message names row and field); nothing is written", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = ApiError.class), examples = @ExampleObject(name = "400", value = ApiDocs.BAD_REQUEST)))
    @APIResponse(responseCode = "403", description = "Another user's document or a server-only field", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = ApiError.class), examples = @ExampleObject(name = "403", value = ApiDocs.FORBIDDEN)))
    @APIResponse(responseCode = "413", description = "Body or batch too large", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = ApiError.class), examples = @ExampleObject(name = "413", value = ApiDocs.TOO_LARGE)))
    @APIResponse(responseCode = "401", ref = ApiDocs.UNAUTHORIZED_RESPONSE)
    @APIResponse(responseCode = "404", ref = ApiDocs.NOT_FOUND_RESPONSE)
    @APIResponse(responseCode = "426", ref = ApiDocs.OUTDATED_RESPONSE)
    @APIResponse(responseCode = "503", ref = ApiDocs.UNAVAILABLE_RESPONSE)
    public Uni<List<ObjectNode>> push(@RestPath String collection, @RestPath int version, String body,
                                      @Context HttpHeaders headers) {
        ReplicatedCollection c = registry.resolve(collection, version);
        return authenticator.authenticate(headers.getHeaderString(HttpHeaders.AUTHORIZATION))
                .flatMap(caller -> {
                    JsonNode rows = parseJson(body);
                    return pushes.push(c, caller, rows)
                            .invoke(conflicts -> metrics.pushed(c, rows.size(), conflicts.size()));
                });
    }

    @GET
    @Path("/{collection}/{version}/pullStream")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @Operation(summary = "Live stream of changes (SSE)",
            description = "Unnamed `data:` frames {documents, checkpoint} and `: ping` heartbeats; the server closes "
                    + "the stream on token expiry, lost change feed and shutdown: pull from the checkpoint and reconnect.")
    @Parameter(name = "collection", in = ParameterIn.PATH, ref = ApiDocs.COLLECTION_PARAMETER)
    @Parameter(name = "version", in = ParameterIn.PATH, ref = ApiDocs.VERSION_PARAMETER)
    @SecurityRequirement(name = ApiDocs.BEARER)
    @APIResponse(responseCode = "200", description = "The event stream", content = @Content(
            mediaType = MediaType.SERVER_SENT_EVENTS, examples = @ExampleObject(name = "frames", value = ApiDocs.STREAM)))
    @APIResponse(responseCode = "401", ref = ApiDocs.UNAUTHORIZED_RESPONSE)
    @APIResponse(responseCode = "404", ref = ApiDocs.NOT_FOUND_RESPONSE)
    @APIResponse(responseCode = "426", ref = ApiDocs.OUTDATED_RESPONSE)
    @LiveAccount
    @ResponseHeader(name = "Cache-Control", value = "no-cache")
    @ResponseHeader(name = "X-Accel-Buffering", value = "no")
    @Uncompressed // each frame must reach the client when written, not when a compressor's block fills
    public Multi<OutboundSseEvent> pullStream(@RestPath String collection, @RestPath int version,
                                              @Context HttpHeaders headers, @Context Sse sse) {
        ReplicatedCollection c = registry.resolve(collection, version);
        Caller caller = authenticator.require(headers.getHeaderString(HttpHeaders.AUTHORIZATION));
        return streams.open(c, caller).map(event -> sseEvent(event, sse));
    }

    @GET
    @Path("/stream")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @Operation(summary = "One live stream for several collections (SSE)",
            description = "For clients that replicate many collections at once (a browser opens at most six connections "
                    + "per host over HTTP/1.1). `collections` lists `name:schemaVersion` pairs. Each event is named by its "
                    + "collection: data `{documents, checkpoint}` as on that collection's pullStream, or `RESYNC`: pull that "
                    + "collection from its checkpoint (the stream goes on). `: ping` heartbeats. The server closes the stream "
                    + "on token expiry, lost change feed and shutdown: pull every collection and reconnect.")
    @Parameter(name = "collections", in = ParameterIn.QUERY, required = true,
            description = "Comma-separated `name:schemaVersion` pairs, each collection once", example = "orders:0,notes:0")
    @SecurityRequirement(name = ApiDocs.BEARER)
    @APIResponse(responseCode = "200", description = "The event stream", content = @Content(
            mediaType = MediaType.SERVER_SENT_EVENTS, examples = @ExampleObject(name = "frames", value = ApiDocs.MULTIPLEXED_STREAM)))
    @APIResponse(responseCode = "400", description = "No collections, a malformed pair or a collection listed twice", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = ApiError.class), examples = @ExampleObject(name = "400", value = ApiDocs.BAD_REQUEST)))
    @APIResponse(responseCode = "401", ref = ApiDocs.UNAUTHORIZED_RESPONSE)
    @APIResponse(responseCode = "404", ref = ApiDocs.NOT_FOUND_RESPONSE)
    @APIResponse(responseCode = "426", ref = ApiDocs.OUTDATED_RESPONSE)
    @LiveAccount
    @ResponseHeader(name = "Cache-Control", value = "no-cache")
    @ResponseHeader(name = "X-Accel-Buffering", value = "no")
    @Uncompressed // as pullStream: each frame must reach the client when written
    public Multi<OutboundSseEvent> multiplexedStream(@RestQuery String collections, @Context HttpHeaders headers,
                                                     @Context Sse sse) {
        List<ReplicatedCollection> listed = parseCollections(collections);
        Caller caller = authenticator.require(headers.getHeaderString(HttpHeaders.AUTHORIZATION));
        return streams.openMultiplexed(listed, caller).map(event -> sseEvent(event, sse));
    }

    /** A frame or a resync, named by its collection on a multiplexed stream and unnamed on a pullStream; or a heartbeat. */
    private static OutboundSseEvent sseEvent(StreamEvent event, Sse sse) {
        return switch (event.kind()) {
            case PING -> sse.newEventBuilder().comment("ping").build();
            case FRAME -> event.collection() == null
                    ? sse.newEventBuilder().data(event.frame()).build()
                    : sse.newEventBuilder().name(event.collection()).data(event.frame()).build();
            case RESYNC -> sse.newEventBuilder().name(event.collection()).data(MULTIPLEXED_RESYNC).build();
        };
    }

    /** The data of a multiplexed stream's resync event; never sent on a pullStream (the official client crashes on it). */
    static final String MULTIPLEXED_RESYNC = "RESYNC";

    /** {@code orders:0,notes:0}: each known collection at its current version (404, 426), once. */
    private List<ReplicatedCollection> parseCollections(String raw) {
        if (raw == null || raw.isBlank()) {
            throw ApiException.badRequest("collections must list name:schemaVersion pairs, e.g. collections=orders:0,notes:0");
        }
        List<ReplicatedCollection> listed = new ArrayList<>();
        for (String pair : raw.split(",", -1)) {
            int colon = pair.indexOf(':');
            String name = colon < 0 ? "" : pair.substring(0, colon).strip();
            Integer version = null;
            try {
                version = Integer.valueOf(colon < 0 ? "" : pair.substring(colon + 1).strip());
            } catch (NumberFormatException e) {
                // answered below
            }
            if (name.isEmpty() || version == null) {
                throw ApiException.badRequest("collections: '" + abbreviate(pair) + "' is not a name:schemaVersion pair such as orders:0");
            }
            ReplicatedCollection collection = registry.resolve(name, version); // 404, or 426 for an older version
            if (listed.stream().anyMatch(c -> c.name().equals(collection.name()))) {
                throw ApiException.badRequest("collections: '" + collection.name() + "' is listed twice");
            }
            listed.add(collection);
        }
        return listed;
    }

    private static String abbreviate(String text) {
        return text.length() <= 60 ? text : text.substring(0, 60) + "…";
    }

    /** The base URL itself: 426 for an outdated version (the client checks any route), else 404. */
    @GET
    @Path("/{collection}/{version}")
    @Operation(summary = "A collection's base URL", description = "Not a resource: 426 for an outdated schema version, else 404.")
    @Parameter(name = "collection", in = ParameterIn.PATH, ref = ApiDocs.COLLECTION_PARAMETER)
    @Parameter(name = "version", in = ParameterIn.PATH, ref = ApiDocs.VERSION_PARAMETER)
    @APIResponse(responseCode = "404", description = "Always, for a current version", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = ApiError.class), examples = @ExampleObject(name = "404", value = ApiDocs.NOT_FOUND)))
    @APIResponse(responseCode = "426", ref = ApiDocs.OUTDATED_RESPONSE)
    public void base(@RestPath String collection, @RestPath int version) {
        registry.resolve(collection, version);
        throw ApiException.notFound("no such route");
    }

    private int parseLimit(String raw) {
        int max = config.replication().maxPullLimit();
        if (raw == null || raw.isBlank()) {
            return Math.min(config.replication().defaultPullLimit(), max);
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
