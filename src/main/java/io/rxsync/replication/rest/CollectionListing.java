package io.rxsync.replication.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rxsync.replication.CollectionRegistry;
import io.rxsync.replication.RxdbSchema;
import io.rxsync.replication.Scope;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.EntityTag;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;

/**
 * The collection listing and its entity tag. The collections are fixed when the service
 * starts, so both are computed once; the tag is a hash of the listing's JSON, so every
 * instance of one release answers the same tag and a client revalidating against another
 * replica still gets 304. The tag is weak because the same listing goes out plain, in gzip
 * or in brotli: equal content, different bytes.
 */
@ApplicationScoped
public class CollectionListing {

    /**
     * One entry of the listing: enough for a client to build its collection.
     *
     * @param pullOnly the collection's scope lets nobody push (everyone: reference data); a
     *                 client replicates it without a push handler
     */
    public record CollectionInfo(String name, int schemaVersion, String url, ObjectNode schema, boolean pullOnly) {
    }

    private final List<CollectionInfo> entries;
    private final EntityTag tag;

    public CollectionListing(CollectionRegistry registry, ObjectMapper json) {
        this.entries = registry.all().stream()
                .map(c -> new CollectionInfo(c.name(), c.schemaVersion(),
                        "/api/v1/sync/" + c.name() + "/" + c.schemaVersion(), RxdbSchema.of(c),
                        c.scope() instanceof Scope.Everyone))
                .toList();
        this.tag = new EntityTag(hash(json, entries), true);
    }

    public List<CollectionInfo> entries() {
        return entries;
    }

    public EntityTag tag() {
        return tag;
    }

    private static String hash(ObjectMapper json, List<CollectionInfo> entries) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(json.writeValueAsString(entries).getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(digest).substring(0, 22);
        } catch (JsonProcessingException | NoSuchAlgorithmException e) {
            throw new IllegalStateException("cannot hash the collection listing", e);
        }
    }
}
