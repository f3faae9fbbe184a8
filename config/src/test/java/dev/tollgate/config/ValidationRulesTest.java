package dev.tollgate.config;

import dev.tollgate.core.model.Diagnostic;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every validation rule, each with hostile or mistaken input, asserting the exact file, line, field path and message
 * of the error, and that nothing at all is loaded. Rules follow istio/istio pkg/config/validation (validation.go,
 * agent/validation.go) and pkg/config/security; each case names the statement it checks.
 * Each YAML body starts at line 7 of its file (the header takes lines 1-6, "spec:" is line 6).
 */
class ValidationRulesTest {
    @TempDir
    Path dir;

    record Case(String name, String rule, String kind, String body, int line, String path, String message) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static Case ap(String name, String rule, String body, int bodyLine, String path, String message) {
        return new Case(name, rule, "AuthorizationPolicy", body, bodyLine, path, message);
    }

    private static Case c(String kind, String name, String rule, String body, int bodyLine, String path, String message) {
        return new Case(name, rule, kind, body, bodyLine, path, message);
    }

    static String document(String kind, String body) {
        String api = kind.equals("AuthorizationPolicy") ? "security.istio.io/v1" : "networking.istio.io/v1";
        return "apiVersion: " + api + "\nkind: " + kind + "\nmetadata:\n  name: subject\n  namespace: ns\nspec:\n"
                + body.stripTrailing().indent(2);
    }

