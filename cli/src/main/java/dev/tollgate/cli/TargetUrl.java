package dev.tollgate.cli;

import dev.tollgate.core.model.HttpRequestInfo;
import dev.tollgate.core.snapshot.OutboundRequest;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A URL as {@code check} takes it: {@code http://} (a plain HTTP request), {@code https://} (TLS with SNI = host,
 * opaque to the sidecar) or {@code tcp://host:port}. The scheme's default port is implied.
 */
record TargetUrl(String scheme, String host, int port, String pathAndQuery, String text) {

    static TargetUrl parse(String text) {
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not a URL: " + text + " (" + e.getReason() + ")");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        int defaultPort = switch (scheme) {
            case "http" -> 80;
            case "https" -> 443;
            case "tcp" -> -1;
            default -> throw new IllegalArgumentException("unsupported scheme in " + text
                    + ": use http://, https:// or tcp://host:port");
        };
        String host = uri.getHost();
        int explicitPort = uri.getPort();
        if (host == null && uri.getRawAuthority() != null) {
            // java.net.URI rejects names such as a_b.example.com as server authorities; curl and Istio accept them
            String authority = uri.getRawAuthority();
            authority = authority.substring(authority.lastIndexOf('@') + 1);
            int colon = authority.lastIndexOf(':');
            host = colon >= 0 ? authority.substring(0, colon) : authority;
            if (colon >= 0) {
                try {
                    explicitPort = Integer.parseInt(authority.substring(colon + 1));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("bad port in " + text);
                }
            }
        }
        if (host == null || host.isEmpty()) {
            throw new IllegalArgumentException("no host in " + text);
        }
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port = explicitPort >= 0 ? explicitPort : defaultPort;
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException(port == -1 ? "tcp:// needs a port: tcp://HOST:PORT" : "bad port in " + text);
        }
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        if (uri.getRawQuery() != null) {
            path = path + "?" + uri.getRawQuery();
        }
        return new TargetUrl(scheme, host, port, path, text);
    }

    /** The authority as a client sends it in Host: the port only when it is not the scheme's default. */
    String authority() {
        boolean defaultPort = (scheme.equals("http") && port == 80) || (scheme.equals("https") && port == 443);
        String h = host.contains(":") ? "[" + host + "]" : host;
        return defaultPort ? h : h + ":" + port;
    }

    OutboundRequest toRequest(String method, Map<String, List<String>> headers) {
        return switch (scheme) {
            case "http" -> OutboundRequest.http(host, port,
                    new HttpRequestInfo(method, hostHeader(headers), pathAndQuery, headers));
            case "https" -> OutboundRequest.tls(host, port);
            default -> OutboundRequest.tcp(host, port);
        };
    }

    private String hostHeader(Map<String, List<String>> headers) {
        return Optional.ofNullable(headers.get("host")).filter(v -> !v.isEmpty()).map(v -> v.get(0)).orElse(authority());
    }
}
