package dev.tollgate.core.routing;

import dev.tollgate.core.model.AsciiCase;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import dev.tollgate.core.model.HttpRequestInfo;
import io.fabric8.istio.api.api.networking.v1alpha3.HTTPRoute;
import io.fabric8.istio.api.api.networking.v1alpha3.HeadersHeaderOperations;

import java.util.Map;
import java.util.Optional;

/**
 * What an HTTP route changes in the request it forwards, as far as the next hop can see: the authority
 * ({@code rewrite.authority}, or {@code headers.request.set/add} of {@code host}/{@code :authority}) and the path
 * ({@code rewrite.uri}: "rewrite the path (or the prefix) portion of the URI with this value. If the original URI
 * was matched based on prefix, the value provided in this field will replace the corresponding matched prefix";
 * {@code rewrite.uriRegexRewrite}). The egress gateway matches and authorizes the forwarded request.
 */
record RequestRewrite(Optional<String> authority, Optional<String> uri, Optional<Pattern> regex, String substitution) {
    static final RequestRewrite NONE = new RequestRewrite(Optional.empty(), Optional.empty(), Optional.empty(), "");

    static RequestRewrite compile(HTTPRoute route) {
        Optional<String> authority = Optional.empty();
        if (route.getHeaders() != null && route.getHeaders().getRequest() != null) {
            HeadersHeaderOperations req = route.getHeaders().getRequest();
            // Istio: "If authority is set in 'add' and 'set', pick the one from 'set'".
            authority = authorityIn(req.getSet()).or(() -> authorityIn(req.getAdd()));
        }
        Optional<String> uri = Optional.empty();
        Optional<Pattern> regex = Optional.empty();
        String substitution = "";
        if (route.getRewrite() != null) {
            var rw = route.getRewrite();
            if (rw.getAuthority() != null && !rw.getAuthority().isEmpty()) {
                authority = Optional.of(rw.getAuthority());
            }
            if (rw.getUriRegexRewrite() != null && rw.getUriRegexRewrite().getMatch() != null) {
                try {
                    regex = Optional.of(Pattern.compile(rw.getUriRegexRewrite().getMatch()));
                    // Envoy writes capture groups as \1; RE2J as $1.
                    substitution = (rw.getUriRegexRewrite().getRewrite() == null ? ""
                            : rw.getUriRegexRewrite().getRewrite()).replace("$", "\\$").replaceAll("\\\\(\\d)", "\\$$1");
                } catch (PatternSyntaxException e) {
                    regex = Optional.empty(); // validation rejects it; an unusable rewrite leaves the path as is
                }
            } else if (rw.getUri() != null && !rw.getUri().isEmpty()) {
                uri = Optional.of(rw.getUri());
            }
        }
        if (authority.isEmpty() && uri.isEmpty() && regex.isEmpty()) {
            return NONE;
        }
        return new RequestRewrite(authority, uri, regex, substitution);
    }

    private static Optional<String> authorityIn(Map<String, String> headers) {
        if (headers == null) {
            return Optional.empty();
        }
        for (var e : headers.entrySet()) {
            if (AsciiCase.equalsIgnoreCase(e.getKey(), "host")
                    || AsciiCase.equalsIgnoreCase(e.getKey(), ":authority")) {
                return Optional.of(e.getValue());
            }
        }
        return Optional.empty();
    }

    /** The request as forwarded after a route with {@code match} (null: no match conditions) chose it. */
    HttpRequestInfo apply(HttpRequestInfo in, HttpMatch match) {
        if (this == NONE) {
            return in;
        }
        String raw = in.path().isEmpty() ? "/" : in.path();
        int q = raw.indexOf('?');
        String path = q >= 0 ? raw.substring(0, q) : raw;
        String query = q >= 0 ? raw.substring(q) : "";
        if (regex.isPresent()) {
            path = regex.get().matcher(path).replaceAll(substitution);
        } else if (uri.isPresent()) {
            // Envoy's prefix_rewrite swaps the matched prefix; an exact or regex match matched the whole path, and
            // a route without uri match matched the prefix "/".
            Optional<StringMatcher> m = match == null ? Optional.empty() : match.uri();
            if (m.isPresent() && m.get() instanceof StringMatcher.Prefix p) {
                path = uri.get() + path.substring(Math.min(p.prefix().length(), path.length()));
            } else if (m.isPresent()) {
                path = uri.get();
            } else {
                path = uri.get() + path.substring(1);
            }
        }
        return new HttpRequestInfo(in.method(), authority.orElse(in.authority()), path + query, in.headers());
    }

    String describe() {
        StringBuilder b = new StringBuilder();
        authority.ifPresent(a -> b.append("authority rewritten to ").append(a));
        uri.ifPresent(u -> b.append(b.isEmpty() ? "" : ", ").append("uri rewritten to ").append(u));
        regex.ifPresent(r -> b.append(b.isEmpty() ? "" : ", ").append("uri rewritten by regex ").append(r.pattern()));
        return b.toString();
    }
}
