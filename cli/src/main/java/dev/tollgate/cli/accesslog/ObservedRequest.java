package dev.tollgate.cli.accesslog;

import dev.tollgate.core.model.net.Authority;

import java.util.Optional;

/**
 * One request an access log line records, as {@code tollgate check} takes a request: who asked, and the URL.
 *
 * @param where        {@code FILE:LINE}
 * @param format       which log format the line was read as
 * @param source       the workload that asked, when the line says (a SPIFFE principal), else empty
 * @param unattributed when {@code source} is empty: why the line names no workload
 * @param scheme       {@code http} (a plain request the proxy saw), {@code https} (TLS: SNI and port only) or {@code tcp}
 * @param method       the HTTP method for {@code http}, else null
 * @param path         path and query for {@code http}, else {@code /}
 * @param responseCode the status the proxy answered (0 when the log has none)
 * @param originalDestination for a connection a sidecar captured: the IP the application connected to
 */
public record ObservedRequest(String where, LogFormat format, Optional<Source> source, Optional<String> unattributed,
                              String scheme, String method, String host, int port, String path, int responseCode,
                              Optional<String> originalDestination) {

    /** The URL as {@code check} takes it (the port always written, so no default port is implied twice). */
    public String url() {
        String authority = new Authority(host, port).toString();
        return scheme + "://" + authority + (scheme.equals("http") ? path : "/");
    }

    /** The same request from {@code source}, for lines that named none (--from). */
    public ObservedRequest from(Source s) {
        return new ObservedRequest(where, format, Optional.of(s), Optional.empty(), scheme, method, host, port, path,
                responseCode, originalDestination);
    }
}
