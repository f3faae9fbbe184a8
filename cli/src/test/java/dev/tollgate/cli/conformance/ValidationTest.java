package dev.tollgate.cli.conformance;

import dev.tollgate.cli.conformance.Conformance.Case;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.stream.Stream;

import static dev.tollgate.cli.conformance.Conformance.check;
import static dev.tollgate.cli.conformance.Yaml.gatewayPolicy;
import static dev.tollgate.cli.conformance.Yaml.policy;

/**
 * Invalid Istio resources: exit 2, with the file, line and field path, and nothing evaluated (issue 2 section 2:
 * "Validate as Istio does (its rules are in istio/istio pkg/config/validation)"; "An unknown field is an error, as with
 * kubectl --validate=strict").
 */
class ValidationTest {
    private static final String STRICT = "issue 2 section 2: \"An unknown field is an error, as with kubectl"
            + " --validate=strict: a typo such as principal: must never silently drop a constraint\"";
    private static final String AP = "istio/istio pkg/config/validation ValidateAuthorizationPolicy; AuthorizationPolicy"
            + " reference (istio.io/latest/docs/reference/config/security/authorization-policy/)";
    private static final String SE = "istio/istio pkg/config/validation ValidateServiceEntry; ServiceEntry reference"
            + " (istio.io/latest/docs/reference/config/networking/service-entry/)";
    private static final String NET = "istio/istio pkg/config/validation for Sidecar, VirtualService, DestinationRule,"
            + " Gateway (istio.io/latest/docs/reference/config/networking/)";
    private static final String URL = "https://api.example.com/";

    @TempDir
    Path dir;

    private static Case invalid(String name, String doc, String yaml, String... errFragments) {
        return check(name, doc).file(yaml).error(URL, errFragments);
    }

    private static String se(String spec) {
        return "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n  name: bad-se\nspec:\n"
                + spec.indent(2);
    }

    private static String okSpec() {
        return "hosts: [api.example.com]\nports:\n- number: 443\n  name: tls\n  protocol: TLS\nresolution: DNS\n";
    }

    private static String kind(String kind, String spec) {
        return "apiVersion: networking.istio.io/v1\nkind: " + kind + "\nmetadata:\n  name: bad\nspec:\n" + spec.indent(2);
    }

