package io.rxsync.web;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** When a compressible answer is worth compressing (README, Compression). */
@ConfigMapping(prefix = "rxsync.compression")
public interface CompressionConfig {

    /**
     * Answers with a body shorter than this many bytes go out plain even when the client
     * accepts an encoding: below it gzip saves at most a few dozen bytes (an empty page and
     * {@code []} even grow) for the fixed cost of a compressor per answer; above it every
     * answer shrinks by half or more (README, Compression).
     */
    @WithDefault("512")
    int minSize();
}
