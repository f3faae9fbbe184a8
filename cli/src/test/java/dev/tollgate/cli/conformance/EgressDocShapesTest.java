package dev.tollgate.cli.conformance;

import dev.tollgate.cli.conformance.Conformance.Case;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.stream.Stream;

import static dev.tollgate.cli.conformance.Conformance.check;
import static dev.tollgate.cli.conformance.Conformance.resource;
import static dev.tollgate.cli.conformance.Yaml.egressHttp;
import static dev.tollgate.cli.conformance.Yaml.gatewayPolicy;
import static dev.tollgate.cli.conformance.Yaml.policy;

/**
 * The egress shapes as istio.io's own tasks write them (fixtures in src/test/resources/conformance), and route matches
 * on the source (sourceNamespace, sourceLabels) that decide whether a client goes through the gateway at all.
 */
class EgressDocShapesTest {
    private static final String HTTP_TASK = "Egress Gateways, \"Egress gateway for HTTP traffic\": Gateway port 80 HTTP,"
            + " DestinationRule subset without tls, VirtualService mesh -> gateway -> edition.cnn.com:80"
            + " (istio.io/latest/docs/tasks/traffic-management/egress/egress-gateway/)";
    private static final String HTTPS_TASK = "Egress Gateways, \"Egress gateway for HTTPS traffic\": Gateway port 443 TLS"
            + " tls.mode PASSTHROUGH, DestinationRule subset without tls, tls routes by sniHosts: the sidecar forwards the"
            + " application's own TLS, so the gateway matches the client's SNI"
            + " (istio.io/latest/docs/tasks/traffic-management/egress/egress-gateway/)";
    private static final String WILDCARD_TASK = "Egress using Wildcard Hosts: ServiceEntry and Gateway for *.wikipedia.org"
            + " (istio.io/latest/docs/tasks/traffic-management/egress/wildcard-egress-hosts/)";
    private static final String SOURCE = "HTTPMatchRequest.sourceNamespace: \"Source namespace constraining the"
            + " applicability of a rule to workloads in that namespace\"; sourceLabels: \"One or more labels that"
            + " constrain the applicability of a rule to source (client) workloads with the given labels\""
            + " (istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPMatchRequest)";
    private static final String BYPASS = "Egress Gateways: only traffic the mesh VirtualService sends to the gateway"
            + " passes the gateway; an http VirtualService does not apply to TLS on 443, which leaves directly";
    private static final String NO_SNI = "DestinationRule ClientTLSSettings.sni: the gateway server is matched on the"
            + " SNI; without sni the ISTIO_MUTUAL client sends Istio's own outbound_ SNI, which no server host matches";
    private static final String DOUBLE_TLS = "Common problems, Double TLS (TLS origination for a TLS request): a"
            + " DestinationRule that originates TLS where the application sends TLS double-encrypts, and the request fails";
    private static final String GATEWAY = "\"proxy\" : \"gateway";

    @TempDir
    Path dir;

    private static Case c(String name, String doc) {
        return check(name, doc).registryOnly();
    }

