package dev.tollgate.cli.accesslog;

import java.io.IOException;
import java.io.Reader;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads access logs into {@link ObservedRequest}s, the format detected line by line (a file may mix them, as a
 * collector's output does): a line starting with {@code {} is JSON (Tollgate's or Istio's), one starting with
 * {@code [} is Envoy's or Istio's text. Anything else is skipped with its line number and reason, never guessed at.
 */
public final class AccessLogReader {
    /** Longer lines are skipped unread: real ones are a few hundred bytes, and a reader must not hold a huge one. */
    public static final int MAX_LINE = 64 * 1024;

    private AccessLogReader() {
    }

    /** Everything read from the files: requests, and the lines that were none. */
    public record Read(List<ObservedRequest> requests, List<LineResult.Skipped> skipped) {
    }

    /** @param name how reports name the file ({@code FILE:LINE}) */
    public static Read read(String name, Reader in) throws IOException {
        List<ObservedRequest> requests = new ArrayList<>();
        List<LineResult.Skipped> skipped = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        int number = 0;
        boolean tooLong = false;
        char[] buf = new char[8192];
        int n;
        boolean pending = false;
        while ((n = in.read(buf)) > 0) {
            for (int i = 0; i < n; i++) {
                char c = buf[i];
                if (c == '\n') {
                    number++;
                    add(name + ":" + number, line, tooLong, requests, skipped);
                    line.setLength(0);
                    tooLong = false;
                    pending = false;
                } else {
                    pending = true;
                    if (line.length() >= MAX_LINE) {
                        tooLong = true;
                    } else {
                        line.append(c);
                    }
                }
            }
        }
        if (pending) {
            add(name + ":" + (number + 1), line, tooLong, requests, skipped);
        }
        return new Read(requests, skipped);
    }

    private static void add(String where, StringBuilder line, boolean tooLong, List<ObservedRequest> requests,
                            List<LineResult.Skipped> skipped) {
        if (tooLong) {
            skipped.add(new LineResult.Skipped(where, "longer than " + MAX_LINE + " characters"));
            return;
        }
        // CRLF files (a log copied through Windows) read as LF ones
        String text = line.toString().strip();
        if (text.isEmpty()) {
            return;
        }
        LineResult r = parse(where, text);
        if (r instanceof LineResult.Observed o) {
            requests.add(o.request());
        } else {
            skipped.add((LineResult.Skipped) r);
        }
    }

    static LineResult parse(String where, String line) {
        return switch (line.charAt(0)) {
            case '{' -> JsonLine.parse(where, line);
            case '[' -> TollgateTextLine.parse(where, line).orElseGet(() -> EnvoyTextLine.parse(where, line));
            default -> new LineResult.Skipped(where, "neither JSON nor an Envoy text line (it starts with "
                    + EnvoyFields.shown(line.substring(0, Math.min(20, line.length()))) + ")");
        };
    }
}
