package dev.tollgate.core.routing;

import dev.tollgate.core.model.AsciiCase;

import dev.tollgate.core.model.HttpRequestInfo;
import io.fabric8.istio.api.api.networking.v1alpha3.HTTPMatchRequest;
import io.fabric8.istio.api.api.networking.v1alpha3.StringMatch;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * One compiled {@code HTTPMatchRequest}. "All conditions inside a single match block have AND semantics".
 * Static conditions (port, gateways, sourceLabels, sourceNamespace) are those Istio evaluates when it builds the
 * proxy's routes; the others are Envoy's runtime route match.
 */
record HttpMatch(String name, long port, Set<String> gateways, Map<String, String> sourceLabels,
                 String sourceNamespace, Optional<StringMatcher> uri, Optional<StringMatcher> scheme,
                 Optional<StringMatcher> method, Optional<StringMatcher> authority, Map<String, StringMatcher> headers,
                 Map<String, StringMatcher> withoutHeaders, Map<String, StringMatcher> queryParams) {

    static HttpMatch compile(HTTPMatchRequest m, String vsNamespace) {
        return compile(m, vsNamespace, false);
    }

    /**
     * With {@code gatewaySemantics}, a uri prefix other than "/" is Envoy's {@code path_separated_prefix} of the
     * prefix without its trailing "/" (route.go {@code translateRouteMatch}, {@code UseGatewaySemantics}).
     */
    static HttpMatch compile(HTTPMatchRequest m, String vsNamespace, boolean gatewaySemantics) {
        boolean ignoreUriCase = Boolean.TRUE.equals(m.getIgnoreUriCase());
        Optional<StringMatcher> uri = Optional.ofNullable(m.getUri()).map(s -> StringMatcher.of(s, ignoreUriCase));
        if (gatewaySemantics && uri.isPresent() && uri.get() instanceof StringMatcher.Prefix p
                && !p.prefix().equals("/")) {
            String trimmed = p.prefix().endsWith("/") ? p.prefix().substring(0, p.prefix().length() - 1) : p.prefix();
            uri = Optional.of(new StringMatcher.SegmentPrefix(trimmed, p.ignoreCase()));
        }
        return new HttpMatch(m.getName() == null ? "" : m.getName(), m.getPort() == null ? 0 : m.getPort(),
                GatewayNames.resolveAll(m.getGateways(), vsNamespace),
                m.getSourceLabels() == null ? Map.of() : Map.copyOf(m.getSourceLabels()),
                m.getSourceNamespace() == null ? "" : m.getSourceNamespace(),
                uri,
                Optional.ofNullable(m.getScheme()).map(s -> StringMatcher.of(s, false)),
                Optional.ofNullable(m.getMethod()).map(s -> StringMatcher.of(s, false)),
                Optional.ofNullable(m.getAuthority()).map(s -> StringMatcher.of(s, false)),
                headerMap(m.getHeaders()), headerMap(m.getWithoutHeaders()), paramMap(m.getQueryParams()));
    }

    private static Map<String, StringMatcher> headerMap(Map<String, StringMatch> in) {
        Map<String, StringMatcher> out = new TreeMap<>();
        if (in != null) {
            // "The header keys must be lowercase"; HTTP header names are case-insensitive, so compare lower case.
            in.forEach((k, v) -> out.put(AsciiCase.lower(k), StringMatcher.of(v, false)));
        }
        return out;
    }

    private static Map<String, StringMatcher> paramMap(Map<String, StringMatch> in) {
        Map<String, StringMatcher> out = new TreeMap<>();
        if (in != null) {
            in.forEach((k, v) -> out.put(k, StringMatcher.of(v, false)));
        }
        return out;
    }

    /**
     * route.go IsCatchAllRoute on the Envoy route this match becomes: a path prefix "/" (or regex ".*", or no uri)
     * and no header, method, scheme, authority or query parameter condition.
     */
    boolean catchAll() {
        boolean anyPath = uri.isEmpty() || uri.get() instanceof StringMatcher.Prefix p && p.prefix().equals("/")
                || uri.get() instanceof StringMatcher.Regex r && r.pattern().pattern().equals(".*");
        return anyPath && scheme.isEmpty() && method.isEmpty() && authority.isEmpty() && headers.isEmpty()
                && withoutHeaders.isEmpty() && queryParams.isEmpty();
    }

    /**
     * Istio's sourceMatchHTTP: a match's {@code gateways} decide alone when present ("The gateway match is
     * independent of sourceLabels"); otherwise sourceLabels and sourceNamespace must hold. Plus the port.
     */
    Optional<String> staticMismatch(ProxyContext ctx) {
        if (port != 0 && port != ctx.port()) {
            return Optional.of("match port " + port + " is not " + ctx.port());
        }
        if (!gateways.isEmpty()) {
            for (String g : gateways) {
                if (ctx.gatewayNames().contains(g)) {
                    return Optional.empty();
                }
            }
            return Optional.of("match gateways " + gateways + " do not include " + ctx.gatewayNames());
        }
        if (!ctx.hasLabels(sourceLabels)) {
            return Optional.of("sourceLabels " + sourceLabels + " do not match the source workload");
        }
        if (!sourceNamespace.isEmpty() && !sourceNamespace.equals(ctx.namespace())) {
            return Optional.of("sourceNamespace " + sourceNamespace + " is not " + ctx.namespace());
        }
        return Optional.empty();
    }

    /**
     * What {@link #staticMismatch} did not read: sourceLabels and sourceNamespace beside gateways. Istio drops them
     * too, so the match applies to sources they name not; {@code check} says so, since it is easy to misread.
     */
    Optional<String> unreadSourceConditions() {
        if (gateways.isEmpty() || sourceLabels.isEmpty() && sourceNamespace.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of((sourceLabels.isEmpty() ? "" : "sourceLabels " + sourceLabels)
                + (sourceLabels.isEmpty() || sourceNamespace.isEmpty() ? "" : " and ")
                + (sourceNamespace.isEmpty() ? "" : "sourceNamespace " + sourceNamespace)
                + " not read: the match names gateways " + gateways + " (Istio's sourceMatchHTTP)");
    }

    /** Envoy's route match on one request; the reason of the first failing condition, or empty when it matches. */
    Optional<String> runtimeMismatch(HttpRequestInfo http, String requestScheme) {
        String rawPath = http.path().isEmpty() ? "/" : http.path();
        int q = rawPath.indexOf('?');
        String path = q >= 0 ? rawPath.substring(0, q) : rawPath;
        if (uri.isPresent() && !uri.get().matches(path)) {
            return Optional.of("uri " + path + " does not match " + uri.get().describe());
        }
        if (scheme.isPresent() && !scheme.get().matches(requestScheme)) {
            return Optional.of("scheme " + requestScheme + " does not match " + scheme.get().describe());
        }
        if (method.isPresent() && !method.get().matches(http.method())) {
            return Optional.of("method " + http.method() + " does not match " + method.get().describe());
        }
        if (authority.isPresent() && !authority.get().matches(http.authority())) {
            return Optional.of("authority " + http.authority() + " does not match " + authority.get().describe());
        }
        for (var e : headers.entrySet()) {
            Optional<String> value = header(http, e.getKey());
            if (!e.getValue().matchesOptional(value)) {
                return Optional.of("header " + e.getKey() + (value.isEmpty() ? " is absent" : " does not match "
                        + e.getValue().describe()));
            }
        }
        for (var e : withoutHeaders.entrySet()) {
            Optional<String> value = header(http, e.getKey());
            // Envoy inverts the match and, except for presence checks, treats a missing header as empty.
            boolean matched = e.getValue() instanceof StringMatcher.Present
                    ? value.isPresent() : e.getValue().matches(value.orElse(""));
            if (matched) {
                return Optional.of("withoutHeaders " + e.getKey() + " matches " + e.getValue().describe());
            }
        }
        if (!queryParams.isEmpty()) {
            Map<String, String> params = query(q >= 0 ? rawPath.substring(q + 1) : "");
            for (var e : queryParams.entrySet()) {
                Optional<String> value = Optional.ofNullable(params.get(e.getKey()));
                if (!e.getValue().matchesOptional(value)) {
                    return Optional.of("query parameter " + e.getKey() + (value.isEmpty() ? " is absent"
                            : " does not match " + e.getValue().describe()));
                }
            }
        }
        return Optional.empty();
    }

    /** Envoy matches a repeated header against its values joined with ",". */
    private static Optional<String> header(HttpRequestInfo http, String name) {
        if (name.equals("host") || name.equals(":authority")) {
            return Optional.of(http.authority());
        }
        if (name.equals(":method")) {
            return Optional.of(http.method());
        }
        if (name.equals(":path")) {
            return Optional.of(http.path());
        }
        List<String> values = http.headers().get(name);
        return values == null || values.isEmpty() ? Optional.empty() : Optional.of(String.join(",", values));
    }

    /** The first value of each parameter, as Envoy's query parameter matcher sees it; "?key" has value "". */
    private static Map<String, String> query(String query) {
        Map<String, String> out = new LinkedHashMap<>();
        if (query.isEmpty()) {
            return out;
        }
        for (String part : query.split("&")) {
            if (part.isEmpty()) {
                continue;
            }
            int eq = part.indexOf('=');
            String key = eq >= 0 ? part.substring(0, eq) : part;
            out.putIfAbsent(key, eq >= 0 ? part.substring(eq + 1) : "");
        }
        return out;
    }
}
