package dev.tollgate.core.authz;

/**
 * Istio's default {@code BASE} path normalization, which Envoy applies before authorization (and before
 * forwarding): the query is dropped; {@code %HH} of unreserved characters ({@code - . _ ~}, digits, letters) is
 * decoded once; {@code \} becomes {@code /}; {@code /./} and {@code /../} are resolved as RFC 3986 section 5.2.4 says.
 * {@code %2F}, {@code %5C} and multiple slashes are kept (those need MERGE_SLASHES / DECODE_AND_MERGE_SLASHES).
 * Authorization matches the normalized path whatever the proxy forwards, so {@code /public/../admin} can never
 * slip past a rule on {@code /admin*}.
 */
final class PathNormalization {
    private PathNormalization() {
    }

    static String base(String rawPath) {
        String path = Attr.urlPath(rawPath);
        if (path.indexOf('%') < 0 && path.indexOf('\\') < 0 && !hasDotSegment(path)) {
            return path;
        }
        StringBuilder b = new StringBuilder(path.length());
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c == '%' && i + 2 < path.length()) {
                int hi = Character.digit(path.charAt(i + 1), 16);
                int lo = Character.digit(path.charAt(i + 2), 16);
                if (hi >= 0 && lo >= 0 && unreserved((char) (hi * 16 + lo))) {
                    b.append((char) (hi * 16 + lo));
                    i += 2;
                    continue;
                }
            }
            b.append(c == '\\' ? '/' : c);
        }
        return removeDotSegments(b.toString());
    }

    private static boolean unreserved(char c) {
        return c == '-' || c == '.' || c == '_' || c == '~' || (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z')
                || (c >= 'a' && c <= 'z');
    }

    private static boolean hasDotSegment(String p) {
        for (int i = p.indexOf('.'); i >= 0; i = p.indexOf('.', i + 1)) {
            boolean startsSegment = i == 0 || p.charAt(i - 1) == '/';
            if (!startsSegment) {
                continue;
            }
            int end = i + 1 < p.length() && p.charAt(i + 1) == '.' ? i + 2 : i + 1;
            if (end == p.length() || p.charAt(end) == '/') {
                return true;
            }
        }
        return false;
    }

    /** RFC 3986 section 5.2.4. */
    static String removeDotSegments(String in) {
        StringBuilder out = new StringBuilder(in.length());
        int i = 0;
        int n = in.length();
        while (i < n) {
            if (in.startsWith("../", i)) {
                i += 3;
            } else if (in.startsWith("./", i)) {
                i += 2;
            } else if (in.startsWith("/./", i)) {
                i += 2;
            } else if (i + 2 == n && in.startsWith("/.", i)) {
                out.append('/');
                i = n;
            } else if (in.startsWith("/../", i)) {
                i += 3;
                dropLastSegment(out);
            } else if (i + 3 == n && in.startsWith("/..", i)) {
                dropLastSegment(out);
                out.append('/');
                i = n;
            } else if ((i + 1 == n && in.charAt(i) == '.') || (i + 2 == n && in.startsWith("..", i))) {
                i = n;
            } else {
                int next = in.indexOf('/', i + 1);
                int end = next < 0 ? n : next;
                out.append(in, i, end);
                i = end;
            }
        }
        return out.toString();
    }

    private static void dropLastSegment(StringBuilder out) {
        int slash = out.lastIndexOf("/");
        out.setLength(Math.max(slash, 0));
    }
}
