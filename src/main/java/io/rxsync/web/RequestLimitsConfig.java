package io.rxsync.web;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** What {@link RequestLimits} lets through; beyond it, a JSON 414 or 431. */
@ConfigMapping(prefix = "rxsync.http")
public interface RequestLimitsConfig {

    /** Longest request line (method, path with query, version), in characters. */
    @WithDefault("4096")
    int maxRequestLine();

    /** Largest total size of the request headers. */
    @WithDefault("20K")
    MemorySize maxHeaderSize();
}
