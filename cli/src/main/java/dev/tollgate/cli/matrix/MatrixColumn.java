package dev.tollgate.cli.matrix;

import java.util.List;

/**
 * One external host and port of the matrix.
 *
 * @param host       as declared; may be a wildcard such as {@code *.example.com}
 * @param probeHost  the host the probes ask for: {@code host}, or a name a wildcard covers ({@code www.example.com})
 * @param protocol   as the ServiceEntry or Gateway declares it (HTTP, HTTPS, TLS, TCP, ...)
 * @param scheme     how a client speaks to it, as {@code check} takes a URL: http, https (TLS, opaque) or tcp
 * @param declaredBy {@code Kind namespace/name file:line}; empty for {@code --to}
 */
public record MatrixColumn(String id, String host, String probeHost, int port, String protocol, String scheme,
                           List<String> declaredBy) {
    public MatrixColumn {
        declaredBy = List.copyOf(declaredBy);
    }

    /** The URL {@code check} would be given for this column, with {@code path} for HTTP. */
    public String url(String path) {
        String authority = probeHost.contains(":") ? "[" + probeHost + "]:" + port : probeHost + ":" + port;
        return scheme + "://" + authority + (scheme.equals("http") ? path : "/");
    }

    public boolean http() {
        return scheme.equals("http");
    }
}
