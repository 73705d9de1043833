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

    static final String START = "<!-- results:start (written by src/bench/run.sh; do not edit by hand) -->";
    static final String END = "<!-- results:end -->";

    private final StringBuilder text = new StringBuilder();

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
        String results = START + "\n" + text + END;
        String existing = Files.exists(file) ? Files.readString(file) : "";
        int start = existing.indexOf(START);
        int end = existing.indexOf(END);
        String updated = start >= 0 && end > start
                ? existing.substring(0, start) + results + existing.substring(end + END.length())
                : "# Benchmarks\n\n" + results + "\n";
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
