package dev.tollgate.core.model;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The HTTP attributes of one request, as routing and authorization read them.
 *
 * @param authority the Host header / :authority, as sent (may carry a port)
 * @param headers   header names in lower case, values in order of appearance
 */
public record HttpRequestInfo(String method, String authority, String path, Map<String, List<String>> headers) {
    public HttpRequestInfo {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(authority, "authority");
        Objects.requireNonNull(path, "path");
        headers = Map.copyOf(headers);
    }
}
