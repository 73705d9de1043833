package io.rxsync.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;

/**
 * The bytes the service's threads allocated over one measurement: a count that does not
 * depend on how busy the shared machine is (unlike its docs/s), so a change's effect on the
 * work per document shows under any load. Read from the running JVM without options of its
 * own: a JFR recording of only {@code jdk.ThreadAllocationStatistics} (each thread's
 * allocated bytes so far), taken once before and once after; the difference, summed over
 * threads. A thread that ended in between is not counted (the service's event loops and
 * workers live as long as it does).
 */
final class Allocations {

    private static final String SETTINGS = """
            <?xml version="1.0" encoding="UTF-8"?>
            <configuration version="2.0">
              <event name="jdk.ThreadAllocationStatistics">
                <setting name="enabled">true</setting>
                <setting name="period">everyChunk</setting>
              </event>
            </configuration>
            """;

    private final long pid;
    private final Path workDir;
    private final Map<Long, Long> before;

    private Allocations(long pid, Path workDir) throws Exception {
        this.pid = pid;
        this.workDir = workDir;
        this.before = snapshot();
    }

    /** Starts counting the service's allocations. */
    static Allocations start(long pid, Path workDir) throws Exception {
        return new Allocations(pid, workDir);
    }

    /** Bytes allocated by the service since {@link #start}. */
    long stop() throws Exception {
        Map<Long, Long> after = snapshot();
        long total = 0;
        for (Map.Entry<Long, Long> thread : after.entrySet()) {
            total += thread.getValue() - before.getOrDefault(thread.getKey(), 0L);
        }
        return total;
    }

    /** Every live thread's allocated bytes so far, by thread id. */
    private Map<Long, Long> snapshot() throws Exception {
        Path settings = workDir.resolve("allocations.jfc");
        Path recording = workDir.resolve("allocations.jfr");
        Files.writeString(settings, SETTINGS);
        Files.deleteIfExists(recording);
        jcmd("JFR.start", "name=bench-allocations", "settings=" + settings.toAbsolutePath());
        jcmd("JFR.stop", "name=bench-allocations", "filename=" + recording.toAbsolutePath());
        Map<Long, Long> allocated = new HashMap<>();
        for (RecordedEvent e : RecordingFile.readAllEvents(recording)) {
            if (e.getEventType().getName().equals("jdk.ThreadAllocationStatistics") && e.getThread("thread") != null) {
                allocated.merge(e.getThread("thread").getJavaThreadId(), e.getLong("allocated"), Math::max);
            }
        }
        if (allocated.isEmpty()) {
            throw new IllegalStateException("no allocation statistics in " + recording);
        }
        return allocated;
    }

    private void jcmd(String... args) throws Exception {
        String[] command = new String[args.length + 2];
        command[0] = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        command[1] = Long.toString(pid);
        System.arraycopy(args, 0, command, 2, args.length);
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("jcmd " + String.join(" ", args) + " failed: " + out);
        }
    }
}
