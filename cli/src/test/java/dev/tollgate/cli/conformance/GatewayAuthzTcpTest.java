package dev.tollgate.cli.conformance;

import dev.tollgate.cli.conformance.Conformance.Case;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.stream.Stream;

import static dev.tollgate.cli.conformance.Conformance.check;
import static dev.tollgate.cli.conformance.Yaml.egressTls;
import static dev.tollgate.cli.conformance.Yaml.gatewayPolicy;
import static dev.tollgate.cli.conformance.Yaml.policy;

/**
 * AuthorizationPolicy at the egress gateway, HTTPS (TLS passthrough) variant: the gateway sees only the connection
 * (peer identity, SNI from the DestinationRule, gateway port), as in istio.io "Egress Gateways" (HTTPS traffic).
 */
class GatewayAuthzTcpTest {
    private static final String TCP = "Security concepts, \"Authorization for plain TCP protocols\": \"certain fields"
            + " and conditions are only applicable to HTTP workloads ... request_principals ... hosts, methods and paths"
            + " ... If you use any HTTP only fields for a TCP workload, Istio will ignore HTTP only fields in the"
            + " authorization policy\"; authz-tcp task: for ALLOW the rule with HTTP-only fields is ignored (would be"
            + " more permissive), for DENY only the HTTP-only constraint is dropped (more restrictive)"
            + " (istio.io/latest/docs/concepts/security/ , istio.io/latest/docs/tasks/security/authorization/authz-tcp/)";
    private static final String CONDITIONS = "Authorization Policy Conditions: connection.sni \"The server name"
            + " indication\", destination.port \"The destination port\", source.namespace, source.principal — supported"
            + " for TCP (istio.io/latest/docs/reference/config/security/conditions/)";
    private static final String URL = "https://api.example.com/";

    @TempDir
    Path dir;

    private static Case gw(String name, String doc) {
        return check(name, doc).file("istio-system", egressTls("api.example.com")).registryOnly();
    }

    private static String id(String name, int rule) {
        return "ns[istio-system]-policy[" + name + "]-rule[" + rule + "]";
    }

    private static String allow(String rules) {
        return "action: ALLOW\nrules:\n" + rules;
    }

    private static String deny(String rules) {
        return "action: DENY\nrules:\n" + rules;
    }

    static Stream<Case> cases() {
        return Stream.of(
                gw("no policy: TLS passthrough allowed", GatewayAuthzHttpTest.ORDER).allowed(URL).outContains("gateway"),
                gw("allow-nothing denies the tunnel, policy null", GatewayAuthzHttpTest.ALLOW_NOTHING)
                        .file(policy("allow-nothing", "istio-system", "", "{}")).denied(URL).policy(null),
                gw("no ALLOW matched: the log says [none]", GatewayAuthzHttpTest.ID + "; issue 2: \"The log uses"
                        + " [none] there, as Envoy does\"")
                        .file(policy("allow-nothing", "istio-system", "", "{}")).denied(URL).outContains("[none]"),
                gw("ALLOW with methods is skipped on TCP", TCP)
                        .file(gatewayPolicy("p", allow("- to:\n  - operation:\n      methods: [GET]"))).denied(URL)
                        .policy(null),
                gw("ALLOW with paths is skipped on TCP", TCP)
                        .file(gatewayPolicy("p", allow("- to:\n  - operation:\n      paths: [\"/*\"]"))).denied(URL),
                gw("ALLOW with hosts is skipped on TCP (hosts is HTTP-only, even if it equals the SNI)", TCP)
                        .file(gatewayPolicy("p", allow("- to:\n  - operation:\n      hosts: [api.example.com]")))
                        .denied(URL),
                gw("ALLOW with a request.headers condition is skipped on TCP", TCP)
                        .file(gatewayPolicy("p", allow("- when:\n  - key: request.headers[x-team]\n"
                                + "    values: [blue]"))).denied(URL),
                gw("ALLOW rule mixing principals and methods is skipped as a whole", TCP)
                        .file(gatewayPolicy("p", allow("- from:\n  - source:\n      namespaces: [default]\n"
                                + "  to:\n  - operation:\n      methods: [GET]"))).denied(URL),
                gw("ALLOW: the skipped rule does not hide a later TCP rule (rule[1] decides)", TCP + "; "
                        + GatewayAuthzHttpTest.ID)
                        .file(gatewayPolicy("p", allow("- to:\n  - operation:\n      methods: [GET]\n"
                                + "- from:\n  - source:\n      namespaces: [default]"))).allowed(URL).policy(id("p", 1)),
                gw("ALLOW with ports 443 (the gateway port) applies on TCP", TCP)
                        .file(gatewayPolicy("p", allow("- to:\n  - operation:\n      ports: [\"443\"]"))).allowed(URL),
                gw("ALLOW with ports 80 does not match the TCP gateway port 443", TCP)
                        .file(gatewayPolicy("p", allow("- to:\n  - operation:\n      ports: [\"80\"]"))).denied(URL),
                gw("ALLOW by principal applies on TCP", TCP)
                        .file(gatewayPolicy("p", allow("- from:\n  - source:\n      principals:"
                                + " [cluster.local/ns/default/sa/sleep]"))).allowed(URL).policy(id("p", 0)),
                gw("ALLOW by connection.sni on TCP", CONDITIONS)
                        .file(gatewayPolicy("p", allow("- when:\n  - key: connection.sni\n    values: [api.example.com]")))
                        .allowed(URL),
                gw("ALLOW by connection.sni of another host does not match", CONDITIONS)
                        .file(gatewayPolicy("p", allow("- when:\n  - key: connection.sni\n    values: [www.example.com]")))
                        .denied(URL),
                gw("ALLOW by destination.port 443 on TCP", CONDITIONS)
                        .file(gatewayPolicy("p", allow("- when:\n  - key: destination.port\n    values: [\"443\"]")))
                        .allowed(URL),
                gw("DENY with methods loses only that constraint: denies everything", TCP)
                        .file(gatewayPolicy("d", deny("- to:\n  - operation:\n      methods: [POST]"))).denied(URL)
                        .policy(id("d", 0)),
                gw("DENY with paths loses that constraint", TCP)
                        .file(gatewayPolicy("d", deny("- to:\n  - operation:\n      paths: [/admin]"))).denied(URL),
                gw("DENY with request.headers when loses that constraint", TCP)
                        .file(gatewayPolicy("d", deny("- when:\n  - key: request.headers[x-team]\n    values: [red]")))
                        .denied(URL),
                gw("DENY with methods keeps its namespace constraint (matching namespace: denied)", TCP)
                        .file(gatewayPolicy("d", deny("- from:\n  - source:\n      namespaces: [default]\n"
                                + "  to:\n  - operation:\n      methods: [POST]"))).denied(URL),
                gw("DENY with methods keeps its namespace constraint (other namespace: allowed)", TCP)
                        .file(gatewayPolicy("d", deny("- from:\n  - source:\n      namespaces: [otherns]\n"
                                + "  to:\n  - operation:\n      methods: [POST]"))).allowed(URL),
                gw("AUDIT with HTTP-only fields does not deny", TCP + "; AUDIT does not decide")
                        .file(gatewayPolicy("a", "action: AUDIT\nrules:\n- to:\n  - operation:\n      methods: [GET]"))
                        .allowed(URL),
                gw("tutorial B5: DENY principal + connection.sni denies that principal", CONDITIONS)
                        .from("otherns/sleep-yahoo")
                        .file(gatewayPolicy("d", deny("- from:\n  - source:\n      principals:"
                                + " [cluster.local/ns/otherns/sa/sleep-yahoo]\n  when:\n  - key: connection.sni\n"
                                + "    values: [api.example.com]"))).denied(URL).policy(id("d", 0)),
                gw("tutorial B5: the same DENY lets another principal through", CONDITIONS)
                        .from("otherns/sleep")
                        .file(gatewayPolicy("d", deny("- from:\n  - source:\n      principals:"
                                + " [cluster.local/ns/otherns/sa/sleep-yahoo]\n  when:\n  - key: connection.sni\n"
                                + "    values: [api.example.com]"))).allowed(URL),
                gw("-X on https:// is ignored with a note (the gateway cannot see it)", "issue 2 section 4:"
                        + " https:// is TLS, opaque to the sidecar")
                        .args("-X", "POST").file(gatewayPolicy("p", allow("- from:\n  - source:\n"
                                + "      namespaces: [default]"))).allowed(URL));
    }

