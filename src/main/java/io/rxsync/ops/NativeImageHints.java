package io.rxsync.ops;

import io.quarkus.runtime.annotations.RegisterForReflection;
import io.rxsync.auth.Credentials;
import io.rxsync.replication.Checkpoint;
import io.rxsync.replication.rest.CollectionListing;
import io.rxsync.web.ApiError;

/**
 * What a native image needs to know that static analysis cannot see: Jackson reads and
 * writes these records by reflection. Quarkus REST registers the types a resource method
 * takes and returns, but not those serialized elsewhere (stream frames written by the
 * change pump, error bodies built by the exception mappers) nor the types nested in them.
 * Listing all of them here keeps the rule simple: a new wire record goes on this list.
 */
@RegisterForReflection(targets = {
        Checkpoint.class,
        ApiError.class,
        CollectionListing.CollectionInfo.class,
        Credentials.Registration.class,
        Credentials.Login.class,
        Credentials.Session.class
})
final class NativeImageHints {

    private NativeImageHints() {
    }
}
