package dev.tollgate.cli;

import dev.tollgate.core.model.HttpRequestInfo;
import dev.tollgate.core.model.net.Authority;
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
        if (!text.contains("://")) {
            // "host/" or "host:80" would otherwise read as a scheme named after the host
            throw new IllegalArgumentException("missing scheme (http:// or https://) in " + text + ": e.g. https://"
                    + text);
        }
        URI uri;
        String rawPath = null;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            // A path with characters RFC 3986 leaves out (\ | ^ { } " < > `): curl sends them as written, and the
            // proxies receive them so and decide on them (a backslash is a slash to the path normalization), so
            // check asks them too. The rest of the URL is read as strictly as ever.
            int pathAt = text.indexOf('/', text.indexOf("://") + 3);
            String rest = pathAt < 0 ? "" : text.substring(pathAt);
            int fragment = rest.indexOf('#');
            rest = fragment < 0 ? rest : rest.substring(0, fragment);
            String authorityPart = pathAt < 0 ? "" : text.substring(text.indexOf("://") + 3, pathAt);
            if (pathAt < 0 || authorityPart.contains("?") || authorityPart.contains("#")
                    || dev.tollgate.core.model.net.RequestTarget.problem(rest).isPresent()) {
                throw new IllegalArgumentException("not a URL: " + text + " (" + e.getReason() + ")");
            }
            try {
                uri = new URI(text.substring(0, pathAt) + "/");
            } catch (URISyntaxException again) {
                throw new IllegalArgumentException("not a URL: " + text + " (" + e.getReason() + ")");
            }
            rawPath = rest;
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        int defaultPort = switch (scheme) {
            case "http" -> 80;
            case "https" -> 443;
            case "tcp" -> -1;
            default -> throw new IllegalArgumentException("unsupported scheme in " + text
                    + ": use http://, https:// or tcp://host:port");
        };
        // the raw authority, not URI.getHost(): java.net.URI rejects names such as a_b.example.com (curl and Istio
        // take them) and lets non-ASCII through; the core's one parser decides, as the proxies do
        String authority = uri.getRawAuthority();
        if (authority != null) {
            // curl takes user info from the URL and never sends it as part of the host (RFC 3986 authority)
            authority = authority.substring(authority.lastIndexOf('@') + 1);
        }
        if (authority == null || authority.isEmpty()) {
            throw new IllegalArgumentException("no host in " + text);
        }
        String hostPart = authority.startsWith("[") ? authority : authority.replaceFirst(":[^:]*$", "");
        if (hostPart.contains("*")) {
            // a ServiceEntry or Gateway host may be a pattern; a request always names one host
            boolean suffix = hostPart.startsWith("*.") && hostPart.indexOf('*', 1) < 0;
            throw new IllegalArgumentException("wildcard host " + hostPart + " in " + text + ": no client can "
                    + "request a pattern; ask for one host it covers" + (suffix ? ", e.g. " + scheme + "://www"
                    + hostPart.substring(1) + authority.substring(hostPart.length()) + "/" : ""));
        }
        Authority parsed;
        try {
            parsed = Authority.parse(authority, defaultPort);
        } catch (IllegalArgumentException e) {
            if (defaultPort < 0 && !authority.contains(":") && Authority.nonAscii(authority).isEmpty()) {
                throw new IllegalArgumentException("tcp:// needs a port: tcp://HOST:PORT");
            }
            // the non-ASCII reason stands alone: it is word for word what the proxies answer for the same name
            throw new IllegalArgumentException(Authority.nonAscii(authority).isPresent() ? e.getMessage()
                    : e.getMessage() + " in " + text, e);
        }
        String host = parsed.host();
        int port = parsed.port();
        String path = rawPath != null ? rawPath
                : uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        if (rawPath == null && uri.getRawQuery() != null) {
            path = path + "?" + uri.getRawQuery();
        }
        // java.net.URI lets non-ASCII through; the proxies refuse it, with these words
        var problem = dev.tollgate.core.model.net.RequestTarget.problem(path);
        if (problem.isPresent()) {
            throw new IllegalArgumentException(problem.get() + " in " + text);
        }
        return new TargetUrl(scheme, host, port, path, text);
    }

    /** The authority as a client sends it in Host: the port only when it is not the scheme's default. */
    String authority() {
        boolean defaultPort = (scheme.equals("http") && port == 80) || (scheme.equals("https") && port == 443);
        Authority a = new Authority(host, port);
        return defaultPort ? a.hostText() : a.toString();
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