    static Stream<Case> cases() {
        String cnnHttp = resource("istio-egress-http-plain.yaml");
        String wiki = resource("istio-egress-wildcard-passthrough.yaml");
        String cnnTls = resource("istio-egress-https-passthrough.yaml");
        String split = resource("route-split-by-source.yaml");
        String splitGw = resource("route-split-by-source-with-gateways.yaml");
        String allowNothing = policy("allow-nothing", "istio-system", "", "{}");
        String base = egressHttp("api.example.com");
        return Stream.of(
                c("HTTP task shape: through the gateway", HTTP_TASK).file("istio-system", cnnHttp)
                        .allowed("http://edition.cnn.com/politics").outContains(GATEWAY),
                c("HTTP task shape: an ALLOW on paths applies at the gateway", HTTP_TASK)
                        .file("istio-system", cnnHttp)
                        .file(gatewayPolicy("p", "action: ALLOW\nrules:\n- to:\n  - operation:\n      paths: [\"/politics\"]"))
                        .allowed("http://edition.cnn.com/politics"),
                c("HTTP task shape: no mTLS to the gateway, so no principal to match", HTTP_TASK + "; Source.principals"
                        + " \"requires mTLS enabled\"").file("istio-system", cnnHttp)
                        .file(gatewayPolicy("p", "action: ALLOW\nrules:\n- from:\n  - source:\n      principals: [\"*\"]"))
                        .denied("http://edition.cnn.com/politics"),
                c("HTTPS task shape: the client's TLS passes through the gateway", HTTPS_TASK)
                        .file("istio-system", cnnTls).allowed("https://edition.cnn.com/").outContains(GATEWAY),
                c("wildcard task: a wikipedia host passes through the gateway", WILDCARD_TASK).file("istio-system", wiki)
                        .allowed("https://en.wikipedia.org/").outContains(GATEWAY),
                c("wildcard task: a DENY on connection.sni sees the client's SNI", WILDCARD_TASK
                        + "; AuthorizationPolicy connection.sni: \"The server name indication\"").file("istio-system", wiki)
                        .file(gatewayPolicy("d", "action: DENY\nrules:\n- when:\n  - key: connection.sni\n"
                                + "    values: [de.wikipedia.org]")).denied("https://de.wikipedia.org/"),
                c("wildcard task: the apex host is not covered by *.wikipedia.org", WILDCARD_TASK).file("istio-system", wiki)
                        .blocked("https://wikipedia.org/"),
                c("HTTP-variant routing leaves https:// direct (the gateway policy never sees it), where the "
                        + "sidecar's TLS origination wraps the application's TLS", BYPASS + "; " + DOUBLE_TLS)
                        .file("istio-system", base).file(allowNothing).blocked("https://api.example.com/")
                        .outLacks(GATEWAY).outContains("Double TLS"),
                c("ISTIO_MUTUAL to the gateway without sni matches no server", NO_SNI)
                        .file("istio-system", base.replace("          sni: api.example.com\n", "")).noRoute("http://api.example.com/"),
                c("sourceNamespace match of the client's namespace routes through the gateway", SOURCE)
                        .file("istio-system", base.replace("      - mesh\n      port: 80\n",
                                "      - mesh\n      port: 80\n      sourceNamespace: default\n"))
                        .allowed("http://api.example.com/").outContains(GATEWAY),
                c("sourceLabels match of the client's labels routes through the gateway", SOURCE)
                        .file("istio-system", base.replace("      - mesh\n      port: 80\n",
                                "      - mesh\n      port: 80\n      sourceLabels:\n        app: sleep\n"))
                        .labels("app=sleep").allowed("http://api.example.com/").outContains(GATEWAY),
                c("mesh-only VirtualService: other namespaces fall to the gateway route", SOURCE)
                        .file("istio-system", split).file(allowNothing).denied("http://api.example.com/"),
                c("mesh-only VirtualService: the named namespace goes direct", SOURCE)
                        .file("istio-system", split).file(allowNothing).from("otherns/sleep").allowed("http://api.example.com/"),
                c("mesh-only VirtualService: sourceLabels that do not match fall to the gateway route", SOURCE)
                        .file("istio-system", split.replace("    - sourceNamespace: otherns\n",
                                "    - sourceLabels:\n        app: trusted\n")).file(allowNothing).labels("app=web")
                        .denied("http://api.example.com/"),
                c("VirtualService with gateways: the namespace named by sourceNamespace goes direct", SOURCE)
                        .file("istio-system", splitGw).file(allowNothing).from("otherns/sleep")
                        .allowed("http://api.example.com/").outLacks(GATEWAY),
                c("VirtualService with gateways in the match: sourceNamespace is not read, every namespace goes direct",
                        SOURCE + "; istio/istio pilot/pkg/networking/core/route/route.go sourceMatchHTTP reads"
                        + " sourceLabels and sourceNamespace only when the match has no gateways")
                        .file("istio-system", splitGw).file(allowNothing).allowed("http://api.example.com/")
                        .outLacks(GATEWAY).outContains("sourceNamespace otherns not read"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void conforms(Case c) throws Exception {
        c.run(dir);
    }
}