    static Stream<Case> moreCases() {
        return Stream.of(
                gw("ALLOW: an HTTP-only field in one of the to entries skips the whole rule", TCP + "; istio/istio"
                        + " model.Generate returns an error for the rule, and an ALLOW rule in error is ignored")
                        .file(gatewayPolicy("p", allow("- to:\n  - operation:\n      methods: [GET]\n  - operation:\n"
                                + "      ports: [\"443\"]"))).denied(URL),
                gw("ALLOW: namespaces plus a request.headers condition is skipped as a whole", TCP)
                        .file(gatewayPolicy("p", allow("- from:\n  - source:\n      namespaces: [default]\n  when:\n"
                                + "  - key: request.headers[x]\n    values: [y]"))).denied(URL),
                gw("DENY with hosts loses that constraint on TCP", TCP + "; hosts is HTTP-only")
                        .file(gatewayPolicy("d", deny("- to:\n  - operation:\n      hosts: [other.example.com]"))).denied(URL),
                gw("DENY with methods and ports keeps the port constraint", TCP)
                        .file(gatewayPolicy("d", deny("- to:\n  - operation:\n      methods: [GET]\n      ports: [\"8443\"]")))
                        .allowed(URL),
                gw("DENY with notMethods loses that constraint on TCP", TCP)
                        .file(gatewayPolicy("d", deny("- to:\n  - operation:\n      notMethods: [GET]"))).denied(URL),
                gw("DENY: an operation made only of HTTP fields becomes any operation", TCP)
                        .file(gatewayPolicy("d", deny("- to:\n  - operation:\n      methods: [GET]\n  - operation:\n"
                                + "      ports: [\"8443\"]"))).denied(URL),
                gw("ALLOW with notPorts applies on TCP", TCP)
                        .file(gatewayPolicy("p", allow("- to:\n  - operation:\n      notPorts: [\"80\"]"))).allowed(URL),
                gw("ALLOW with request.auth.claims is skipped on TCP", TCP)
                        .file(gatewayPolicy("p", allow("- when:\n  - key: request.auth.claims[iss]\n    values: [x]"))).denied(URL),
                gw("DENY by source.principal applies on TCP", CONDITIONS)
                        .file(gatewayPolicy("d", deny("- when:\n  - key: source.principal\n"
                                + "    values: [cluster.local/ns/default/sa/sleep]"))).denied(URL),

                gw("DENY with requestPrincipals loses that constraint on TCP", TCP + "; requestPrincipals is HTTP-only")
                        .file(gatewayPolicy("d", deny("- from:\n  - source:\n      requestPrincipals: [\"*\"]"))).denied(URL),
                gw("ALLOW with requestPrincipals is skipped on TCP", TCP)
                        .file(gatewayPolicy("p", allow("- from:\n  - source:\n      requestPrincipals: [\"*\"]"))).denied(URL));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource({"cases", "moreCases"})
    void conforms(Case c) throws Exception {
        c.run(dir);
    }
}
