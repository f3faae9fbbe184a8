package dev.tollgate.core.model.net;

import dev.tollgate.core.model.AsciiCase;

import java.util.Optional;

/**
 * A DNS host name as Tollgate compares it, decided once for config, {@code check} and the proxies.
 *
 * <ul>
 *   <li>ASCII only. An IDN must be written in its {@code xn--} form: Tollgate does no UTS-46 mapping, and folding
 *       non-ASCII with {@code toLowerCase} would turn the Kelvin sign {@code \u212Aey.example.com} into
 *       {@code key.example.com} while Envoy keeps them apart.</li>
 *   <li>One case fold: ASCII letters lowered, nothing else ({@link AsciiCase}). Envoy matches virtual-host domains
 *       case-insensitively and Istio lower-cases hosts it builds routes from.</li>
 *   <li>One trailing dot is dropped ({@code example.com.} is {@code example.com}), as Envoy's
 *       {@code strip_trailing_host_dot}; two are an empty label.</li>
 *   <li>Labels of 1-63 characters from letters, digits, {@code -} and {@code _} (curl and Envoy take
 *       {@code a_b.example.com}); at most 253 characters in all (RFC 1035), which also bounds suffix matching.</li>
 * </ul>
 * Istio's stricter rules for what a resource may declare (no {@code _}, no leading or trailing {@code -}) stay in
 * config validation; this is what a request may name.
 *
 * @param value folded: lower case, no trailing dot
 */
public record HostName(String value) {
    /** RFC 1035: 253 characters without the trailing dot. */
    public static final int MAX_LENGTH = 253;
    public static final int MAX_LABEL = 63;

    public HostName {
        problem(value).ifPresent(p -> {
            throw new IllegalArgumentException(p);
        });
        if (!value.equals(fold(value))) {
            throw new IllegalArgumentException("host \"" + value + "\" is not folded");
        }
    }

    /** {@code text} as a host name, folded; the reason it is none otherwise. */
    public static HostName parse(String text) {
        return new HostName(fold(text));
    }

    /** Empty when {@code text} is a valid host name (before or after folding), else why not. */
    public static Optional<String> problem(String text) {
        Optional<String> ascii = nonAscii(text);
        if (ascii.isPresent()) {
            return ascii;
        }
        String h = dropTrailingDot(text);
        if (h.isEmpty()) {
            return Optional.of("host is empty");
        }
        if (h.length() > MAX_LENGTH) {
            return Optional.of("host \"" + shown(h) + "\" is longer than " + MAX_LENGTH + " characters");
        }
        int start = 0;
        for (int i = 0; i <= h.length(); i++) {
            if (i == h.length() || h.charAt(i) == '.') {
                int len = i - start;
                if (len == 0 || len > MAX_LABEL) {
                    return Optional.of("host \"" + shown(h) + "\" has a label of " + len
                            + " characters (1-" + MAX_LABEL + ")");
                }
                start = i + 1;
            } else if (!labelChar(h.charAt(i))) {
                return Optional.of("host \"" + shown(h) + "\" has a character that is not a letter, digit, '-' or '_'"
                        + " at " + i);
            }
        }
        return Optional.empty();
    }

    /**
     * True for a name whose last label is a number (decimal digits in any script, or {@code 0x} hex): the WHATWG URL
     * standard's "ends in a number" check hands such a name to the inet_aton-style IPv4 parser, so {@code 010.0.0.1}
     * is 8.0.0.1 to curl and 10.0.0.1 to Java. No DNS name ends that way (top-level domains are never numeric), so
     * such a name is an address in disguise unless it is a strict {@link IpAddress}.
     */
    public static boolean endsInNumber(String name) {
        // asked of every request's host: a scan in place, no copies (case matters only to the 0x prefix, since
        // Character.digit reads A-F and a-f alike)
        int end = name.endsWith(".") ? name.length() - 1 : name.length();
        int start = name.lastIndexOf('.', end - 1) + 1;
        if (start >= end) {
            return false;
        }
        boolean digits = true;
        for (int i = start; i < end && digits; i++) {
            digits = Character.isDigit(name.charAt(i));
        }
        if (digits) {
            return true;
        }
        if (end - start < 2 || name.charAt(start) != '0' || (name.charAt(start + 1) | 0x20) != 'x') {
            return false;
        }
        for (int i = start + 2; i < end; i++) {
            if (Character.digit(name.charAt(i), 16) < 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Empty unless {@code host} ends in a number without being a strict IPv4 literal; then the reason a request
     * naming it is refused, by {@code check} and by the proxies alike.
     */
    public static Optional<String> ambiguousNumber(String host) {
        if (!endsInNumber(host) || IpAddress.parse(dropTrailingDot(host)).isPresent()) {
            return Optional.empty();
        }
        return Optional.of("host \"" + shown(host) + "\" ends in a number but is not an IPv4 address of four decimal"
                + " parts without leading zeros; resolvers read forms such as 010.0.0.1, 2130706433 and 0x7f.1 each"
                + " their own way, so Tollgate refuses them");
    }

    /**
     * Empty when {@code text} is plain ASCII; else the reason Tollgate gives at every boundary (config, {@code check},
     * the proxies) for refusing it, with the non-ASCII characters shown as {@code \}{@code uXXXX} so that a
     * look-alike cannot hide in the message.
     */
    public static Optional<String> nonAscii(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) > 0x7f) {
                return Optional.of("host \"" + shown(text) + "\" is not ASCII; Tollgate accepts only ASCII host names"
                        + " (write IDNs in their xn-- form)");
            }
        }
        return Optional.empty();
    }

    /**
     * The one fold: ASCII lower case without one trailing dot. Idempotent; it never validates, and never maps a
     * non-ASCII character onto an ASCII one, so an invalid name stays unequal to every valid one.
     */
    public static String fold(String text) {
        return AsciiCase.lower(dropTrailingDot(text));
    }

    /**
     * A routing resource's host as Istio reads it: "short names (e.g. reviews instead of
     * reviews.default.svc.cluster.local) will be interpreted ... based on the namespace of the rule". Wildcards,
     * FQDNs and IP literals stay as written (folded).
     */
    public static String qualify(String host, String namespace) {
        String h = fold(host.trim());
        if (h.equals("*") || h.contains(".") || h.contains(":")) {
            return h;
        }
        return dev.tollgate.core.model.KubernetesService.host(h, namespace);
    }

    /** A host pattern as Istio's resources write them: a name, {@code *}, or {@code *.} and a name. */
    public static Optional<String> patternProblem(String text) {
        if (text.equals("*")) {
            return Optional.empty();
        }
        return problem(text.startsWith("*.") ? text.substring(2) : text);
    }

    public static boolean isWildcard(String host) {
        return !host.isEmpty() && host.charAt(0) == '*';
    }

    /** {@code s} with control and non-ASCII characters escaped, for messages. */
    public static String shown(String s) {
        StringBuilder b = new StringBuilder(Math.min(s.length(), 300));
        for (int i = 0; i < s.length() && b.length() < 300; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
                b.append(String.format("\\u%04X", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.length() >= 300 ? b + "..." : b.toString();
    }

    private static String dropTrailingDot(String h) {
        return h.length() > 1 && h.endsWith(".") && !h.endsWith("..") ? h.substring(0, h.length() - 1) : h;
    }

    private static boolean labelChar(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_';
    }

    @Override
    public String toString() {
        return value;
    }
}
