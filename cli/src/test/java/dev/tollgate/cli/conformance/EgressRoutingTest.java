package dev.tollgate.cli.conformance;

import dev.tollgate.cli.conformance.Conformance.Case;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.stream.Stream;

import static dev.tollgate.cli.conformance.Conformance.check;
import static dev.tollgate.cli.conformance.Yaml.egressHttp;
import static dev.tollgate.cli.conformance.Yaml.egressTls;
import static dev.tollgate.cli.conformance.Yaml.policy;

/**
 * Routing to and through the egress gateway (istio.io "Egress Gateways" and "Egress Gateways with TLS Origination"),
 * with variations of the VirtualService, DestinationRule and Gateway a tester would try.
 */
class EgressRoutingTest {
    private static final String EGRESS = "Egress Gateways: the VirtualService bound to mesh routes to the egress gateway"
            + " subset, the one bound to the Gateway routes out to the external host"
            + " (istio.io/latest/docs/tasks/traffic-management/egress/egress-gateway/)";
    private static final String ORIGINATION = "Egress Gateways with TLS Origination: the gateway port 80 server with"
            + " ISTIO_MUTUAL, DestinationRule sni = the host, and tls.mode SIMPLE to port 443"
            + " (istio.io/latest/docs/tasks/traffic-management/egress/egress-gateway-tls-origination/)";
    private static final String MESH_GW = "VirtualService.gateways: \"The reserved word mesh is used to imply all the"
            + " sidecars in the mesh. When this field is omitted, the default gateway (mesh) will be used ... to apply"
            + " the rules to both gateways and sidecars, specify mesh as one of the gateway names\""
            + " (istio.io/latest/docs/reference/config/networking/virtual-service/#VirtualService)";
    private static final String SUBSET = "DestinationRule subsets / VirtualService Destination.subset: \"The name of a"
            + " subset within the service. Applicable only to services within the mesh. The subset must be defined in a"
            + " corresponding DestinationRule\" (a route to an undefined subset has no cluster: 503 NC)";
    private static final String SERVER = "Gateway.Server.hosts / tls: the server matches the SNI among its hosts; a"
            + " Gateway's selector picks the gateway pods (istio.io/latest/docs/reference/config/networking/gateway/)";
    private static final String HTTP_MATCH = "HTTPMatchRequest: uri, headers, port, gateways; \"If no routing rule"
            + " matches, the request is not routed\" (Envoy: 404 NR)"
            + " (istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPMatchRequest)";
    private static final String HOST = "api.example.com";
    private static final String HTTP = "http://api.example.com/";
    private static final String HTTPS = "https://api.example.com/";
    private static final String VIA_GATEWAY = "\"proxy\" : \"gateway";

    @TempDir
    Path dir;

    private static Case http(String name, String doc, String yaml) {
        return check(name, doc).file("istio-system", yaml).registryOnly();
    }

