package dev.tollgate.cli.accesslog;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStreamReader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;

import static org.assertj.core.api.Assertions.assertThat;

/** Each format's lines become the request check would be asked; anything else is skipped with its line and reason. */
class AccessLogReaderTest {

    static AccessLogReader.Read fixture(String name) throws IOException {
        try (var in = new InputStreamReader(Objects.requireNonNull(
                AccessLogReaderTest.class.getResourceAsStream("/accesslog/" + name)), StandardCharsets.UTF_8)) {
            return AccessLogReader.read(name, in);
        }
    }

    private static List<String> urls(AccessLogReader.Read read) {
        return read.requests().stream().map(r -> r.format().text() + " " + r.source().map(Source::toString).orElse("?")
                + " " + (r.method() == null ? "" : r.method() + " ") + r.url()).toList();
    }

    @Test
    void istioJsonAtASidecar() throws IOException {
        AccessLogReader.Read read = fixture("istio-json-sleep.log");
        assertThat(read.skipped()).isEmpty();
        assertThat(urls(read)).containsExactly(
                "istio-json ? GET http://developers.google.com:80/",
                "istio-json ? HEAD http://developers.google.com:80/maps",
                // TLS passthrough: the SNI names the host, the original destination the port
                "istio-json ? https://edition.cnn.com:443/",
                // TCP: Istio's outbound cluster names the ServiceEntry host and port
                "istio-json ? tcp://db.example.com:5432/",
                "istio-json ? GET http://developers.google.com:80/");
        assertThat(read.requests().get(0).unattributed()).hasValue("the istio-json format names no source workload");
    }

    @Test
    void istioJsonWithThePeerPrincipalNamesTheWorkload() throws IOException {
        assertThat(urls(fixture("istio-json-gateway.log"))).containsExactly(
                "istio-json default/sleep GET http://developers.google.com:80/",
                "istio-json otherns/sleep https://edition.cnn.com:443/");
    }

    @Test
    void istioTextFormats() throws IOException {
        assertThat(urls(fixture("istio-text-sleep.log"))).containsExactly(
                "istio-text ? GET http://httpbin.org:80/status/200",
                "istio-text ? POST http://httpbin.org:80/anything",
                "istio-text ? https://httpbin.org:443/",
                "istio-text ? GET http://api.example.com:8080/v1/charges");
        assertThat(urls(fixture("istio-text-1.3-sleep.log"))).containsExactly(
                "istio-text-1.3 ? GET http://www.example.org:80/robots.txt");
    }

    @Test
    void envoysDefaultFormat() throws IOException {
        assertThat(urls(fixture("envoy-text-sleep.log"))).containsExactly(
                "envoy-text ? POST http://locations.example.net:80/api/v1/locations",
                "envoy-text ? GET http://status.example.net:8443/health");
    }

