package io.rxsync.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU and memory from /proc: the load generator's own CPU (the issue asks to show that it
 * is not the bottleneck), the service's, and the whole machine's, over one measurement.
 */
final class ProcStats {

    /** Clock ticks per second of /proc/pid/stat; 100 on every Linux this runs on. */
    private static final double TICKS_PER_SECOND = 100.0;

    private ProcStats() {
    }

    static long rssKiB(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IOException("no VmRSS for " + pid);
    }

    /** CPU seconds (user + system) a process has used so far. */
    static double cpuSeconds(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        // the command name in parentheses may contain spaces: count fields after its ')'
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / TICKS_PER_SECOND;
    }

    static double selfCpuSeconds() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime() / 1e9;
    }

    /** {busy, total} jiffies of all cores (/proc/stat). */
    static long[] machineJiffies() throws IOException {
        String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
        long total = 0;
        for (int i = 1; i < f.length; i++) {
            total += Long.parseLong(f[i]);
        }
        long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
        return new long[] {total - idle, total};
    }

    static String loadAverage() throws IOException {
        String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
        return f[0] + " " + f[1] + " " + f[2];
    }

    /**
     * CPU use over one measurement, in percent of one core: the generator, the service,
     * and the machine (all cores; the rest is mostly PostgreSQL).
     */
    static final class Window {
        private final long servicePid;
        private final long startNanos = System.nanoTime();
        private final double self0 = selfCpuSeconds();
        private final double service0;
        private final long[] machine0;
        private double seconds;
        private double generator;
        private double service;
        private double machine;

        Window(long servicePid) throws IOException {
            this.servicePid = servicePid;
            this.service0 = cpuSeconds(servicePid);
            this.machine0 = machineJiffies();
        }

        /** Ends the window; {@code extraGeneratorCpu} adds a child process's CPU (pgbench). */
        Window stop(double extraGeneratorCpu) throws IOException {
            seconds = (System.nanoTime() - startNanos) / 1e9;
            generator = 100 * (selfCpuSeconds() - self0 + extraGeneratorCpu) / seconds;
            service = 100 * (cpuSeconds(servicePid) - service0) / seconds;
            long[] m = machineJiffies();
            machine = 100.0 * Runtime.getRuntime().availableProcessors() * (m[0] - machine0[0]) / Math.max(1, m[1] - machine0[1]);
            return this;
        }

        Window stop() throws IOException {
            return stop(0);
        }

        double seconds() {
            return seconds;
        }

        /** The service's CPU seconds over the window (user + system). */
        double serviceCpuSeconds() {
            return service * seconds / 100;
        }

        /** e.g. "gen 35 % · server 80 % · machine 190 %" (percent of one core; 2 cores = 200 %). */
        String summary() {
            return String.format("%.0f / %.0f / %.0f", generator, service, machine);
        }
    }
}
