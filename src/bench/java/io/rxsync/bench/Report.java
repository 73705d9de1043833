package io.rxsync.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The results as Markdown. They replace what stands between the two markers of
 * BENCHMARKS.md, so that the hand-written analysis around them survives a new run.
 */
final class Report {

    private final String start;
    private final String end;
    private final StringBuilder text = new StringBuilder();

    /** The results of the main run. */
    Report() {
        this("results");
    }

    /** Results of a run of their own, between their own markers ({@code name:start}, {@code name:end}). */
    Report(String name) {
        this.start = "<!-- " + name + ":start (written by src/bench/run.sh; do not edit by hand) -->";
        this.end = "<!-- " + name + ":end -->";
    }

    Report heading(String title) {
        text.append("\n### ").append(title).append("\n\n");
        return this;
    }

    Report line(String line) {
        text.append(line).append('\n');
        return this;
    }

    Report table(List<String> header, List<List<String>> rows) {
        text.append("| ").append(String.join(" | ", header)).append(" |\n|");
        header.forEach(h -> text.append("---|"));
        text.append('\n');
        for (List<String> row : rows) {
            text.append("| ").append(String.join(" | ", row)).append(" |\n");
        }
        text.append('\n');
        return this;
    }

    /** Writes the results into {@code file}, between the markers if it has them. */
    void writeTo(Path file) throws IOException {
        String results = start + "\n" + text + end;
        String existing = Files.exists(file) ? Files.readString(file) : "# Benchmarks\n";
        int from = existing.indexOf(start);
        int to = existing.indexOf(end);
        String updated = from >= 0 && to > from
                ? existing.substring(0, from) + results + existing.substring(to + end.length())
                : existing.stripTrailing() + "\n\n" + results + "\n";
        Files.writeString(file, updated);
    }

    static String f0(double v) {
        return String.format("%,.0f", v);
    }

    static String f1(double v) {
        return String.format("%.1f", v);
    }

    static String f2(double v) {
        return String.format("%.2f", v);
    }

    static String percent(double ratio) {
        return String.format("%.0f %%", 100 * ratio);
    }
}
