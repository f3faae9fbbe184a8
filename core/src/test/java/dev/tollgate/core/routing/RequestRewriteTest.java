package dev.tollgate.core.routing;

import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.tollgate.core.model.HttpRequestInfo;
import io.fabric8.istio.api.api.networking.v1alpha3.HTTPRoute;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** HTTPRewrite and request header operations, as the next hop sees the forwarded request. */
class RequestRewriteTest {
    private static final YAMLMapper YAML = new YAMLMapper();

    static HTTPRoute route(String yaml) throws Exception {
        return YAML.readValue(yaml, HTTPRoute.class);
    }

    @ParameterizedTest(name = "{0}: {2} -> {3} {4}")
    @CsvSource(delimiter = '|', value = {
            // HTTPRewrite.uri: "If the original URI was matched based on prefix, the value provided in this field will
            // replace the corresponding matched prefix"
            "prefix rewrite | {match: [{uri: {prefix: /old}}], rewrite: {uri: /new}} | /old/x?q=1 | /new/x?q=1 | a.example.com",
            "exact match rewrites the whole path | {match: [{uri: {exact: /old}}], rewrite: {uri: /new}} | /old | /new | a.example.com",
            "no uri match swaps the prefix / | {rewrite: {uri: /v2/}} | /x | /v2/x | a.example.com",
            // HTTPRewrite.authority: "rewrite the Authority/Host header with this value"
            "authority | {rewrite: {authority: b.example.com}} | /x | /x | b.example.com",
            // Headers: "If authority is set in 'add' and 'set', pick the one from 'set'" (Istio)
            "headers set host | {headers: {request: {set: {host: c.example.com}, add: {host: d.example.com}}}} | /x | /x | c.example.com",
            "rewrite.authority wins over headers | {headers: {request: {set: {host: c.example.com}}}, rewrite: {authority: b.example.com}} | / | / | b.example.com",
            // HTTPRewrite.uriRegexRewrite: "rewrite the path portion of the URI with the specified regex"
            "regex rewrite with capture | '{rewrite: {uriRegexRewrite: {match: \"^/service/([^/]+)(/.*)$\", rewrite: \"\\\\2/instance/\\\\1\"}}}' | /service/foo/v1/api | /v1/api/instance/foo | a.example.com",
            "regex rewrite keeps a literal dollar | '{rewrite: {uriRegexRewrite: {match: \"^/a$\", rewrite: \"/$1\"}}}' | /a | /$1 | a.example.com"
    })
    void forwardedRequest(String name, String routeYaml, String path, String expectedPath, String expectedAuthority)
            throws Exception {
        HTTPRoute r = route(routeYaml);
        HttpMatch match = r.getMatch() == null || r.getMatch().isEmpty() ? null
                : HttpMatch.compile(r.getMatch().get(0), "default");
        HttpRequestInfo out = RequestRewrite.compile(r).apply(new HttpRequestInfo("GET", "a.example.com", path,
                Map.of()), match);
        assertThat(out.path()).isEqualTo(expectedPath);
        assertThat(out.authority()).isEqualTo(expectedAuthority);
    }
}