    @Test
    void tollgatesJsonNamesTheSidecarsWorkloadAndTheGatewaysPeer() throws IOException {
        String log = """
                {"start_time":"2026-12-03T18:24:50Z","proxy":"sidecar default/sleep","protocol":"http","request":"HEAD developers.google.com /","source_principal":"cluster.local/ns/default/sa/sleep","source_namespace":"default","source_address":"127.0.0.1:57790","destination_host":"developers.google.com","destination_port":80,"sni":null,"route":"-","decision":"allowed","policy":"[none]","response_code":200,"bytes_sent":0,"bytes_received":0,"duration_ms":4,"upstream_address":null,"reason":"forwarded"}
                {"start_time":"2026-12-03T18:24:51Z","proxy":"sidecar otherns/sleep","protocol":"tunnel","request":"CONNECT developer.yahoo.com:443","source_principal":"cluster.local/ns/otherns/sa/sleep","source_namespace":"otherns","source_address":"127.0.0.1:57794","destination_host":"developer.yahoo.com","destination_port":443,"sni":"developer.yahoo.com","route":"-","decision":"refused","policy":"[none]","response_code":502,"bytes_sent":0,"bytes_received":0,"duration_ms":1,"upstream_address":null,"reason":"no ServiceEntry"}
                {"start_time":"2026-12-03T18:24:52Z","proxy":"gateway istio-system/istio-egressgateway","protocol":"tcp","source_principal":"cluster.local/ns/otherns/sa/sleep-google","source_namespace":"otherns","source_address":"127.0.0.1:51746","destination_host":"developers.google.com","destination_port":443,"sni":"developers.google.com","route":"-","decision":"allowed","policy":"[none]","response_code":0,"bytes_sent":0,"bytes_received":0,"duration_ms":25,"upstream_address":null,"reason":"forwarded"}
                {"start_time":"2026-12-03T18:24:53Z","proxy":"sidecar default/sleep","protocol":"http","request":"GET [2001:db8::7]:8080 /x","source_principal":"cluster.local/ns/default/sa/sleep","source_namespace":"default","source_address":"127.0.0.1:57799","destination_host":"2001:db8::7","destination_port":8080,"sni":null,"route":"-","decision":"refused","policy":"[none]","response_code":502,"bytes_sent":0,"bytes_received":0,"duration_ms":1,"upstream_address":null,"reason":"no route"}
                {"access_log_dropped":12}
                """;
        AccessLogReader.Read read = AccessLogReader.read("t.log", new StringReader(log));
        assertThat(urls(read)).containsExactly(
                "tollgate-json default/sleep HEAD http://developers.google.com:80/",
                "tollgate-json otherns/sleep https://developer.yahoo.com:443/",
                "tollgate-json otherns/sleep-google https://developers.google.com:443/",
                "tollgate-json default/sleep GET http://[2001:db8::7]:8080/x");
        assertThat(read.skipped()).singleElement().satisfies(s -> {
            assertThat(s.where()).isEqualTo("t.log:5");
            assertThat(s.why()).contains("dropped 12 access log entries");
        });
    }

    @Test
    void tollgatesTextLog() throws IOException {
        String log = """
                [2026-12-03T18:24:50Z] "HEAD developers.google.com /" 200 allowed 0 0 464 "developers.google.com:80" sni=- src=cluster.local/ns/default/sa/sleep@127.0.0.1:57790 route="VirtualService istio-system/direct-google-through-egress-gateway http[0]" policy=[none] upstream=127.0.0.1:25824 reason="forwarded via the egress gateway" proxy="sidecar default/sleep"
                [2026-12-03T18:24:51Z] "CONNECT developer.yahoo.com:443" 502 refused 0 0 1 "developer.yahoo.com:443" sni=- src=cluster.local/ns/otherns/sa/sleep@127.0.0.1:1 route="-" policy=[none] upstream=- reason="REGISTRY_ONLY: no \"ServiceEntry\"" proxy="sidecar otherns/sleep"
                [2026-12-03T18:24:52Z] "TCP developers.google.com:443" 0 denied 0 0 2 "developers.google.com:443" sni=developers.google.com src=cluster.local/ns/otherns/sa/sleep-yahoo@127.0.0.1:2 route="-" policy=ns[istio-system]-policy[deny]-rule[0] upstream=- reason="rbac_access_denied_matched_policy[ns[istio-system]-policy[deny]-rule[0]]" proxy="gateway istio-system/istio-egressgateway"
                [2026-12-03T18:24:53Z] "GET http://example.com/a?b" 502 refused 0 0 1 "example.com:80" sni=- src=cluster.local/ns/default/sa/sleep@127.0.0.1:3 route="-" policy=[none] upstream=- reason="x" proxy="sidecar default/sleep"
                [2026-12-03T18:24:54Z] "GET - /x" 200 allowed 0 0 1 "2001:db8::7:8080" sni=- src=-@127.0.0.1:4 route="-" policy=[none] upstream=- reason="x" proxy="sidecar default/sleep" captured=[2001:db8::7]:8080
                """;
        AccessLogReader.Read read = AccessLogReader.read("t.log", new StringReader(log));
        assertThat(read.skipped()).isEmpty();
        assertThat(urls(read)).containsExactly(
                "tollgate-text default/sleep HEAD http://developers.google.com:80/",
                "tollgate-text otherns/sleep https://developer.yahoo.com:443/",
                "tollgate-text otherns/sleep-yahoo https://developers.google.com:443/",
                "tollgate-text default/sleep GET http://example.com:80/a?b",
                "tollgate-text ? GET http://[2001:db8::7]:8080/x");
        assertThat(read.requests().get(4).originalDestination()).hasValue("2001:db8::7");
    }

