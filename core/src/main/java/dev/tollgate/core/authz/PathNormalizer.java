package dev.tollgate.core.authz;

import dev.tollgate.core.model.PathNormalization;
import dev.tollgate.core.model.HttpRequestInfo;

import java.util.Optional;

/**
 * The path normalization Envoy applies before authorization (and before forwarding), as Istio's
 * {@code meshConfig.pathNormalization} selects it (istio.io/latest/docs/reference/config/security/normalization/):
 * <ul>
 * <li>{@code NONE}: the path as sent.
 * <li>{@code BASE} (the default): {@code %HH} of unreserved characters ({@code - . _ ~}, digits, letters) is decoded
 * once; {@code \} becomes {@code /}; {@code /./} and {@code /../} are resolved as RFC 3986 section 5.2.4 says.
 * {@code %2F}, {@code %5C} and multiple slashes are kept.
 * <li>{@code MERGE_SLASHES}: BASE, then runs of {@code /} become one.
 * <li>{@code DECODE_AND_MERGE_SLASHES}: {@code %2F %2f %5C %5c} are decoded first (Envoy's UNESCAPE_AND_FORWARD
 * runs before normalize_path), then MERGE_SLASHES.
 * </ul>
 * Only the path part changes; the query is kept. Authorization matches the normalized path whatever the proxy
 * forwards, so with BASE {@code /public/../admin} can never slip past a rule on {@code /admin*}.
 */
final class PathNormalizer {
    private PathNormalizer() {
    }

    /** The request as authorization sees it: its path normalized per {@code mode}. */
    static AuthzRequest apply(AuthzRequest r, PathNormalization mode) {
        if (mode == PathNormalization.NONE || r.http().isEmpty()) {
            return r;
        }
        HttpRequestInfo h = r.http().get();
        String normalized = normalize(h.path(), mode);
        if (normalized.equals(h.path())) {
            return r;
        }
        return new AuthzRequest(r.sourcePrincipal(), r.sourceNamespace(), r.sourceIp(), r.remoteIp(),
                r.destinationIp(), r.destinationPort(), r.sni(),
                Optional.of(new HttpRequestInfo(h.method(), h.authority(), normalized, h.headers())));
    }

    /** {@code rawPath} (which may carry a query) with its path part normalized per {@code mode}. */
    static String normalize(String rawPath, PathNormalization mode) {
        String path = Attr.urlPath(rawPath);
        String rest = rawPath.substring(path.length());
        String out = switch (mode) {
            case NONE -> path;
            case BASE -> base(path);
            case MERGE_SLASHES -> mergeSlashes(base(path));
            case DECODE_AND_MERGE_SLASHES -> mergeSlashes(base(decodeSlashes(path)));
        };
        return out + rest;
    }

    /** Envoy's UNESCAPE_AND_FORWARD: only {@code %2F} and {@code %5C}, in either case. */
    static String decodeSlashes(String path) {
        if (path.indexOf('%') < 0) {
            return path;
        }
        StringBuilder b = new StringBuilder(path.length());
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c == '%' && i + 2 < path.length()) {
                char hi = path.charAt(i + 1);
                char lo = Character.toUpperCase(path.charAt(i + 2));
                if ((hi == '2' && lo == 'F') || (hi == '5' && lo == 'C')) {
                    b.append(hi == '2' ? '/' : '\\');
                    i += 2;
                    continue;
                }
            }
            b.append(c);
        }
        return b.toString();
    }

    static String mergeSlashes(String path) {
        if (!path.contains("//")) {
            return path;
        }
        StringBuilder b = new StringBuilder(path.length());
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c != '/' || b.isEmpty() || b.charAt(b.length() - 1) != '/') {
                b.append(c);
            }
        }
        return b.toString();
    }

    /** BASE on a path without query. */
    static String base(String path) {
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
