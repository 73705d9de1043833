package io.rxsync.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The raw-SQL ceilings: pgbench running the service's own statements straight against
 * PostgreSQL, over the extended protocol with unnamed statements like the service's
 * Vert.x client (prepared-statement caching off: every execution is planned with its
 * parameters).
 */
final class PgBench {

    private static final Pattern TPS = Pattern.compile("tps = ([0-9.]+) \\(without initial connection time\\)");
    private static final Pattern LATENCY = Pattern.compile("latency average = ([0-9.]+) ms");
    /** bash's `times`: the second line is the children's user and system time. */
    private static final Pattern TIMES = Pattern.compile("(\\d+)m([0-9.]+)s (\\d+)m([0-9.]+)s\\s*$");

    private final Options options;

    PgBench(Options options) {
        this.options = options;
    }

    /** One run's result. {@code cpuSeconds} is pgbench's own CPU, the generator side of a ceiling. */
    record Result(double tps, double latencyMillis, double cpuSeconds, long transactions) {
    }

    /**
     * Runs a script with {@code clients} connections, for {@code seconds} (or, with
     * {@code transactions > 0}, that many per client), as {@code user}, with -D variables.
     */
    Result run(String name, String script, String user, int clients, int seconds, int transactions,
               List<String> variables) throws Exception {
        Path file = options.workDir().resolve(name + ".pgbench.sql");
        Files.writeString(file, script);
        List<String> command = new ArrayList<>(List.of("bash", "-c", "pgbench \"$@\"; status=$?; times; exit $status",
                "pgbench", "-h", "127.0.0.1", "-U", user, "-n", "-M", "extended",
                "-c", Integer.toString(clients), "-j", Integer.toString(Math.min(clients, 2)),
                "-f", file.toString()));
        command.addAll(transactions > 0 ? List.of("-t", Integer.toString(transactions))
                : List.of("-T", Integer.toString(seconds)));
        for (String v : variables) {
            command.addAll(List.of("-D", v));
        }
        command.add(options.database());
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes());
        if (!process.waitFor(seconds + 600L, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IllegalStateException("pgbench " + name + " failed:\n" + out);
        }
        Files.writeString(options.workDir().resolve(name + ".pgbench.out"), out);
        Matcher tps = TPS.matcher(out);
        Matcher latency = LATENCY.matcher(out);
        Matcher times = TIMES.matcher(out.strip());
        Matcher processed = Pattern.compile("number of transactions actually processed: (\\d+)").matcher(out);
        if (!tps.find() || !latency.find() || !times.find() || !processed.find()) {
            throw new IllegalStateException("cannot read pgbench output:\n" + out);
        }
        double cpu = Integer.parseInt(times.group(1)) * 60 + Double.parseDouble(times.group(2))
                + Integer.parseInt(times.group(3)) * 60 + Double.parseDouble(times.group(4));
        return new Result(Double.parseDouble(tps.group(1)), Double.parseDouble(latency.group(1)), cpu,
                Long.parseLong(processed.group(1)));
    }
}
