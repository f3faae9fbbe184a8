package dev.tollgate.core.model;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Envoy's URI template as Istio uses it for {@code paths} with {@code {*}} or {@code {**}}: {@code {*}} matches one
 * non-empty path segment, {@code {**}} zero or more characters including {@code /}. Other text matches literally.
 */
public final class PathTemplate {
    private static final String SEGMENT = "[a-zA-Z0-9\\-._~%!$&'()+,;:@=]+";
    private static final String ANY = "[a-zA-Z0-9\\-._~%!$&'()+,;:@=/]*";
    private static final Pattern LITERAL = Pattern.compile(SEGMENT);

    /** Whether Istio reads {@code path} as a template (it holds {@code {*}} or {@code {**}}). */
    public static boolean isTemplate(String path) {
        return path.contains("{*}") || path.contains("{**}");
    }

    /**
     * Istio's CheckValidPathTemplate (pkg/config/security): segment by segment, {@code {*}} and {@code {**}} are the
     * only templates and none may follow {@code {**}}; no other braces anywhere; in a template, every other segment
     * is an RFC 3986 pchar literal. Empty when {@code path} is valid, otherwise Istio's reason.
     */
    public static Optional<String> problem(String path) {
        boolean template = isTemplate(path);
        String trimmed = path.replaceAll("^/+", "").replaceAll("/+$", "");
        boolean sawMatchAny = false;
        for (String glob : trimmed.split("/", -1)) {
            boolean one = glob.equals("{*}");
            boolean any = glob.equals("{**}");
            if ((one || any) && sawMatchAny) {
                return Optional.of("{**} is not the last operator");
            }
            if (one || any) {
                sawMatchAny |= any;
            } else if (glob.indexOf('{') >= 0 || glob.indexOf('}') >= 0) {
                return Optional.of("Contains '{' or '}' beyond a supported path template");
            } else if (template && !LITERAL.matcher(glob).matches()) {
                return Optional.of("Contains segment " + glob + " with invalid string literal");
            }
        }
        return Optional.empty();
    }

    /** The template as a regex on the path without query; {@code template} has passed {@link #problem}. */
    public static Pattern compile(String template) {
        StringBuilder re = new StringBuilder();
        int i = 0;
        while (i < template.length()) {
            if (template.startsWith("{**}", i)) {
                re.append(ANY);
                i += 4;
            } else if (template.startsWith("{*}", i)) {
                re.append(SEGMENT);
                i += 3;
            } else {
                int next = nextOperator(template, i);
                re.append(Pattern.quote(template.substring(i, next)));
                i = next;
            }
        }
        return Pattern.compile(re.toString());
    }

    private static int nextOperator(String t, int from) {
        int a = t.indexOf("{*}", from);
        int b = t.indexOf("{**}", from);
        int n = t.length();
        return Math.min(a < 0 ? n : a, b < 0 ? n : b);
    }

    private PathTemplate() {
    }
}
