package dev.tollgate.core.model.net;

import com.google.common.net.HostAndPort;
import com.google.common.net.InetAddresses;
import dev.tollgate.core.model.AsciiCase;

import java.util.Optional;

/**
 * A {@code host[:port]} as HTTP writes it (URI authority, Host header, CONNECT target, a URL given to
 * {@code check}), read strictly and once: Guava's {@link HostAndPort} splits it, then Tollgate's rules apply on top.
 * No user info, no percent-encoding, no spaces; ASCII only ({@link HostName#nonAscii}); an IPv6 literal in brackets
 * and only there; a port of 1-65535 written as plain digits ({@code host:}, {@code host:0}, {@code host:+80} are
 * malformed, although Guava takes some of them).
 *
 * @param host folded ({@link HostName#fold}); an IPv6 literal without its brackets
 * @param port 1-65535: the one written, else the default the caller gave
 */
public record Authority(String host, int port) {
    /** Longer than any host name plus a port: refused before splitting, so hostile input costs little. */
    private static final int MAX_TEXT = 300;

    public Authority {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is not 1-65535");
        }
    }

    /**
     * @param defaultPort the port when none is written; below 1 when one must be written
     * @throws IllegalArgumentException with the reason {@code text} is no authority
     */
    public static Authority parse(String text, int defaultPort) {
        if (text == null || text.isEmpty()) {
            throw new IllegalArgumentException("authority is empty");
        }
        if (text.length() > MAX_TEXT) {
            throw new IllegalArgumentException("authority is longer than " + MAX_TEXT + " characters");
        }
        Optional<String> ascii = nonAscii(text);
        if (ascii.isPresent()) {
            throw new IllegalArgumentException(ascii.get());
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
                    || c == '.' || c == ':' || c == '[' || c == ']')) {
                throw malformed(text, "character " + HostName.shown(String.valueOf(c)) + " at " + i
                        + (c == '@' ? " (user info is not accepted)" : ""));
            }
        }
        HostAndPort split;
        try {
            split = HostAndPort.fromString(text);
        } catch (IllegalArgumentException e) {
            throw malformed(text, e.getMessage());
        }
        boolean bracketed = text.charAt(0) == '[';
        String host = split.getHost();
        boolean v6 = host.indexOf(':') >= 0;
        if (v6 != bracketed) {
            throw malformed(text, v6 ? "an IPv6 address must be in brackets" : "brackets hold only an IPv6 address");
        }
        if (v6 && !InetAddresses.isInetAddress(host)) {
            throw malformed(text, "[" + host + "] is not an IPv6 address");
        }
        int port;
        if (text.endsWith(":")) {
            throw malformed(text, "the port is empty");
        } else if (split.hasPort()) {
            String digits = text.substring(text.lastIndexOf(':') + 1);
            if (digits.length() > 5 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')
                    || split.getPort() < 1) {
                throw malformed(text, "the port is not 1-65535");
            }
            port = split.getPort();
        } else if (defaultPort < 1) {
            throw malformed(text, "it needs a port (host:port)");
        } else {
            port = defaultPort;
        }
        if (!v6) {
            HostName.problem(host).or(() -> HostName.ambiguousNumber(host)).ifPresent(p -> {
                throw new IllegalArgumentException(p);
            });
        }
        return new Authority(v6 ? AsciiCase.lower(host) : HostName.fold(host), port);
    }

    /**
     * {@link HostName#nonAscii} for the host {@code text} names (without a port written after it), so that a
     * CONNECT target, a Host header and a URL given to {@code check} give one reason for one name.
     */
    public static Optional<String> nonAscii(String text) {
        return HostName.nonAscii(hostPart(text));
    }

    /** {@code text} without a {@code :port} written after a host that holds no other colon. */
    private static String hostPart(String text) {
        int colon = text.lastIndexOf(':');
        boolean port = colon > 0 && text.indexOf(':') == colon && HostName.nonAscii(text.substring(colon)).isEmpty();
        return port ? text.substring(0, colon) : text;
    }

    /**
     * The reasons every boundary gives in the same words for the host {@code text} names: not ASCII
     * ({@link #nonAscii}), or a number that is no strict IPv4 address ({@link HostName#ambiguousNumber}).
     */
    public static Optional<String> sharedRefusal(String text) {
        Optional<String> ascii = nonAscii(text);
        if (ascii.isPresent() || text.startsWith("[")) {
            return ascii;
        }
        String host = hostPart(text);
        return host.indexOf(':') >= 0 ? Optional.empty() : HostName.ambiguousNumber(host);
    }

    /** {@link #parse}, empty where it throws. */
    public static Optional<Authority> tryParse(String text, int defaultPort) {
        try {
            return Optional.of(parse(text, defaultPort));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /**
     * The host an HTTP authority names, for matching routes and servers on it. A malformed one stays as written
     * (folded): it equals no valid name, so only a {@code *} pattern covers it, as before the request is refused.
     */
    public static String hostOf(String text) {
        String t = text.trim();
        return tryParse(t, 1).map(Authority::host).orElseGet(() -> HostName.fold(t));
    }

    /** The host as an authority writes it: an IPv6 literal in brackets. */
    public String hostText() {
        return host.indexOf(':') >= 0 ? "[" + host + "]" : host;
    }

    @Override
    public String toString() {
        return hostText() + ":" + port;
    }

    private static IllegalArgumentException malformed(String text, String why) {
        return new IllegalArgumentException("malformed authority \"" + HostName.shown(text) + "\": " + why);
    }
}