    static Stream<Case> cases() {
        return Stream.of(
                // AuthorizationPolicy
                invalid("AP: typo principal: is an unknown field with file:line and path", STRICT,
                        gatewayPolicy("typo", "action: DENY\nrules:\n- from:\n  - source:\n      principal: [x]"),
                        "f0.yaml:", "principal", "typo"),
                invalid("AP: typo in an operation field (method:)", STRICT,
                        gatewayPolicy("typo", "action: DENY\nrules:\n- to:\n  - operation:\n      method: [GET]"),
                        "f0.yaml:", "method"),
                invalid("AP: typo in a top-level spec field (rule:)", STRICT,
                        gatewayPolicy("typo", "action: ALLOW\nrule:\n- {}"), "f0.yaml:", "rule"),
                invalid("AP: DENY without rules", AP + ": DENY/CUSTOM need rules (issue 2)",
                        gatewayPolicy("d", "action: DENY"), "f0.yaml:"),
                invalid("AP: CUSTOM without rules", AP, gatewayPolicy("c", "action: CUSTOM\nprovider:\n  name: ext"),
                        "f0.yaml:"),
                invalid("AP: unknown action", AP + ": action is one of ALLOW, DENY, AUDIT, CUSTOM",
                        gatewayPolicy("a", "action: ALOW\nrules:\n- {}"), "action"),
                invalid("AP: when without values or notValues", "Condition: \"at least one of values or notValues"
                        + " must be set\"", gatewayPolicy("w", "action: DENY\nrules:\n- when:\n  - key: connection.sni"),
                        "f0.yaml:"),
                invalid("AP: when with empty values", "Condition: \"at least one of values or notValues must be set\"",
                        gatewayPolicy("w", "action: DENY\nrules:\n- when:\n  - key: connection.sni\n    values: []"),
                        "f0.yaml:"),
                invalid("AP: unknown when key", AP + ": keys are those of Authorization Policy Conditions",
                        gatewayPolicy("w", "action: DENY\nrules:\n- when:\n  - key: request.foo\n    values: [x]"),
                        "request.foo"),
                invalid("AP: empty from list", AP + "; issue 2: empty from/to/when lists are errors",
                        gatewayPolicy("f", "action: DENY\nrules:\n- from: []"), "from"),
                invalid("AP: empty to list", AP, gatewayPolicy("t", "action: DENY\nrules:\n- to: []"), "to"),
                invalid("AP: empty when list", AP, gatewayPolicy("w", "action: DENY\nrules:\n- when: []"), "when"),
                invalid("AP: empty source", AP + ": \"from.source must not be empty\"",
                        gatewayPolicy("s", "action: DENY\nrules:\n- from:\n  - source: {}"), "source"),
                invalid("AP: empty operation", AP + ": \"to.operation must not be empty\"",
                        gatewayPolicy("o", "action: DENY\nrules:\n- to:\n  - operation: {}"), "operation"),
                invalid("AP: non-numeric operation port", AP + ": ports must be in 1-65535",
                        gatewayPolicy("p", "action: ALLOW\nrules:\n- to:\n  - operation:\n      ports: [\"https\"]"),
                        "ports"),
                invalid("AP: non-numeric destination.port value", AP,
                        gatewayPolicy("p", "action: ALLOW\nrules:\n- when:\n  - key: destination.port\n    values: [abc]"),
                        "when[0]"),
                invalid("AP: source.ip that is not an IP or CIDR", AP,
                        gatewayPolicy("p", "action: DENY\nrules:\n- when:\n  - key: source.ip\n    values: [not-an-ip]"),
                        "source.ip"),
                invalid("AP: ipBlocks with a bad CIDR", AP,
                        gatewayPolicy("p", "action: DENY\nrules:\n- from:\n  - source:\n      ipBlocks: [10.0.0.0/99]"),
                        "ipBlocks"),
                invalid("AP: selector and targetRefs together", AP + ": only one of targetRefs or selector",
                        gatewayPolicy("p", "targetRefs:\n- kind: Gateway\n  group: gateway.networking.k8s.io\n"
                                + "  name: egw\naction: DENY\nrules:\n- {}"), "f0.yaml:"),
                invalid("AP: a list where a string list is expected is a type error", STRICT,
                        gatewayPolicy("p", "action: DENY\nrules:\n- from:\n  - source:\n      principals: {a: b}"),
                        "principals"),
                check("AP: one invalid policy stops everything, even a valid deny beside it", "DESIGN.md: \"Fail"
                        + " closed, never wider: an invalid resource is reported with its file, line and field\"")
                        .file(gatewayPolicy("ok", "action: DENY\nrules:\n- {}"))
                        .file(policy("bad", "istio-system", "", "action: DENY")).error(URL, "f1.yaml:"),
                // ServiceEntry
                invalid("SE: typo hosst:", STRICT, se(okSpec().replace("hosts:", "hosst:")), "hosst"),
                invalid("SE: no hosts", SE + ": \"hosts: REQUIRED\"", se(okSpec().replace("hosts: [api.example.com]\n", "")),
                        "f0.yaml:"),
                invalid("SE: exportTo mixing * with a namespace", SE + "; issue 2: exportTo mixing * with names",
                        se(okSpec() + "exportTo: [\"*\", default]"), "exportTo"),
                invalid("SE: exportTo ~ not alone", SE + "; issue 2: ~ not alone",
                        se(okSpec() + "exportTo: [\"~\", default]"), "exportTo"),
                invalid("SE: wildcard host with DNS resolution and no endpoints", SE + "; issue 2",
                        se(okSpec().replace("api.example.com", "\"*.example.com\"")), "f0.yaml:"),
                invalid("SE: port 0", SE + ": port numbers 1-65535", se(okSpec().replace("number: 443", "number: 0")),
                        "f0.yaml:"),
                invalid("SE: port above 65535", SE, se(okSpec().replace("number: 443", "number: 70000")), "f0.yaml:"),
                invalid("SE: duplicate port names", SE + ": \"port names must be unique\"",
                        se(okSpec() + "").replace("resolution: DNS", "- number: 8443\n    name: tls\n    protocol: TLS\n  resolution: DNS"),
                        "f0.yaml:"),
                invalid("SE: unknown protocol", SE + ": unsupported protocol",
                        se(okSpec().replace("protocol: TLS", "protocol: HTPS")), "f0.yaml:"),
                invalid("SE: unknown resolution", SE, se(okSpec().replace("resolution: DNS", "resolution: DSN")),
                        "resolution"),
                invalid("SE: unknown location", SE, se(okSpec() + "location: MESH_EXTERNEL"), "location"),
                invalid("SE: host * alone", SE + ": a ServiceEntry host may not be \"*\"",
                        se(okSpec().replace("api.example.com", "\"*\"").replace("DNS", "NONE")), "f0.yaml:"),
                invalid("SE: host with a scheme", SE + ": hosts are DNS names",
                        se(okSpec().replace("api.example.com", "\"https://api.example.com\"")), "f0.yaml:"),
                invalid("SE: STATIC endpoint that is not an address", SE,
                        se(okSpec().replace("resolution: DNS", "resolution: STATIC\nendpoints:\n- address: not_an_ip")),
                        "f0.yaml:"),
                invalid("SE: port number as a string that is not a number", STRICT,
                        se(okSpec().replace("number: 443", "number: https")), "f0.yaml:"),
                invalid("SE: no metadata.name", "Kubernetes: metadata.name is required",
                        se(okSpec()).replace("  name: bad-se\n", "  labels: {a: b}\n"), "f0.yaml"),
                // Sidecar
                invalid("Sidecar: egress host without namespace/", NET + "; IstioEgressListener.hosts: namespace/dnsName",
                        kind("Sidecar", "egress:\n- hosts: [api.example.com]"), "hosts"),
                invalid("Sidecar: egress listener with no hosts", NET, kind("Sidecar", "egress:\n- hosts: []"),
                        "f0.yaml:"),
                invalid("Sidecar: unknown outboundTrafficPolicy mode", NET,
                        kind("Sidecar", "outboundTrafficPolicy:\n  mode: DENY_ALL"), "mode"),
                invalid("Sidecar: typo outboundTraficPolicy", STRICT,
                        kind("Sidecar", "outboundTraficPolicy:\n  mode: REGISTRY_ONLY"), "outboundTraficPolicy"),
                // DestinationRule
                invalid("DR: unknown tls mode", NET, kind("DestinationRule",
                        "host: api.example.com\ntrafficPolicy:\n  tls:\n    mode: SIMPEL"), "mode"),
                invalid("DR: subset without a name", NET, kind("DestinationRule",
                        "host: istio-egressgateway.istio-system.svc.cluster.local\nsubsets:\n- labels: {a: b}"),
                        "f0.yaml:"),
                invalid("DR: no host", NET, kind("DestinationRule", "trafficPolicy:\n  tls:\n    mode: SIMPLE"),
                        "f0.yaml:"),
                // VirtualService
                invalid("VS: no hosts (a delegate) with gateways", NET + ": a VirtualService without hosts is a"
                        + " delegate, and \"delegate virtual service must have no gateways specified\"",
                        kind("VirtualService", "gateways: [mesh]\nhttp:\n- route:\n  - destination:\n"
                        + "      host: api.example.com"), "f0.yaml:"),
                invalid("VS: typo rout:", STRICT, kind("VirtualService", "hosts: [api.example.com]\nhttp:\n- rout:\n"
                        + "  - destination:\n      host: api.example.com"), "rout"),
                invalid("VS: destination without host", NET, kind("VirtualService", "hosts: [api.example.com]\nhttp:\n"
                        + "- route:\n  - destination:\n      port:\n        number: 80"), "f0.yaml:"),
                // Gateway
                invalid("Gateway: no servers", NET, kind("Gateway", "selector:\n  istio: egressgateway"), "f0.yaml:"),
                invalid("Gateway: server without hosts", NET, kind("Gateway", "selector:\n  istio: egressgateway\n"
                        + "servers:\n- port:\n    number: 80\n    name: http\n    protocol: HTTP"), "f0.yaml:"),
                invalid("Gateway: unknown server protocol", NET, kind("Gateway", "selector:\n  istio: egressgateway\n"
                        + "servers:\n- port:\n    number: 80\n    name: http\n    protocol: HTPP\n  hosts: [\"*\"]"),
                        "f0.yaml:"));
    }

