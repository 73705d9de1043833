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
                env("BENCH_SERVER_JVM_OPTS", ""),
                Arrays.stream(env("BENCH_PHASES", String.join(",", ALL_PHASES)).split(","))
                        .map(String::trim).toList());
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