    static Stream<Case> cases() {
        String base = egressHttp(HOST);
        String tls = egressTls(HOST);
        String allowNothing = policy("allow-nothing", "istio-system", "", "{}");
        return Stream.of(
                http("tutorial HTTP shape: through the gateway, TLS originated", ORIGINATION, base)
                        .allowed(HTTP).outContains(VIA_GATEWAY, "SIMPLE"),
                http("tutorial HTTPS shape: TLS passthrough through the gateway", EGRESS, tls)
                        .allowed(HTTPS).outContains(VIA_GATEWAY),
                http("tutorial HTTP shape, explicit :80", ORIGINATION, base).allowed("http://api.example.com:80/x"),
                http("tutorial HTTP shape, upper-case host", ORIGINATION, base).allowed("http://API.EXAMPLE.COM/"),
                http("tutorial HTTPS shape, trailing dot", EGRESS, tls).allowed("https://api.example.com./"),
                http("VirtualService without mesh: the sidecar goes direct, gateway policy never applies", MESH_GW,
                        base.replace("  - egw\n  - mesh\n", "  - egw\n")).file(allowNothing)
                        .allowed(HTTP).outLacks(VIA_GATEWAY),
                http("VirtualService with mesh: allow-nothing at the gateway applies", MESH_GW, base)
                        .file(allowNothing).denied(HTTP),
                http("route to a subset the DestinationRule does not define", SUBSET,
                        base.replace("        subset: ext\n", "        subset: nope\n")).noRoute(HTTP),
                http("DestinationRule for the gateway without subsets", SUBSET,
                        base.replace("  subsets:\n  - name: ext\n", "  subsets:\n  - name: other\n")).noRoute(HTTP),
                http("DestinationRule sni differs from the Gateway server hosts", SERVER,
                        base.replace("          sni: api.example.com\n", "          sni: www.example.com\n"))
                        .noRoute(HTTP),
                http("Gateway server hosts * accept any SNI", SERVER,
                        base.replace("    hosts:\n    - api.example.com\n    tls:", "    hosts:\n    - \"*\"\n    tls:"))
                        .allowed(HTTP),
                http("Gateway selector that picks no egress gateway", SERVER,
                        base.replace("    istio: egressgateway\n", "    istio: ingressgateway\n")).noRoute(HTTP),
                http("Gateway server on another port than the route's", SERVER,
                        base.replace("      number: 80\n      name: https-port", "      number: 8080\n      name: https-port"))
                        .noRoute(HTTP),
                http("no route bound to the Gateway: the gateway has nowhere to send it", EGRESS,
                        base.replace("""
                                  - match:
                                    - gateways:
                                      - egw
                                      port: 80
                                    route:
                                    - destination:
                                        host: api.example.com
                                        port:
                                          number: 443
                                """, "")).noRoute(HTTP),
                http("mesh route for port 443 only: on port 80 the VirtualService adds nothing, default route direct",
                        HTTP_MATCH + "; istio/istio BuildHTTPRoutesForVirtualService skips matches whose port is not"
                        + " the listener's, and a VirtualService with no route left gives no virtual host, so the"
                        + " service's default route applies", base.replace("      - mesh\n      port: 80\n",
                        "      - mesh\n      port: 443\n")).allowed(HTTP).outLacks(VIA_GATEWAY),
                http("mesh route on a uri prefix: matching path goes through", HTTP_MATCH,
                        base.replace("      - mesh\n      port: 80\n", "      - mesh\n      port: 80\n      uri:\n        prefix: /api\n"))
                        .allowed("http://api.example.com/api/x"),
                http("mesh route on a uri prefix: other path has no route", HTTP_MATCH,
                        base.replace("      - mesh\n      port: 80\n", "      - mesh\n      port: 80\n      uri:\n        prefix: /api\n"))
                        .noRoute("http://api.example.com/other"),
                http("mesh route on a header: with -H", HTTP_MATCH,
                        base.replace("      - mesh\n      port: 80\n",
                                "      - mesh\n      port: 80\n      headers:\n        x-route:\n          exact: egress\n"))
                        .args("-H", "x-route: egress").allowed(HTTP),
                http("mesh route on a header: without it, no route", HTTP_MATCH,
                        base.replace("      - mesh\n      port: 80\n",
                                "      - mesh\n      port: 80\n      headers:\n        x-route:\n          exact: egress\n"))
                        .noRoute(HTTP),
                http("mesh route on a method (GET), HEAD has no route", HTTP_MATCH,
                        base.replace("      - mesh\n      port: 80\n",
                                "      - mesh\n      port: 80\n      method:\n        exact: GET\n"))
                        .args("-I").noRoute(HTTP),
                http("VirtualService naming the Gateway as namespace/name", MESH_GW + "; gateways: \"<gateway namespace>/"
                        + "<gateway name>\"", base.replace("  - egw\n  - mesh\n", "  - istio-system/egw\n  - mesh\n")
                        .replace("      - egw\n", "      - istio-system/egw\n")).allowed(HTTP).outContains(VIA_GATEWAY),
                http("subset-level tls instead of portLevelSettings", ORIGINATION,
                        base.replace("""
                                    trafficPolicy:
                                      portLevelSettings:
                                      - port:
                                          number: 80
                                        tls:
                                          mode: ISTIO_MUTUAL
                                          sni: api.example.com
                                """, """
                                    trafficPolicy:
                                      tls:
                                        mode: ISTIO_MUTUAL
                                        sni: api.example.com
                                """)).allowed(HTTP),
                http("TLS variant: sniHosts outside the VirtualService hosts is invalid", "TLSMatchAttributes.sniHosts:"
                        + " \"An SNI value must be a subset (i.e., fall within the domain) of the corresponding virtual"
                        + " service's hosts\"", tls.replace("      sniHosts:\n      - api.example.com\n",
                        "      sniHosts:\n      - www.example.com\n")).error(HTTPS, "sniHosts"),
                http("TLS variant: no tcp route at the gateway", EGRESS,
                        tls.substring(0, tls.indexOf("  tcp:\n"))).noRoute(HTTPS),
                check("tutorial HTTP shape applied in the client's namespace still routes through the gateway",
                        EGRESS + "; Gateway selector selects gateway pods in any namespace by default")
                        .file("default", base).registryOnly().allowed(HTTP).outContains(VIA_GATEWAY),
                check("text output: verdict then one line per hop", "issue 2 section 4: \"Text output: a verdict,"
                        + " then one line per hop naming the resource that decided\"")
                        .file("istio-system", base).registryOnly().text().allowed(HTTP)
                        .outContains("Gateway istio-system/egw", "VirtualService istio-system/via-egw",
                                "ServiceEntry istio-system/ext"));
    }

