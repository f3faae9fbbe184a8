package dev.tollgate.core.authz;

import java.util.regex.Pattern;

/**
 * Envoy's URI template as Istio uses it for {@code paths} with {@code {*}} or {@code {**}}: {@code {*}} matches one
 * non-empty path segment, {@code {**}} zero or more characters including {@code /}. Other text matches literally.
 */
final class PathTemplate {
    private static final String SEGMENT = "[a-zA-Z0-9\\-._~%!$&'()+,;:@=]+";
    private static final String ANY = "[a-zA-Z0-9\\-._~%!$&'()+,;:@=/]*";

    static Pattern compile(String template) {
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
