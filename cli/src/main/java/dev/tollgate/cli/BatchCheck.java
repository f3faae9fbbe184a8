package dev.tollgate.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import dev.tollgate.cli.policytest.RequestFields;
import dev.tollgate.core.model.WorkloadRef;
import dev.tollgate.core.snapshot.CheckResult;
import dev.tollgate.core.snapshot.MeshSnapshot;
import dev.tollgate.core.snapshot.OutboundRequest;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code check --batch}: one compiled snapshot, many questions. Each line of input is a JSON request (the keys of an
 * EgressTest case, read by {@link RequestFields}); each gets one line of output, {@code check -o json}'s object on
 * one line, or {@code {"line": N, "error": "..."}} for a line that is not a request. Blank lines get nothing.
 */
final class BatchCheck {
    /** The longest line read: a request is a URL and a few headers; a line of megabytes is a mistake or an attack. */
    static final int MAX_LINE = 1 << 20;

    private static final ObjectWriter JSON_LINE = new ObjectMapper().writer();

    private final MeshSnapshot snapshot;
    private final Map<String, WorkloadRef> workloads;
    private final RequestOptions defaults;
    private final PrintWriter out;
    private final PrintWriter err;
    private int malformed;

    /**
     * @param defaults the command line's {@code --from} (may be null) and {@code --labels}, for lines without
     *                 {@code from}
     */
    BatchCheck(MeshSnapshot snapshot, Map<String, WorkloadRef> workloads, RequestOptions defaults, PrintWriter out,
               PrintWriter err) {
        this.snapshot = snapshot;
        this.workloads = workloads;
        this.defaults = defaults;
        this.out = out;
        this.err = err;
    }

    /** Answers every line of {@code in}; returns the exit status: 0 when every line was answered, 2 otherwise. */
    int run(BufferedReader in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int number = 1; ; number++) {
            // the answers so far go out before this process waits for input: a co-process that writes one line and
            // reads one answer never waits on a buffer, and a pipe of many lines is written in large blocks
            if (!in.ready()) {
                out.flush();
            }
            int read = readLine(in, line);
            if (read == -1) {
                break;
            }
            if (read > MAX_LINE) {
                error(number, "longer than " + MAX_LINE + " characters");
            } else if (!line.toString().isBlank()) {
                answer(number, line.toString());
            }
        }
        out.flush();
        err.flush();
        return malformed == 0 ? 0 : 2;
    }

    /**
     * The next line into {@code line} (without its {@code \n} or {@code \r\n}), keeping at most {@link #MAX_LINE}
     * characters of it; returns its length (more than MAX_LINE when it was cut), or -1 at the end of input.
     */
    private static int readLine(BufferedReader in, StringBuilder line) throws IOException {
        line.setLength(0);
        int length = 0;
        int c;
        while ((c = in.read()) != -1 && c != '\n') {
            if (length++ < MAX_LINE + 1) {
                line.append((char) c);
            }
        }
        if (c == -1 && length == 0) {
            return -1;
        }
        if (length <= MAX_LINE + 1 && !line.isEmpty() && line.charAt(line.length() - 1) == '\r') {
            line.setLength(line.length() - 1);
            length--;
        }
        return length;
    }

    private void answer(int number, String text) {
        RequestOptions r;
        TargetUrl target;
        OutboundRequest request;
        WorkloadRef from;
        try {
            RequestFields.Request fields = RequestFields.batchLine(text);
            if (fields.from() == null && defaults.from == null) {
                throw new IllegalArgumentException("missing from, and no --from to default to");
            }
            boolean own = fields.from() != null;
            // --labels describe the --from workload; a line naming another workload gets only its own labels
            r = RequestOptions.of(own ? fields.from() : defaults.from,
                    own ? fields.labels() : merged(defaults.labels, fields.labels()), fields.method(), fields.url(),
                    fields.headers());
            target = r.target();
            request = r.request(target);
            from = r.workload(workloads);
        } catch (IllegalArgumentException e) {
            error(number, e.getMessage());
            return;
        }
        for (String note : r.ignoredOptions(target)) {
            err.println("line " + number + ": " + note);
        }
        CheckResult result = snapshot.check(from, request);
        write(DecisionReport.toJson(from, target, result));
    }

    private static Map<String, String> merged(Map<String, String> base, Map<String, String> line) {
        Map<String, String> m = new LinkedHashMap<>();
        if (base != null) {
            m.putAll(base);
        }
        m.putAll(line);
        return m;
    }

    private void error(int number, String message) {
        malformed++;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("line", number);
        m.put("error", message);
        write(m);
    }

    private void write(Object value) {
        try {
            out.write(JSON_LINE.writeValueAsString(value));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
        out.write('\n');
    }

    /** The options that make no sense with --batch, as the usage error names them; empty when there are none. */
    static List<String> notWithBatch(RequestOptions r, String url) {
        List<String> given = new java.util.ArrayList<>();
        if (url != null) {
            given.add("URL");
        }
        if (r.method != null) {
            given.add("-X");
        }
        if (r.head) {
            given.add("-I");
        }
        if (!r.headers.isEmpty()) {
            given.add("-H");
        }
        if (r.originalDestination != null) {
            given.add("--original-destination");
        }
        return given;
    }
}