    private static final String EXPORT = "VirtualService.exportTo / DestinationRule.exportTo: \"A list of namespaces to"
            + " which this virtual service [destination rule] is exported ... The value . is reserved and defines an"
            + " export to the same namespace\"";
    private static final String GW_HOSTS = "Gateway Server.hosts: \"A host is specified as a dnsName with an optional"
            + " namespace/ prefix ... Only virtual services in the specified namespace can bind ... ./ the same namespace"
            + " as the Gateway, */ any namespace\" (istio.io/latest/docs/reference/config/networking/gateway/#Server)";
    private static final String SHORT = "VirtualService/DestinationRule host: \"short names (e.g., reviews instead of"
            + " reviews.default.svc.cluster.local) ... will be interpreted relative to the namespace of the rule\"";
    private static final String PORT = "Destination.port: \"Specifies the port on the host that is being addressed."
            + " If a service exposes only a single port it is not required to explicitly select the port\"; without it"
            + " the listener's port is used";

    static Stream<Case> moreCases() {
        String base = egressHttp(HOST);
        String allowNothing = policy("allow-nothing", "istio-system", "", "{}");
        return Stream.of(
                check("ALLOW_ANY does not skip the gateway: allow-nothing still denies", MESH_GW)
                        .file("istio-system", base).file(allowNothing).denied("http://api.example.com/"),
                http("VirtualService naming an undefined Gateway: the gateway has no route", EGRESS,
                        base.replace("  - egw\n  - mesh\n", "  - nogw\n  - mesh\n")).noRoute(HTTP),

                http("VirtualService exportTo . : other namespaces go direct, the gateway policy never applies", EXPORT,
                        base.replace("  name: via-egw\nspec:\n", "  name: via-egw\nspec:\n  exportTo: [\".\"]\n"))
                        .file(allowNothing).allowed(HTTP).outLacks(VIA_GATEWAY),
                http("DestinationRule with the gateway subset exported only to its namespace: no subset", EXPORT + "; "
                        + SUBSET, base.replace("  name: to-egw\nspec:\n", "  name: to-egw\nspec:\n  exportTo: [\".\"]\n"))
                        .noRoute(HTTP),
                http("Gateway server hosts default/host: a VirtualService in istio-system does not bind", GW_HOSTS,
                        base.replace("    hosts:\n    - api.example.com\n    tls:", "    hosts:\n    - default/api.example.com\n    tls:"))
                        .noRoute(HTTP),
                http("Gateway server hosts */host binds any namespace", GW_HOSTS,
                        base.replace("    hosts:\n    - api.example.com\n    tls:", "    hosts:\n    - \"*/api.example.com\"\n    tls:"))
                        .allowed(HTTP),
                http("Gateway server hosts ./host binds the Gateway's namespace", GW_HOSTS,
                        base.replace("    hosts:\n    - api.example.com\n    tls:", "    hosts:\n    - ./api.example.com\n    tls:"))
                        .allowed(HTTP),
                http("DestinationRule host as a short name", SHORT,
                        base.replace("  host: istio-egressgateway.istio-system.svc.cluster.local\n  subsets",
                                "  host: istio-egressgateway\n  subsets")).allowed(HTTP).outContains(VIA_GATEWAY),
                http("VirtualService destination as a short name", SHORT,
                        base.replace("        host: istio-egressgateway.istio-system.svc.cluster.local\n",
                                "        host: istio-egressgateway\n")).allowed(HTTP).outContains(VIA_GATEWAY),
                http("VirtualService destination without a port uses the listener port", PORT,
                        base.replace("        subset: ext\n        port:\n          number: 80\n", "        subset: ext\n"))
                        .allowed(HTTP).outContains(VIA_GATEWAY),
                http("Host header of another host with a gateway route is refused", HTTP_MATCH + "; DESIGN.md: Host"
                        + " differing from the requested host is refused", base)
                        .args("-H", "Host: evil.example.com").noRoute(HTTP));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource({"cases", "moreCases"})
    void conforms(Case c) throws Exception {
        c.run(dir);
    }
}