    @Test
    void hostileLinesAreSkippedWithTheirLineNumberNeverGuessed() throws IOException {
        String huge = "{\"authority\":\"" + "a".repeat(AccessLogReader.MAX_LINE * 2) + "\"}";
        String log = String.join("\r\n",
                "garbage that is no log line",
                "[unclosed bracket \"GET / HTTP/1.1\"",
                "[2026-05-04T09:20:01Z] \"GET /a HTTP/1.1\" 200 -",
                huge,
                "{\"method\":\"GET\",\"path\":\"/\",\"authority\":\"evil.example.com\",\"response_code\":200,"
                        + "\"downstream_peer_uri_san\":\"CN=sleep,O=default\"}",
                "{\"method\":\"GET\",\"path\":\"/\",\"authority\":\"bad host\",\"response_code\":200}",
                "{\"method\":\"GET\",\"path\":\"/\",\"authority\":\"[2001:db8::1]:8443\",\"response_code\":200}",
                "{\"method\":\"GET\",\"path\":\"/\",\"authority\":\"ex\u00e4mple.com\",\"response_code\":200}",
                "{\"method\":null,\"authority\":null,\"requested_server_name\":null,\"upstream_cluster\":\"BlackHoleCluster\"}",
                "[\"x\"] [\"y\"]",
                "{\"proxy\":\"sidecar a/b\",\"destination_host\":\"x.example.com\",\"decision\":\"allowed\","
                        + "\"protocol\":\"http\",\"request\":\"GET x.example.com\",\"destination_port\":80}",
                "",
                "{\"method\":\"GET\",\"path\":\"/\",\"authority\":\"ok.example.com:8080\",\"response_code\":\"oops\"}",
                "{\"method\":\"GET\",\"path\":\"/\\u001b[2J\",\"authority\":\"ok.example.com\",\"response_code\":200}");
        AccessLogReader.Read read = AccessLogReader.read("h.log", new StringReader(log));
        assertThat(urls(read)).containsExactly(
                "istio-json ? GET http://evil.example.com:80/",
                "istio-json ? GET http://[2001:db8::1]:8443/");
        // a principal that is no SPIFFE ID names no workload: the line is unattributed, never read as one
        assertThat(read.requests().get(0).unattributed()).hasValueSatisfying(w -> assertThat(w).contains("not a SPIFFE ID"));
        assertThat(read.skipped()).extracting(LineResult.Skipped::where).containsExactly(
                "h.log:1", "h.log:2", "h.log:3", "h.log:4", "h.log:6", "h.log:8", "h.log:9", "h.log:10", "h.log:11",
                "h.log:13", "h.log:14");
        assertThat(read.skipped().get(3).why()).isEqualTo("longer than 65536 characters");
        assertThat(read.skipped().get(4).why()).contains("malformed authority");
        assertThat(read.skipped().get(5).why()).contains("ASCII");
        assertThat(read.skipped().get(6).why()).startsWith("no destination");
        assertThat(read.skipped().get(9).why()).contains("not a number");
        assertThat(read.skipped().get(10).why()).contains("not visible ASCII");
        // no reason carries the control characters or the megabytes of the line it is about
        read.skipped().forEach(s -> assertThat(s.why()).hasSizeLessThan(300).doesNotContain("\r").doesNotContain("\u001b"));
    }

    @Test
    void aLastLineWithoutANewlineCounts() throws IOException {
        AccessLogReader.Read read = AccessLogReader.read("n.log", new StringReader(
                "\n[2026-05-04T09:30:01.500Z] \"GET /health HTTP/1.1\" 200 - 0 2 3 2 \"-\" \"k\" \"i\" \"a.example.net\" \"u\""));
        assertThat(read.requests()).singleElement().satisfies(r -> assertThat(r.where()).isEqualTo("n.log:2"));
    }
}
