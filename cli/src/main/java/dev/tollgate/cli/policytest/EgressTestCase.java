package dev.tollgate.cli.policytest;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One case of an {@code EgressTest}: a request as {@code tollgate check} takes it, and what must come of it.
 *
 * @param suite   the test's {@code metadata.name}
 * @param mesh    the file's {@code spec.mesh} as {@code meshConfig.KEY=VALUE} settings (like --set)
 * @param expect  allowed, blocked, denied or no-route ({@code check -o json}'s {@code outcome})
 * @param policy  the deciding policy that must have decided, as {@code namespace/name}
 */
public record EgressTestCase(Path file, int line, String suite, List<String> mesh, String from,
                             Map<String, String> labels, String method, String url, List<String> headers,
                             String expect, Optional<String> policy) {

    /** How a report names the case: {@code from METHOD url}. */
    public String title() {
        return from + " " + (method == null ? "" : method + " ") + url;
    }

    public String where() {
        return file + ":" + line;
    }
}
