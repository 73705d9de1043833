package io.rxsync.bench;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * The sizes and places of one benchmark run, read from the environment (run.sh documents
 * them). Defaults are the sizes of the issue; a smoke test sets them small.
 */
record Options(
        String database,
        Path appDir,
        Path keysDir,
        Path workDir,
        Path report,
        int port,
        int peerPort,
        int orders,
        int seconds,
        int liveStreams,
        int idleStreams,
        int writeRate,
        int streamSeconds,
        List<Integer> growthSizes,
        int growthUserOrders,
        String serverJvmOptions,
        List<String> phases) {

    /**
     * The JVM options the container image runs the service with where it is deployed: the
     * image's run-java.sh (ubi9 openjdk-17-runtime) passes ParallelGC with its heap-free ratios
     * and sizes the heap to 80 % of the container's memory, 512 MiB in the generated Kubernetes
     * manifests (MaxRAM stands in for the container limit here). The benchmark measures what
     * is deployed; BENCH_SERVER_BASE_JVM_OPTS replaces them ({@code none}: the JVM's own
     * defaults on this machine), BENCH_SERVER_JVM_OPTS adds to them (e.g. a JFR recording).
     */
    static final String IMAGE_JVM_OPTIONS = "-XX:MaxRAM=512m -XX:MaxRAMPercentage=80 -XX:+UseParallelGC "
            + "-XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=20 -XX:GCTimeRatio=4 -XX:AdaptiveSizePolicyWeight=90 "
            + "-XX:+ExitOnOutOfMemoryError";

    /** Every phase, in the order they run. */
    static final List<String> ALL_PHASES = List.of("startup", "pull", "push", "fixed", "peer", "stream", "growth");

    static Options fromEnvironment() {
        return new Options(
                env("BENCH_DB", "rxsync_bench"),
                Path.of(env("BENCH_APP_DIR", "target/quarkus-app")),
                Path.of(env("BENCH_KEYS_DIR", "src/dev/jwt")),
                Path.of(env("BENCH_WORK_DIR", "target/bench")),
                Path.of(env("BENCH_REPORT", "BENCHMARKS.md")),
                Integer.parseInt(env("BENCH_PORT", "18080")),
                Integer.parseInt(env("BENCH_PEER_PORT", "18090")),
                Integer.parseInt(env("BENCH_ORDERS", "100000")),
                Integer.parseInt(env("BENCH_SECONDS", "10")),
                Integer.parseInt(env("BENCH_LIVE_STREAMS", "1000")),
                Integer.parseInt(env("BENCH_IDLE_STREAMS", "10000")),
                Integer.parseInt(env("BENCH_WRITE_RATE", "200")),
                Integer.parseInt(env("BENCH_STREAM_SECONDS", "30")),
                Arrays.stream(env("BENCH_GROWTH", "10000,100000,1000000").split(","))
                        .map(String::trim).map(Integer::parseInt).toList(),
                Integer.parseInt(env("BENCH_GROWTH_USER_ORDERS", "5000")),
                jvmOptionsFromEnvironment(),
                Arrays.stream(env("BENCH_PHASES", String.join(",", ALL_PHASES)).split(","))
                        .map(String::trim).toList());
    }

    private static String jvmOptionsFromEnvironment() {
        String base = env("BENCH_SERVER_BASE_JVM_OPTS", IMAGE_JVM_OPTIONS);
        return ((base.equals("none") ? "" : base) + " " + env("BENCH_SERVER_JVM_OPTS", "")).strip();
    }

    boolean runs(String phase) {
        return phases.contains(phase);
    }

    /** True when every size is the and every phase runs: only then are the goals judged. */
    boolean fullScale() {
        return phases.containsAll(ALL_PHASES) && orders >= 100_000 && liveStreams >= 1_000 && idleStreams >= 10_000
                && growthSizes.contains(1_000_000);
    }

    String describe() {
        return "orders=" + orders + ", seconds=" + seconds + ", liveStreams=" + liveStreams
                + ", idleStreams=" + idleStreams + ", writeRate=" + writeRate + "/s, streamSeconds=" + streamSeconds
                + ", growth=" + growthSizes + ", growthUserOrders=" + growthUserOrders + ", phases=" + phases;
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }
}
