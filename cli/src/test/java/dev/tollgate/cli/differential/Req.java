package dev.tollgate.cli.differential;

import java.util.ArrayList;
import java.util.List;

/**
 * One generated request: who sends it and what curl would be asked for. {@code http} requests go to the sidecar as
 * absolute-URI requests, {@code https} ones as CONNECT followed by the client's own TLS (SNI = host).
 */
record Req(Pool.Source from, boolean https, String host, int port, String method, String path) {

    boolean ipv6() {
        return host.indexOf(':') >= 0;
    }

    /** As a client writes the authority: brackets around IPv6, the port only when not the scheme's default. */
    String authority() {
        String h = ipv6() ? "[" + host + "]" : host;
        return port == (https ? 443 : 80) ? h : h + ":" + port;
    }

    String url() {
        return (https ? "https://" : "http://") + authority() + path;
    }

    /** The {@code tollgate check} arguments for this request (after {@code -f}). */
    List<String> checkArgs() {
        List<String> args = new ArrayList<>(List.of("--from", from.toString(), "--labels", "app=" + from.serviceAccount()));
        if (!https) {
            args.addAll(List.of("-X", method));
        }
        args.add(url());
        return args;
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        // a non-ASCII character is printed as Java writes it, so a Kelvin sign is not read as a K
        "tollgate check -f world.yaml ".concat(String.join(" ", checkArgs())).chars().forEach(c -> b.append(
                c < 0x80 ? String.valueOf((char) c) : String.format("\\u%04X", c)));
        return b.toString();
    }
}