    static Stream<Case> cases() {
        return Stream.of(
                // AuthorizationPolicy
                ap("denyWithoutRules", "DENY action without `rules` is meaningless", "action: DENY", 1,
                        "spec.action", "DENY action without `rules`"),
                ap("auditWithoutRules", "AUDIT without rules never triggers (brief: DENY/AUDIT/CUSTOM)", "action: AUDIT",
                        1, "spec.action", "AUDIT action without `rules`"),
                ap("customWithoutRules", "CUSTOM action without `rules` is meaningless",
                        "action: CUSTOM\nprovider:\n  name: ext", 1, "spec.action", "CUSTOM action without `rules`"),
                ap("customWithoutProvider", "`provider.name` must not be empty", "action: CUSTOM\nrules:\n- {}", 1,
                        "spec.action", "`provider.name` must not be empty"),
                ap("providerWithAllow", "`provider` must not be with non CUSTOM action",
                        "action: ALLOW\nprovider:\n  name: ext\nrules:\n- {}", 2, "spec.provider",
                        "must not be with non CUSTOM action"),
                ap("emptyFromList", "`from` must not be empty", "rules:\n- from: []", 2, "spec.rules[0].from",
                        "`from` must not be empty"),
                ap("emptyToList", "`to` must not be empty", "rules:\n- to: []", 2, "spec.rules[0].to",
                        "`to` must not be empty"),
                ap("emptyWhenList", "an empty `when` list is no condition at all", "rules:\n- when: []", 2,
                        "spec.rules[0].when", "`when` must not be empty"),
                ap("fromWithoutSource", "`from.source` must not be nil", "rules:\n- from:\n  - {}", 3,
                        "spec.rules[0].from[0]", "`from.source` must not be nil"),
                ap("emptySource", "`from.source` must not be empty", "rules:\n- from:\n  - source: {}", 3,
                        "spec.rules[0].from[0].source", "`from.source` must not be empty"),
                ap("emptyOperation", "`to.operation` must not be empty", "rules:\n- to:\n  - operation: {}", 3,
                        "spec.rules[0].to[0].operation", "`to.operation` must not be empty"),
                ap("unknownWhenKey", "Authorization Policy Conditions: unknown keys are rejected",
                        "rules:\n- when:\n  - key: request.sni\n    values: [a.example.com]", 3,
                        "spec.rules[0].when[0].key", "unknown attribute: request.sni"),
                ap("misspelledWhenKey", "issue 10: an unknown key gets a suggestion, as an unknown field does",
                        "rules:\n- when:\n  - key: source.namspace\n    values: [default]", 3,
                        "spec.rules[0].when[0].key",
                        "unknown attribute: source.namspace (did you mean \"source.namespace\"?)"),
                ap("misspelledNamedWhenKey", "issue 10: request.header[...] is request.headers[...]",
                        "rules:\n- when:\n  - key: request.header[x-user]\n    values: [a]", 3,
                        "spec.rules[0].when[0].key",
                        "unknown attribute: request.header[x-user] (did you mean \"request.headers\"?)"),
                ap("headerKeyWithoutBrackets", "request.headers: the header name is surrounded by []",
                        "rules:\n- when:\n  - key: request.headers\n    values: [x]", 3,
                        "spec.rules[0].when[0].key", "should have format a[b]"),
                ap("destinationLabelsKey", "destination.labels is replaced by the workload selector",
                        "rules:\n- when:\n  - key: destination.labels[app]\n    values: [x]", 3,
                        "spec.rules[0].when[0].key", "replaced by the workload selector"),
                ap("whenWithoutValues", "at least one of `values` or `notValues` must be set",
                        "rules:\n- when:\n  - key: connection.sni", 3, "spec.rules[0].when[0]",
                        "at least one of `values` or `notValues`"),
                ap("whenWithEmptyValues", "values and notValues both empty",
                        "rules:\n- when:\n  - key: connection.sni\n    values: []\n    notValues: []", 3,
                        "spec.rules[0].when[0]", "at least one of `values` or `notValues`"),
                ap("portNotNumeric", "ports must be numbers (security.ValidatePorts)",
                        "rules:\n- to:\n  - operation:\n      ports: [\"http\"]", 4,
                        "spec.rules[0].to[0].operation.ports[0]", "bad port (http)"),
                ap("notPortOutOfRange", "ports are in 0..65535",
                        "rules:\n- to:\n  - operation:\n      notPorts: [\"65536\"]", 4,
                        "spec.rules[0].to[0].operation.notPorts[0]", "bad port (65536)"),
                ap("destinationPortOutOfRange", "destination.port must be in the range [0, 65535]",
                        "rules:\n- when:\n  - key: destination.port\n    values: [\"70000\"]", 4,
                        "spec.rules[0].when[0].values[0]", "bad port (70000)"),
                ap("badCidr", "ipBlocks: single IP or CIDR", "rules:\n- from:\n  - source:\n      ipBlocks: [\"10.0.0.0/33\"]",
                        4, "spec.rules[0].from[0].source.ipBlocks[0]", "bad CIDR range (10.0.0.0/33)"),
                ap("badSourceIpCondition", "source.ip supports single IP or CIDR",
                        "rules:\n- when:\n  - key: source.ip\n    values: [\"not-an-ip\"]", 4,
                        "spec.rules[0].when[0].values[0]", "bad IP address or CIDR (not-an-ip)"),
                ap("emptyPrincipal", "empty value not allowed", "rules:\n- from:\n  - source:\n      principals: [\"\"]",
                        4, "spec.rules[0].from[0].source.principals[0]", "empty value not allowed"),
                ap("spiffePrincipal", "principals are written <trust-domain>/ns/<ns>/sa/<sa>, without spiffe://",
                        "action: DENY\nrules:\n- from:\n  - source:\n      principals: [\"spiffe://cluster.local/ns/a/sa/b\"]",
                        5, "spec.rules[0].from[0].source.principals[0]", "without the spiffe:// prefix"),
                ap("serviceAccountsWithPrincipals", "Cannot set serviceAccounts with namespaces or principals",
                        "rules:\n- from:\n  - source:\n      serviceAccounts: [\"a/b\"]\n      principals: [\"x\"]", 4,
                        "spec.rules[0].from[0].source.serviceAccounts", "Cannot set serviceAccounts"),
                ap("wildcardServiceAccount", "serviceAccounts: no form of wildcard (*) is allowed",
                        "rules:\n- from:\n  - source:\n      serviceAccounts: [\"ns/*\"]", 4,
                        "spec.rules[0].from[0].source.serviceAccounts[0]", "no form of wildcard"),
                ap("wildcardServiceAccountCondition", "CheckServiceAccount: wildcard not allowed in source.serviceAccount",
                        "rules:\n- when:\n  - key: source.serviceAccount\n    values: [\"default/*\"]", 4,
                        "spec.rules[0].when[0].values[0]", "no form of wildcard"),
                ap("badServiceAccountCondition", "CheckServiceAccount: 'serviceAccount' or 'namespace/serviceAccount'",
                        "rules:\n- when:\n  - key: source.serviceAccount\n    notValues: [\"a/b/c\"]", 4,
                        "spec.rules[0].when[0].notValues[0]", "<namespace>/<serviceaccount>"),
                ap("pathTemplateMatchAnyNotLast", "CheckValidPathTemplate: {**} is not the last operator",
                        "rules:\n- to:\n  - operation:\n      paths: [\"/{**}/{*}\"]", 4,
                        "spec.rules[0].to[0].operation.paths[0]", "{**} is not the last operator"),
                ap("pathTemplateOtherBraces", "CheckValidPathTemplate: '{' or '}' beyond a supported path template",
                        "rules:\n- to:\n  - operation:\n      notPaths: [\"/api/{version}\"]", 4,
                        "spec.rules[0].to[0].operation.notPaths[0]", "beyond a supported path template"),
                ap("pathTemplateBadLiteral", "CheckValidPathTemplate: segments beside a template are pchar literals",
                        "rules:\n- to:\n  - operation:\n      paths: [\"/api/{*}/a b\"]", 4,
                        "spec.rules[0].to[0].operation.paths[0]", "invalid string literal"),
                ap("selectorWithTargetRef", "only one of targetRefs or selector can be set",
                        "selector:\n  matchLabels:\n    app: a\ntargetRef:\n  kind: Service\n  name: s", 4,
                        "spec.targetRef", "only one of selector, targetRef or targetRefs"),
                ap("selectorWildcard", "wildcard is not supported in selector",
                        "selector:\n  matchLabels:\n    app: \"*\"", 3, "spec.selector.matchLabels.app",
                        "wildcard is not supported"),
                ap("targetRefToDeployment", "targetRef must be to Service, ServiceEntry or Gateway",
                        "targetRef:\n  kind: Deployment\n  name: d", 1, "spec.targetRef", "targetRef must be to"),
                // ServiceEntry
                c("ServiceEntry", "seWithoutHosts", "service entry must have at least one host",
                        "ports:\n- number: 80\n  name: http\n  protocol: HTTP", 0, "spec", "at least one host"),
                c("ServiceEntry", "seNonAsciiHost", "issue 7: host names are ASCII (IDNs in their xn-- form)",
                        "hosts: [\"\u212Aey.example.com\"]\nresolution: DNS\nports:\n- number: 443\n  name: tls\n"
                                + "  protocol: TLS", 1, "spec.hosts[0]", "host \"\\u212Aey.example.com\" is not ASCII;"
                                + " Tollgate accepts only ASCII host names (write IDNs in their xn-- form)"),
                ap("apNonAsciiHost", "issue 7: host names are ASCII; AuthorizationPolicy hosts fold ASCII only",
                        "rules:\n- to:\n  - operation:\n      hosts: [a.example.com, \"\u212Aey.example.com\"]", 4,
                        "spec.rules[0].to[0].operation.hosts[1]", "host \"\\u212Aey.example.com\" is not ASCII;"
                                + " Tollgate accepts only ASCII host names (write IDNs in their xn-- form)"),
                ap("apNonAsciiNotHost", "issue 7: host names are ASCII; AuthorizationPolicy notHosts fold ASCII only",
                        "action: DENY\nrules:\n- to:\n  - operation:\n      notHosts:\n"
                                + "      - \"\u0130stio.example.com:443\"",
                        6, "spec.rules[0].to[0].operation.notHosts[0]",
                        "host \"\\u0130stio.example.com:443\" is not ASCII"),
                c("VirtualService", "vsNonAsciiHost", "issue 7: host names are ASCII (IDNs in their xn-- form)",
                        "hosts: [\"\u0130stio.example.com\"]\nhttp:\n- route:\n  - destination: {host: a.example.com}",
                        1, "spec.hosts[0]", "host \"\\u0130stio.example.com\" is not ASCII"),
                c("ServiceEntry", "seStarHost", "full wildcard is not allowed in the service entry",
                        "hosts: [\"*\"]", 1, "spec.hosts[0]", "invalid host *"),
                c("ServiceEntry", "seWildcardDnsWithoutEndpoints", "hosts must be FQDN if no endpoints are provided",
                        "hosts: [\"*.example.com\"]\nresolution: DNS\nports:\n- number: 443\n  name: tls\n  protocol: TLS",
                        1, "spec.hosts[0]", "hosts must be FQDN if no endpoints are provided for resolution mode DNS"),
                c("ServiceEntry", "sePortZero", "port number must be in the range 1..65535",
                        "hosts: [a.example.com]\nports:\n- number: 0\n  name: http\n  protocol: HTTP", 3,
                        "spec.ports[0].number", "port number 0 must be in the range 1..65535"),
                c("ServiceEntry", "sePortTooLarge", "port number must be in the range 1..65535",
                        "hosts: [a.example.com]\nports:\n- number: 65536\n  name: http\n  protocol: HTTP", 3,
                        "spec.ports[0].number", "port number 65536"),
                c("ServiceEntry", "seDuplicatePortName", "service entry port name already defined",
                        "hosts: [a.example.com]\nports:\n- number: 80\n  name: http\n  protocol: HTTP\n"
                                + "- number: 8080\n  name: http\n  protocol: HTTP", 7, "spec.ports[1].name",
                        "port name \"http\" already defined"),
                c("ServiceEntry", "seDuplicatePortNumber", "service entry port already defined",
                        "hosts: [a.example.com]\nports:\n- number: 80\n  name: http\n  protocol: HTTP\n"
                                + "- number: 80\n  name: http-alt\n  protocol: HTTP", 6, "spec.ports[1].number",
                        "port 80 already defined"),
                c("ServiceEntry", "seUnknownProtocol", "unsupported protocol",
                        "hosts: [a.example.com]\nports:\n- number: 80\n  name: http\n  protocol: HTTQ", 5,
                        "spec.ports[0].protocol", "unsupported protocol: HTTQ"),
                // hostile: "HTTPſ".toUpperCase() is "HTTPS"; Istio's protocol.Parse lower-cases, so it is no protocol
                c("ServiceEntry", "seLongSProtocol", "unsupported protocol",
                        "hosts: [a.example.com]\nports:\n- number: 80\n  name: http\n  protocol: HTTPſ", 5,
                        "spec.ports[0].protocol", "unsupported protocol: HTTPſ"),
                c("Gateway", "gwLongSProtocol", "invalid protocol",
                        "servers:\n- port:\n    number: 443\n    name: https\n    protocol: HTTPſ\n  hosts: [\"*/a.example.com\"]"
                                + "\n  tls: {mode: PASSTHROUGH}", 5, "spec.servers[0].port.protocol",
                        "invalid protocol \"HTTPſ\""),
                c("ServiceEntry", "seBadPortName", "port names are DNS-1123 labels",
                        "hosts: [a.example.com]\nports:\n- number: 80\n  name: http_1\n  protocol: HTTP", 4,
                        "spec.ports[0].name", "invalid port name"),
                c("ServiceEntry", "exportToMixesStar", "cannot have both public (*) and non-public exportTo values",
                        "hosts: [a.example.com]\nexportTo: [\"*\", \"default\"]", 2, "spec.exportTo",
                        "cannot have both public (*)"),
                c("ServiceEntry", "exportToTildeNotAlone", "cannot export service entry to no one (~) and someone",
                        "hosts: [a.example.com]\nexportTo: [\"~\", \"default\"]", 2, "spec.exportTo",
                        "no one (~) and someone"),
                c("ServiceEntry", "exportToInvalidNamespace", "only ., *, ~ or a DNS-1123 label",
                        "hosts: [a.example.com]\nexportTo: [\"Not_A_Namespace\"]", 2, "spec.exportTo[0]",
                        "exportTo entry \"Not_A_Namespace\" is invalid"),
                c("ServiceEntry", "exportToDotAndOwnNamespace", "duplicate entries in exportTo: . and current namespace",
                        "hosts: [a.example.com]\nexportTo: [\".\", \"ns\"]", 2, "spec.exportTo[1]",
                        "duplicate entries in exportTo for entry ns"),
                c("ServiceEntry", "seStaticEndpointHostname", "STATIC endpoints must be IP addresses",
                        "hosts: [a.example.com]\nresolution: STATIC\nports:\n- number: 80\n  name: http\n  protocol: HTTP\n"
                                + "endpoints:\n- address: foo.example.com", 8, "spec.endpoints[0].address",
                        "is not a valid IP address"),
                c("ServiceEntry", "seNoneWithEndpoints", "no endpoints should be provided for resolution type none",
                        "hosts: [a.example.com]\nresolution: NONE\nendpoints:\n- address: 10.0.0.1", 3, "spec.endpoints",
                        "no endpoints should be provided"),
                c("ServiceEntry", "seSelectorWithEndpoints", "only one of WorkloadSelector or Endpoints is allowed",
                        "hosts: [a.example.com]\nresolution: STATIC\nworkloadSelector:\n  labels:\n    app: a\n"
                                + "endpoints:\n- address: 10.0.0.1", 6, "spec.endpoints", "only one of workloadSelector or endpoints"),
                c("ServiceEntry", "seCidrWithDns", "CIDR addresses are allowed only for NONE/STATIC resolution types",
                        "hosts: [a.example.com]\naddresses: [\"10.0.0.0/8\"]\nresolution: DNS", 3, "spec.resolution",
                        "CIDR addresses are allowed only"),
                c("ServiceEntry", "seMultipleHostsTcp", "multiple hosts provided with non-HTTP, non-TLS ports",
                        "hosts: [a.example.com, b.example.com]\nresolution: DNS\nports:\n- number: 5432\n  name: tcp\n  protocol: TCP",
                        4, "spec.ports[0]", "multiple hosts provided with non-HTTP, non-TLS ports"),
                c("ServiceEntry", "seEndpointPortUndefined", "endpoint port is not defined by the service entry",
                        "hosts: [a.example.com]\nresolution: STATIC\nports:\n- number: 80\n  name: http\n  protocol: HTTP\n"
                                + "endpoints:\n- address: 10.0.0.1\n  ports:\n    https: 8443", 10,
                        "spec.endpoints[0].ports.https", "endpoint port https is not defined"),
                // Gateway
                c("Gateway", "gwWithoutServers", "gateway must have at least one server",
                        "selector:\n  istio: egressgateway", 0, "spec", "at least one server"),
                c("Gateway", "gwServerWithoutPort", "port is required",
                        "servers:\n- hosts: [\"*/a.example.com\"]", 2, "spec.servers[0]", "port is required"),
                c("Gateway", "gwServerWithoutHosts", "server config must contain at least one host",
                        "servers:\n- port:\n    number: 80\n    name: http\n    protocol: HTTP", 2, "spec.servers[0]",
                        "at least one host"),
                c("Gateway", "gwHostBadNamespace", "host namespace must be *, . or a DNS label",
                        "servers:\n- port:\n    number: 80\n    name: http\n    protocol: HTTP\n  hosts: [\"Bad_NS/a.example.com\"]",
                        6, "spec.servers[0].hosts[0]", "invalid namespace value \"Bad_NS\" in gateway"),
                c("Gateway", "gwShortHostName", "short names (non FQDN) are not allowed",
                        "servers:\n- port:\n    number: 80\n    name: http\n    protocol: HTTP\n  hosts: [\"ns/foo\"]",
                        6, "spec.servers[0].hosts[0]", "short names"),
                c("Gateway", "gwHttpsWithoutTls", "server must have TLS settings for HTTPS/TLS protocols",
                        "servers:\n- port:\n    number: 443\n    name: https\n    protocol: HTTPS\n  hosts: [\"*/a.example.com\"]",
                        2, "spec.servers[0]", "must have TLS settings"),
                c("Gateway", "gwSimpleWithoutCertificate", "SIMPLE TLS requires a server certificate",
                        "servers:\n- port:\n    number: 443\n    name: https\n    protocol: HTTPS\n  hosts: [\"*/a.example.com\"]\n"
                                + "  tls:\n    mode: SIMPLE", 7, "spec.servers[0].tls", "SIMPLE TLS requires a server certificate"),
                c("Gateway", "gwIstioMutualWithCertificate", "ISTIO_MUTUAL TLS cannot have associated server certificate",
                        "servers:\n- port:\n    number: 443\n    name: https\n    protocol: HTTPS\n  hosts: [\"*/a.example.com\"]\n"
                                + "  tls:\n    mode: ISTIO_MUTUAL\n    serverCertificate: /etc/cert.pem", 9,
                        "spec.servers[0].tls.serverCertificate", "ISTIO_MUTUAL TLS cannot have associated serverCertificate"),
                c("Gateway", "gwPortWithoutName", "port name must be set",
                        "servers:\n- port:\n    number: 80\n    protocol: HTTP\n  hosts: [\"*/a.example.com\"]", 2,
                        "spec.servers[0].port", "port name must be set"),
                c("Gateway", "gwDuplicatePortName", "port names in servers must be unique",
                        "servers:\n- port:\n    number: 80\n    name: web\n    protocol: HTTP\n  hosts: [\"*/a.example.com\"]\n"
                                + "- port:\n    number: 8080\n    name: web\n    protocol: HTTP\n  hosts: [\"*/b.example.com\"]",
                        9, "spec.servers[1].port.name", "port names in servers must be unique"),
                c("Gateway", "gwTlsOnTcpPort", "server cannot have TLS settings for non HTTPS/TLS ports",
                        "servers:\n- port:\n    number: 5432\n    name: pg\n    protocol: TCP\n  hosts: [\"*/a.example.com\"]\n"
                                + "  tls:\n    mode: ISTIO_MUTUAL", 7, "spec.servers[0].tls", "non HTTPS/TLS ports"),
                // VirtualService
                c("VirtualService", "vsWithoutRoutes", "http, tcp or tls must be provided in virtual service",
                        "hosts: [a.example.com]", 0, "spec", "http, tcp or tls must be provided"),
                c("VirtualService", "vsHttpWithoutDestination", "HTTP route, redirect or direct response is required",
                        "hosts: [a.example.com]\nhttp:\n- match:\n  - port: 80", 3, "spec.http[0]",
                        "HTTP route, redirect, direct response or delegate is required"),
                c("VirtualService", "vsRouteWithoutDestination", "destination is required",
                        "hosts: [a.example.com]\nhttp:\n- route:\n  - weight: 100", 4, "spec.http[0].route[0]",
                        "destination is required"),
                c("VirtualService", "vsBadGatewayName", "namespace and name must be DNS labels",
                        "hosts: [a.example.com]\ngateways: [\"istio-system/bad.gw\"]\ntcp:\n- route:\n  - destination:\n      host: a.example.com",
                        2, "spec.gateways[0]", "invalid value for gateway name"),
                c("VirtualService", "vsZeroTotalWeight", "total destination weight = 0",
                        "hosts: [a.example.com]\nhttp:\n- route:\n  - destination:\n      host: a.example.com\n    weight: 0\n"
                                + "  - destination:\n      host: b.example.com\n    weight: 0", 4, "spec.http[0].route[0]",
                        "total destination weight = 0"),
                c("VirtualService", "vsNegativeWeight", "weight < 0",
                        "hosts: [a.example.com]\ntcp:\n- route:\n  - destination:\n      host: a.example.com\n    weight: -1",
                        6, "spec.tcp[0].route[0].weight", "weight -1 < 0"),
                c("VirtualService", "vsMeshStarHost", "wildcard host * is not allowed for virtual services bound to the mesh",
                        "hosts: [\"*\"]\ntcp:\n- route:\n  - destination:\n      host: a.example.com", 1, "spec.hosts[0]",
                        "wildcard host * is not allowed"),
                c("VirtualService", "vsSniNotSubsetOfHosts", "SNI host is not a compatible subset of any of the virtual service hosts",
                        "hosts: [a.example.com]\ntls:\n- match:\n  - sniHosts: [b.example.com]\n  route:\n  - destination:\n      host: a.example.com",
                        4, "spec.tls[0].match[0].sniHosts[0]", "not a compatible subset"),
                c("VirtualService", "vsTcpWithoutRoute", "TCP route is required",
                        "hosts: [a.example.com]\ntcp:\n- match:\n  - port: 443", 3, "spec.tcp[0]", "TCP route is required"),
                c("VirtualService", "vsBadSubsetName", "subset name is invalid",
                        "hosts: [a.example.com]\ntcp:\n- route:\n  - destination:\n      host: a.example.com\n      subset: Bad_Subset",
                        6, "spec.tcp[0].route[0].destination.subset", "subset name is invalid"),
                c("VirtualService", "vsMatchPortOutOfRange", "port number must be in the range 1..65535",
                        "hosts: [a.example.com]\nhttp:\n- match:\n  - port: 70000\n  route:\n  - destination:\n      host: a.example.com",
                        4, "spec.http[0].match[0].port", "port number 70000"),
                c("VirtualService", "vsRouteAndRedirect", "HTTP route cannot contain both route and redirect",
                        "hosts: [a.example.com]\nhttp:\n- redirect:\n    uri: /b\n  route:\n  - destination:\n      host: a.example.com",
                        3, "spec.http[0]", "cannot contain both route and redirect"),
                c("VirtualService", "vsBadHeaderName", "header name is not a valid header name",
                        "hosts: [a.example.com]\nhttp:\n- match:\n  - headers:\n      \"x y\":\n        exact: v\n"
                                + "  route:\n  - destination:\n      host: a.example.com", 5, "spec.http[0].match[0].headers.x y",
                        "not a valid header name"),
                c("VirtualService", "vsBadSourceNamespace", "sourceNamespace match is invalid",
                        "hosts: [a.example.com]\nhttp:\n- match:\n  - sourceNamespace: Bad_NS\n  route:\n  - destination:\n      host: a.example.com",
                        4, "spec.http[0].match[0].sourceNamespace", "sourceNamespace match Bad_NS is invalid"),
                c("VirtualService", "vsEmptyRewrite", "rewrite must specify at least one of URI, UriRegexRewrite, or authority",
                        "hosts: [a.example.com]\nhttp:\n- rewrite: {}\n  route:\n  - destination:\n      host: a.example.com",
                        3, "spec.http[0].rewrite", "rewrite must specify"),
                c("VirtualService", "vsRetryWithZeroAttempts", "http retry policy configured when attempts are set to 0",
                        "hosts: [a.example.com]\nhttp:\n- retries:\n    attempts: 0\n    perTryTimeout: 2s\n"
                                + "  route:\n  - destination:\n      host: a.example.com", 3, "spec.http[0].retries",
                        "attempts are set to 0"),
                c("VirtualService", "vsRemoveHostHeader", "cannot set Host header",
                        "hosts: [a.example.com]\nhttp:\n- headers:\n    request:\n      remove: [Host]\n"
                                + "  route:\n  - destination:\n      host: a.example.com", 5,
                        "spec.http[0].headers.request.remove[0]", "cannot set Host header"),
                c("VirtualService", "vsMirrorPercentageAbove100", "mirror_percentage must have a max value of 100",
                        "hosts: [a.example.com]\nhttp:\n- mirror:\n    host: b.example.com\n  mirrorPercentage:\n    value: 150\n"
                                + "  route:\n  - destination:\n      host: a.example.com", 6, "spec.http[0].mirrorPercentage.value",
                        "must be in 0..100"),
                c("VirtualService", "vsTimeoutWithoutUnit", "durations are like 10s or 100ms (ValidateDuration)",
                        "hosts: [a.example.com]\nhttp:\n- timeout: \"10\"\n  route:\n  - destination:\n      host: a.example.com",
                        3, "spec.http[0].timeout", "invalid duration \"10\""),
                c("VirtualService", "vsTimeoutBelowOneMillisecond", "duration must be greater than 1ms",
                        "hosts: [a.example.com]\nhttp:\n- timeout: 500us\n  route:\n  - destination:\n      host: a.example.com",
                        3, "spec.http[0].timeout", "at least 1ms"),
                // DestinationRule
                c("DestinationRule", "drWithoutHost", "host is required", "subsets:\n- name: a", 0, "spec", "host is required"),
                c("DestinationRule", "drSelectorExportedElsewhere", "destination rule with workload selector cannot "
                        + "have exportTo beyond current namespace", "host: a.example.com\nworkloadSelector: {matchLabels: "
                        + "{app: a}}\nexportTo: [other]", 3, "spec.exportTo", "cannot have exportTo beyond current namespace"),
                c("DestinationRule", "drSelectorExportedTwice", "destination rule with workload selector cannot have "
                        + "multiple entries in exportTo", "host: a.example.com\nworkloadSelector: {matchLabels: {app: a}}"
                        + "\nexportTo: [\".\", other]", 3, "spec.exportTo", "cannot have multiple entries in exportTo"),
                c("DestinationRule", "drDuplicateSubset", "duplicate subset names",
                        "host: a.example.com\nsubsets:\n- name: a\n- name: a", 4, "spec.subsets[1].name", "duplicate subset names: a"),
                c("DestinationRule", "drSubsetWithoutName", "subset name cannot be empty",
                        "host: a.example.com\nsubsets:\n- labels:\n    version: one", 3, "spec.subsets[0]",
                        "subset name cannot be empty"),
                c("DestinationRule", "drMutualWithoutCertificate", "client certificate required for mutual tls",
                        "host: a.example.com\ntrafficPolicy:\n  tls:\n    mode: MUTUAL", 3, "spec.trafficPolicy.tls",
                        "client certificate required for mutual tls"),
                c("DestinationRule", "drEmptyTrafficPolicy", "traffic policy must have at least one field",
                        "host: a.example.com\ntrafficPolicy: {}", 2, "spec.trafficPolicy", "at least one field"),
                c("DestinationRule", "drPortLevelWithoutPort", "portTrafficPolicy must have valid port",
                        "host: a.example.com\ntrafficPolicy:\n  portLevelSettings:\n  - tls:\n      mode: SIMPLE", 4,
                        "spec.trafficPolicy.portLevelSettings[0]", "portTrafficPolicy must have valid port"),
                c("DestinationRule", "drTlsModeTypo", "tls.mode is one of DISABLE, SIMPLE, MUTUAL, ISTIO_MUTUAL",
                        "host: a.example.com\ntrafficPolicy:\n  tls:\n    mode: ISTIO_MUTUALL", 4,
                        "spec.trafficPolicy.tls.mode", "unsupported value \"ISTIO_MUTUALL\""),
                c("DestinationRule", "drConnectTimeoutSubMillisecond", "only durations to ms precision are supported",
                        "host: a.example.com\ntrafficPolicy:\n  connectionPool:\n    tcp:\n      connectTimeout: 1.5005s", 5,
                        "spec.trafficPolicy.connectionPool.tcp.connectTimeout", "ms precision"),
                // Sidecar
                c("Sidecar", "sidecarEmpty", "sidecar: empty configuration provided",
                        "workloadSelector:\n  labels:\n    app: a", 0, "spec", "empty configuration provided"),
                c("Sidecar", "sidecarHostWithoutNamespace", "egress hosts are namespace/dnsName",
                        "egress:\n- hosts: [\"a.example.com\"]", 2, "spec.egress[0].hosts[0]",
                        "must be of form namespace/dnsName"),
                c("Sidecar", "sidecarEgressWithoutHosts", "egress listener must contain at least one host",
                        "egress:\n- port:\n    number: 80\n    name: http\n    protocol: HTTP", 2, "spec.egress[0]",
                        "egress listener must contain at least one host"),
                c("Sidecar", "sidecarCatchAllNotLast", "the egress listener with empty port should be the last",
                        "egress:\n- hosts: [\"./*\"]\n- port:\n    number: 80\n    name: http\n    protocol: HTTP\n  hosts: [\"*/*\"]",
                        2, "spec.egress[0]", "should be the last listener"),
                c("Sidecar", "sidecarEgressProxyWithRegistryOnly", "egress_proxy must be set only with ALLOW_ANY",
                        "outboundTrafficPolicy:\n  mode: REGISTRY_ONLY\n  egressProxy:\n    host: proxy.example.com\n    port:\n      number: 3128",
                        3, "spec.outboundTrafficPolicy.egressProxy", "only with ALLOW_ANY"),
                c("Sidecar", "sidecarPortZeroWithoutUnixBind", "ports with 0 value must have a unix domain socket bind",
                        "egress:\n- port:\n    number: 0\n    name: uds\n    protocol: HTTP\n  hosts: [\"*/*\"]", 2,
                        "spec.egress[0].port", "unix domain socket"),
                c("Sidecar", "sidecarPartialWildcard", "partial wildcard not allowed",
                        "egress:\n- hosts: [\"ns/foo*.example.com\"]", 2, "spec.egress[0].hosts[0]", "invalid")
        );
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void invalidResourceIsReportedAtItsFieldAndNothingLoads(Case c) {
        Path file = Fixtures.write(dir, c.name() + ".yaml", document(c.kind(), c.body()));
        LoadResult r = Fixtures.load(file);
        assertThat(r.ok()).as("%s must be rejected (%s)", c.name(), c.rule()).isFalse();
        assertThat(r.config()).isEmpty();
        assertThat(r.errors()).as(Fixtures.dump(r.diagnostics())).anySatisfy(d -> {
            assertThat(d.severity()).isEqualTo(Diagnostic.Severity.ERROR);
            assertThat(d.origin().source()).isEqualTo(file.toString());
            assertThat(d.origin().line()).isEqualTo(6 + c.line());
            assertThat(d.fieldPath()).isEqualTo(c.path());
            assertThat(d.message()).contains(c.message());
            assertThat(d.resource()).hasValueSatisfying(k -> {
                assertThat(k.kind().kubernetesName()).isEqualTo(c.kind());
                assertThat(k.namespace()).isEqualTo("ns");
                assertThat(k.name()).isEqualTo("subject");
            });
        });
    }

    static Stream<org.junit.jupiter.api.Named<String>> validPolicies() {
        return Stream.of(
                org.junit.jupiter.api.Named.of("source.serviceAccount condition (Istio 1.25+, COND page)",
                        "rules:\n- when:\n  - key: source.serviceAccount\n    values: [default/sleep, sleep]"),
                org.junit.jupiter.api.Named.of("source.trustDomains (Istio 1.25+ Source.trustDomains)",
                        "rules:\n- from:\n  - source:\n      trustDomains: [cluster.local]\n      notTrustDomains: [old]"),
                org.junit.jupiter.api.Named.of("path templates {*} and {**} last",
                        "rules:\n- to:\n  - operation:\n      paths: [\"/api/{*}/users/{**}\", \"/{*}/x\", \"/a/*\"]"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("validPolicies")
    void validPolicyLoads(String body) {
        LoadResult r = Fixtures.load(Fixtures.write(dir, "valid.yaml", document("AuthorizationPolicy", body)));
        assertThat(r.ok()).as(Fixtures.dump(r.diagnostics())).isTrue();
        assertThat(r.config().orElseThrow().authorizationPolicies()).hasSize(1);
    }
}
