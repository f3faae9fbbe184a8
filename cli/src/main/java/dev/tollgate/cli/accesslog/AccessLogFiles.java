package dev.tollgate.cli.accesslog;

import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code --access-log} files of {@code replay} and {@code learn}, read and attributed: each request gets the
 * source its line names, else the one {@code --from} gives, else it is listed as unattributed.
 *
 * @param requests     requests with a source
 * @param unattributed requests without one, and why
 * @param skipped      lines that are no request
 */
public record AccessLogFiles(List<ObservedRequest> requests, List<LineResult.Skipped> unattributed,
                             List<LineResult.Skipped> skipped) {

    public static AccessLogFiles read(List<String> files, Optional<Source> from) {
        if (files.stream().filter("-"::equals).count() > 1) {
            throw new IllegalArgumentException("--access-log - is given more than once; standard input can be read only once");
        }
        List<ObservedRequest> requests = new ArrayList<>();
        List<LineResult.Skipped> unattributed = new ArrayList<>();
        List<LineResult.Skipped> skipped = new ArrayList<>();
        for (String f : files) {
            AccessLogReader.Read read;
            try (Reader in = reader(f)) {
                read = AccessLogReader.read(f.equals("-") ? "stdin" : f, in);
            } catch (IOException e) {
                throw new UncheckedIOException("--access-log " + f + ": " + e.getMessage(), e);
            }
            skipped.addAll(read.skipped());
            for (ObservedRequest r : read.requests()) {
                if (r.source().isPresent()) {
                    requests.add(r);
                } else if (from.isPresent()) {
                    requests.add(r.from(from.get()));
                } else {
                    unattributed.add(new LineResult.Skipped(r.where(), r.unattributed().orElse("no source")));
                }
            }
        }
        return new AccessLogFiles(requests, unattributed, skipped);
    }

    /** Malformed UTF-8 reads as U+FFFD, which no host or principal accepts: the line is skipped, not the file. */
    private static Reader reader(String f) throws IOException {
        var decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE);
        if (f.equals("-")) {
            return new InputStreamReader(System.in, decoder);
        }
        Path p = Path.of(f);
        if (!Files.isRegularFile(p)) {
            throw new IOException(Files.isDirectory(p) ? "is a folder; give the log files" : "no such file");
        }
        return new InputStreamReader(Files.newInputStream(p), decoder);
    }

    /** The lines of {@code list} as {@code FILE:LINE, ...}, at most {@code max} of them. */
    public static String where(List<LineResult.Skipped> list, int max) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < list.size() && i < max; i++) {
            b.append(i == 0 ? "" : ", ").append(list.get(i).where());
        }
        return list.size() > max ? b.append(", ... (").append(list.size() - max).append(" more)").toString()
                : b.toString();
    }

    /** Skipped lines by reason, in order of first appearance: one line per reason reads better than one per line. */
    public static Map<String, List<LineResult.Skipped>> byReason(List<LineResult.Skipped> list) {
        Map<String, List<LineResult.Skipped>> out = new LinkedHashMap<>();
        list.forEach(s -> out.computeIfAbsent(s.why(), k -> new ArrayList<>()).add(s));
        return out;
    }
}