    private static final String SECURITY = "istio/istio pkg/config/security ValidateAttribute / CheckServiceAccount /"
            + " CheckEmptyValues, called from ValidateAuthorizationPolicy";

    private static String seDoc(String spec) {
        return "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n  name: d\nspec:\n" + spec.indent(2);
    }

    static Stream<Case> moreCases() {
        return Stream.of(
                invalid("AP: serviceAccounts with a wildcard", SECURITY + ": \"wildcard not allowed\"",
                        gatewayPolicy("p", "action: ALLOW\nrules:\n- from:\n  - source:\n      serviceAccounts: [\"default/*\"]"),
                        "f0.yaml:"),
                invalid("AP: serviceAccounts together with principals", AP + ": \"cannot set serviceAccounts with"
                        + " namespaces or principals\"", gatewayPolicy("p", "action: ALLOW\nrules:\n- from:\n  - source:\n"
                        + "      serviceAccounts: [default/sleep]\n      principals: [\"*\"]"), "f0.yaml:"),
                invalid("AP: when key destination.labels[...] is replaced by the selector", SECURITY,
                        gatewayPolicy("p", "action: ALLOW\nrules:\n- when:\n  - key: destination.labels[app]\n    values: [x]"),
                        "f0.yaml:"),
                invalid("AP: when key destination.namespace is replaced by metadata.namespace", SECURITY,
                        gatewayPolicy("p", "action: ALLOW\nrules:\n- when:\n  - key: destination.namespace\n    values: [x]"),
                        "f0.yaml:"),
                invalid("AP: when with an empty string value", SECURITY + ": \"empty value not allowed\"",
                        gatewayPolicy("p", "action: DENY\nrules:\n- when:\n  - key: connection.sni\n    values: [\"\"]"),
                        "f0.yaml:"),
                invalid("AP: principals with an empty string", SECURITY + ": \"empty value not allowed\"",
                        gatewayPolicy("p", "action: DENY\nrules:\n- from:\n  - source:\n      principals: [\"\"]"), "f0.yaml:"),
                invalid("AP: request.headers without [name]", SECURITY + ": \"bad key: should have format a[b]\"",
                        gatewayPolicy("p", "action: ALLOW\nrules:\n- when:\n  - key: request.headers\n    values: [x]"),
                        "f0.yaml:"),
                invalid("AP: wildcard in the selector", "istio/istio validateWorkloadSelector: \"wildcard is not supported"
                        + " in selector\"", policy("p", "istio-system", "", "selector:\n  matchLabels:\n    istio: \"egress*\"\n"
                        + "action: DENY\nrules:\n- {}"), "f0.yaml:"),
                invalid("AP: provider with a non-CUSTOM action", AP + ": \"provider must not be with non CUSTOM action\"",
                        gatewayPolicy("p", "action: DENY\nprovider:\n  name: x\nrules:\n- {}"), "f0.yaml:"),
                invalid("AP: CUSTOM with from.namespaces", AP + ": \"From.Namespaces is currently not supported with"
                        + " CUSTOM action\"", gatewayPolicy("p", "action: CUSTOM\nprovider:\n  name: x\nrules:\n- from:\n"
                        + "  - source:\n      namespaces: [default]"), "f0.yaml:"),
                invalid("AP: CUSTOM without provider", AP + ": \"provider.name must not be empty\"",
                        gatewayPolicy("p", "action: CUSTOM\nrules:\n- {}"), "f0.yaml:"),
                invalid("AP: from entry without source", AP + ": \"from.source must not be nil\"",
                        gatewayPolicy("p", "action: DENY\nrules:\n- from:\n  - {}"), "f0.yaml:"),
                invalid("AP: when with an empty key", AP + ": \"key must not be empty\"",
                        gatewayPolicy("p", "action: DENY\nrules:\n- when:\n  - key: \"\"\n    values: [x]"), "f0.yaml:"),
                invalid("SE: duplicate port numbers", SE + ": \"service entry port 443 already defined\"",
                        seDoc("hosts: [api.example.com]\nports:\n- {number: 443, name: a, protocol: TLS}\n"
                                + "- {number: 443, name: b, protocol: TLS}\nresolution: DNS"), "f0.yaml:"),
                invalid("SE: CIDR address with DNS resolution", SE + ": \"CIDR addresses are allowed only for NONE/STATIC"
                        + " resolution types\"", seDoc("hosts: [api.example.com]\naddresses: [203.0.113.0/24]\nports:\n"
                        + "- {number: 443, name: a, protocol: TLS}\nresolution: DNS"), "f0.yaml:"),
                invalid("SE: NONE resolution with endpoints", SE + ": \"no endpoints should be provided for resolution"
                        + " type none\"", seDoc("hosts: [api.example.com]\nports:\n- {number: 443, name: a, protocol: TLS}\n"
                        + "resolution: NONE\nendpoints:\n- address: 203.0.113.1"), "f0.yaml:"),
                invalid("SE: address that is not an IP", SE, seDoc("hosts: [api.example.com]\naddresses: [300.1.1.1]\n"
                        + "ports:\n- {number: 443, name: a, protocol: TLS}\nresolution: NONE"), "f0.yaml:"),
                invalid("SE: DNS_ROUND_ROBIN with two endpoints", SE + ": \"there must only be 0 or 1 endpoint for"
                        + " resolution mode DNS_ROUND_ROBIN\"", seDoc("hosts: [api.example.com]\nports:\n"
                        + "- {number: 443, name: a, protocol: TLS}\nresolution: DNS_ROUND_ROBIN\nendpoints:\n"
                        + "- address: a.example.com\n- address: b.example.com"), "f0.yaml:"),
                invalid("SE: endpoint port name the entry does not define", SE + ": \"endpoint port ... is not defined by"
                        + " the service entry\"", seDoc("hosts: [api.example.com]\nports:\n- {number: 443, name: a, protocol: TLS}\n"
                        + "resolution: DNS\nendpoints:\n- address: a.example.com\n  ports: {zz: 8443}"), "f0.yaml:"),
                invalid("SE: exportTo with an invalid namespace name", SE + " validateExportTo",
                        Yaml.seExport("a", "api.example.com", 443, "TLS", "[Bad_NS]"), "exportTo"),
                invalid("SE: exportTo with a duplicate entry", SE + ": \"duplicate entries in exportTo\"",
                        Yaml.seExport("a", "api.example.com", 443, "TLS", "[default, default]"), "exportTo"),
                invalid("Sidecar: egress host ./ without a name", NET, kind("Sidecar", "egress:\n- hosts: [\"./\"]"),
                        "f0.yaml:"),
                invalid("Sidecar: empty configuration", NET + ": \"sidecar: empty configuration provided\"",
                        kind("Sidecar", "{}"), "f0.yaml:"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource({"cases", "moreCases"})
    void conforms(Case c) throws Exception {
        c.run(dir);
    }
}
