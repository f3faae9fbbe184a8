package dev.tollgate.cli.conformance;

import dev.tollgate.cli.conformance.Conformance.Case;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.stream.Stream;

import static dev.tollgate.cli.conformance.Conformance.check;
import static dev.tollgate.cli.conformance.Yaml.egressHttp;
import static dev.tollgate.cli.conformance.Yaml.gatewayPolicy;
import static dev.tollgate.cli.conformance.Yaml.policy;

/**
 * AuthorizationPolicy at the egress gateway, HTTP variant (the gateway sees the HTTP request: sidecar -> mTLS ->
 * gateway port 80 -> TLS origination), as in istio.io "Egress Gateways with TLS Origination".
 */
class GatewayAuthzHttpTest {
    static final String ORDER = "AuthorizationPolicy: \"1. If there are any CUSTOM policies that match the request,"
            + " evaluate and deny the request if the evaluation result is deny. 2. If there are any DENY policies that"
            + " match the request, deny the request. 3. If there are no ALLOW policies for the workload, allow the"
            + " request. 4. If any of the ALLOW policies match the request, allow the request. 5. Deny the request.\""
            + " (istio.io/latest/docs/reference/config/security/authorization-policy/)";
    static final String ALLOW_NOTHING = "AuthorizationPolicy: \"The following example shows how to set up a policy"
            + " [spec: {}] ... allow-nothing ... the policy doesn't match anything\"; \"rules: - {}\" is allow-all"
            + " (istio.io/latest/docs/reference/config/security/authorization-policy/)";
    static final String TARGET = "AuthorizationPolicy: \"Policy Target: ... root namespace ... applies to all workloads"
            + " in the mesh ... in other namespaces, applies to workloads in the same namespace\"; selector \"The"
            + " selector decides where to apply the authorization policy\"";
    static final String SOURCE = "Source: \"principals: A list of peer identities derived from the peer certificate."
            + " The peer identity is in the format of <TRUST_DOMAIN>/ns/<NAMESPACE>/sa/<SERVICE_ACCOUNT>\"; namespaces,"
            + " notNamespaces, notPrincipals; exact, prefix *, suffix * and presence * matching"
            + " (istio.io/latest/docs/reference/config/security/authorization-policy/#Source)";
    static final String OPERATION = "Operation: hosts (\"the match is case-insensitive\"), ports, methods, paths and"
            + " their not* forms (istio.io/latest/docs/reference/config/security/authorization-policy/#Operation)";
    static final String DRY_RUN = "\"istio.io/dry-run\" annotation: \"dry-run the policy without actually enforcing"
            + " it\" (istio.io/latest/docs/tasks/security/authorization/authz-dry-run/)";
    static final String AUDIT = "AUDIT: \"AUDIT policies do not affect whether requests are allowed or denied to the"
            + " workload\"";
    static final String CUSTOM = "issue 2 section 3: CUSTOM loads with a warning that it is unsupported, and denies"
            + " traffic to the workloads it selects (fail closed)";
    static final String ID = "DESIGN.md: policy ids in Envoy's form ns[<ns>]-policy[<name>]-rule[<index>]; null when no"
            + " single rule decided";

    static final String URL = "http://api.example.com/api/v1";
    static final String SELF = "cluster.local/ns/default/sa/sleep";

    @TempDir
    Path dir;

    private static Case gw(String name, String doc) {
        return check(name, doc).file("istio-system", egressHttp("api.example.com")).registryOnly();
    }

    private static String id(String name, int rule) {
        return "ns[istio-system]-policy[" + name + "]-rule[" + rule + "]";
    }

    static String allowWhen(String ruleBody) {
        return "action: ALLOW\nrules:\n" + ruleBody;
    }

    static Stream<Case> cases() {
        return Stream.of(
                gw("no policy: allowed through the gateway", ORDER).allowed(URL).outContains("gateway"),
                gw("allow-nothing (spec: {}) in the root namespace denies, policy null", ALLOW_NOTHING + "; " + ID)
                        .file(policy("allow-nothing", "istio-system", "", "{}")).denied(URL).policy(null)
                        .outContains("allow-nothing"),
                gw("allow-all (rules: [{}]) allows, by rule[0]", ALLOW_NOTHING + "; " + ID)
                        .file(gatewayPolicy("allow-all", "action: ALLOW\nrules:\n- {}")).allowed(URL)
                        .policy(id("allow-all", 0)),
                gw("deny-all (DENY rules: [{}]) denies, by rule[0]", ORDER + "; " + ID)
                        .file(gatewayPolicy("deny-all", "action: DENY\nrules:\n- {}")).denied(URL)
                        .policy(id("deny-all", 0)),
                gw("DENY is evaluated before ALLOW", ORDER)
                        .file(gatewayPolicy("deny-all", "action: DENY\nrules:\n- {}"))
                        .file(gatewayPolicy("allow-all", "action: ALLOW\nrules:\n- {}")).denied(URL)
                        .policy(id("deny-all", 0)),
                gw("any matching ALLOW allows, even beside allow-nothing", ORDER)
                        .file(policy("allow-nothing", "istio-system", "", "{}"))
                        .file(gatewayPolicy("allow-all", "action: ALLOW\nrules:\n- {}")).allowed(URL),
                gw("action omitted means ALLOW", "AuthorizationPolicy.action: \"Optional. The action to take if the"
                        + " request is matched with the rules. Default is ALLOW if not specified.\"")
                        .file(gatewayPolicy("p", "rules:\n- from:\n  - source:\n      namespaces: [otherns]"))
                        .denied(URL).policy(null),
                gw("policy id names the rule that matched (rule[1])", ID)
                        .file(gatewayPolicy("two", "action: ALLOW\nrules:\n- from:\n  - source:\n      namespaces:"
                                + " [otherns]\n- from:\n  - source:\n      namespaces: [default]"))
                        .allowed(URL).policy(id("two", 1)),
                gw("DENY that does not match leaves the request allowed (no ALLOW policies)", ORDER)
                        .file(gatewayPolicy("deny-other", "action: DENY\nrules:\n- from:\n  - source:\n"
                                + "      namespaces: [otherns]")).allowed(URL),
                // targets
                gw("root-namespace policy without selector applies to the gateway", TARGET)
                        .file(policy("deny-all", "istio-system", "", "action: DENY\nrules:\n- {}")).denied(URL),
                gw("policy whose selector does not match the gateway labels does not apply", TARGET)
                        .file(policy("deny-ingress", "istio-system", "", "selector:\n  matchLabels:\n"
                                + "    istio: ingressgateway\naction: DENY\nrules:\n- {}")).allowed(URL),
                gw("selector on app: istio-egressgateway matches the gateway", TARGET + "; DESIGN.md: the gateway is"
                        + " labelled istio: egressgateway and app: istio-egressgateway")
                        .file(policy("deny-app", "istio-system", "", "selector:\n  matchLabels:\n"
                                + "    app: istio-egressgateway\naction: DENY\nrules:\n- {}")).denied(URL),
                gw("policy in the client's namespace never applies to the gateway", TARGET)
                        .file(policy("deny-all", "default", "", "action: DENY\nrules:\n- {}")).allowed(URL),
                gw("policy in the client's namespace with the gateway selector still does not apply", TARGET)
                        .file(policy("deny-all", "default", "", "selector:\n  matchLabels:\n"
                                + "    istio: egressgateway\naction: DENY\nrules:\n- {}")).allowed(URL),
                gw("allow-nothing in another namespace does not deny at the gateway", TARGET)
                        .file(policy("allow-nothing", "default", "", "{}")).allowed(URL),
                // source
                gw("principals exact match allows", SOURCE)
                        .file(gatewayPolicy("p", allowWhen("- from:\n  - source:\n      principals: [\"" + SELF + "\"]")))
                        .allowed(URL).policy(id("p", 0)),
                gw("principals of another service account: denied, policy null", SOURCE)
                        .file(gatewayPolicy("p", allowWhen("- from:\n  - source:\n      principals:"
                                + " [\"cluster.local/ns/default/sa/other\"]"))).denied(URL).policy(null),
                gw("principals prefix match", SOURCE)
                        .file(gatewayPolicy("p", allowWhen("- from:\n  - source:\n      principals:"
                                + " [\"cluster.local/ns/default/*\"]"))).allowed(URL),
                gw("principals suffix match", SOURCE)
                        .file(gatewayPolicy("p", allowWhen("- from:\n  - source:\n      principals: [\"*/sa/sleep\"]")))
                        .allowed(URL),
                gw("principals presence match (*) needs mTLS, which the gateway has", SOURCE)
                        .file(gatewayPolicy("p", allowWhen("- from:\n  - source:\n      principals: [\"*\"]")))
                        .allowed(URL),
                gw("principals with another trust domain do not match", SOURCE)
                        .file(gatewayPolicy("p", allowWhen("- from:\n  - source:\n      principals:"
                                + " [\"example.org/ns/default/sa/sleep\"]"))).denied(URL),
                gw("meshConfig.trustDomain changes the principal", SOURCE + "; MeshConfig.trustDomain")
                        .args("--set", "meshConfig.trustDomain=example.org")
                        .file(gatewayPolicy("p", allowWhen("- from:\n  - source:\n      principals:"
                                + " [\"example.org/ns/default/sa/sleep\"]"))).allowed(URL),
                gw("notPrincipals excludes the caller", SOURCE)
                        .file(gatewayPolicy("p", allowWhen("- from:\n  - source:\n      notPrincipals: [\"" + SELF + "\"]")))
                        .denied(URL),
                gw("namespaces match", SOURCE)
                        .file(gatewayPolicy("p", allowWhen("- from:\n  - source:\n      namespaces: [default]"))).allowed(URL),
                gw("namespaces do not match", SOURCE).from("otherns/sleep")
                        .file(gatewayPolicy("p", allowWhen("- from:\n  - source:\n      namespaces: [default]"))).denied(URL),
                gw("namespaces prefix match", SOURCE)
                        .file(gatewayPolicy("p", allowWhen("- from:\n  - source:\n      namespaces: [\"def*\"]"))).allowed(URL),
                gw("notNamespaces excludes the caller", SOURCE)
                        .file(gatewayPolicy("p", allowWhen("- from:\n  - source:\n      notNamespaces: [default]"))).denied(URL),
                gw("notNamespaces lets others through", SOURCE).from("otherns/sleep")
                        .file(gatewayPolicy("p", allowWhen("- from:\n  - source:\n      notNamespaces: [default]"))).allowed(URL),
                gw("DENY by namespace hits only that namespace", SOURCE)
                        .file(gatewayPolicy("d", "action: DENY\nrules:\n- from:\n  - source:\n      namespaces: [default]"))
                        .denied(URL).policy(id("d", 0)),
                gw("fields in one source are ANDed", "Rule.from: \"If not set, any source is allowed\"; within a"
                        + " Source \"all fields must match\" (AND), list items are ORed")
                        .file(gatewayPolicy("p", allowWhen("- from:\n  - source:\n      namespaces: [default]\n"
                                + "      principals: [\"cluster.local/ns/default/sa/other\"]"))).denied(URL),
                gw("several sources are ORed", "Rule.from: \"If not set, any source is allowed\"; sources are ORed")
                        .file(gatewayPolicy("p", allowWhen("- from:\n  - source:\n      namespaces: [otherns]\n"
                                + "  - source:\n      namespaces: [default]"))).allowed(URL),
                // operation (HTTP at the gateway)
                gw("methods GET allows a GET", OPERATION)
                        .file(gatewayPolicy("p", allowWhen("- to:\n  - operation:\n      methods: [GET]"))).allowed(URL),
                gw("methods GET does not allow HEAD (curl -I)", OPERATION)
                        .file(gatewayPolicy("p", allowWhen("- to:\n  - operation:\n      methods: [GET]")))
                        .args("-I").denied(URL),
                gw("methods with -X POST", OPERATION)
                        .file(gatewayPolicy("p", allowWhen("- to:\n  - operation:\n      methods: [POST]")))
                        .args("-X", "POST").allowed(URL),
                gw("notMethods excludes", OPERATION)
                        .file(gatewayPolicy("p", allowWhen("- to:\n  - operation:\n      notMethods: [GET]"))).denied(URL),
                gw("paths exact", OPERATION)
                        .file(gatewayPolicy("p", allowWhen("- to:\n  - operation:\n      paths: [/api/v1]"))).allowed(URL),
                gw("paths prefix", OPERATION)
                        .file(gatewayPolicy("p", allowWhen("- to:\n  - operation:\n      paths: [\"/api/*\"]"))).allowed(URL),
                gw("paths not matching", OPERATION)
                        .file(gatewayPolicy("p", allowWhen("- to:\n  - operation:\n      paths: [\"/admin/*\"]"))).denied(URL),
                gw("paths ignore the query string", "Operation.paths: \"A list of paths as specified in the HTTP request."
                        + " ... the path without the query\" (Envoy url_path matching)")
                        .file(gatewayPolicy("p", allowWhen("- to:\n  - operation:\n      paths: [/api/v1]")))
                        .allowed(URL + "?q=1"),
                gw("notPaths", OPERATION)
                        .file(gatewayPolicy("p", allowWhen("- to:\n  - operation:\n      notPaths: [\"/api/*\"]"))).denied(URL),
                gw("DENY on a path prefix", OPERATION)
                        .file(gatewayPolicy("d", "action: DENY\nrules:\n- to:\n  - operation:\n      paths: [\"/api/*\"]"))
                        .denied(URL).policy(id("d", 0)),
                gw("hosts exact", OPERATION)
                        .file(gatewayPolicy("p", allowWhen("- to:\n  - operation:\n      hosts: [api.example.com]"))).allowed(URL),
                gw("hosts are case-insensitive", OPERATION)
                        .file(gatewayPolicy("p", allowWhen("- to:\n  - operation:\n      hosts: [API.Example.COM]"))).allowed(URL),
                gw("hosts suffix", OPERATION)
                        .file(gatewayPolicy("p", allowWhen("- to:\n  - operation:\n      hosts: [\"*.example.com\"]"))).allowed(URL),
                gw("hosts of another name do not match", OPERATION)
                        .file(gatewayPolicy("p", allowWhen("- to:\n  - operation:\n      hosts: [www.example.com]"))).denied(URL),
                gw("notHosts", OPERATION)
                        .file(gatewayPolicy("p", allowWhen("- to:\n  - operation:\n      notHosts: [api.example.com]"))).denied(URL),
                gw("ports: the gateway port (80) matches", OPERATION + "; issue 2: destination.port = the gateway port")
                        .file(gatewayPolicy("p", allowWhen("- to:\n  - operation:\n      ports: [\"80\"]"))).allowed(URL),
                gw("ports: the upstream port (443) is not the gateway port", OPERATION)
                        .file(gatewayPolicy("p", allowWhen("- to:\n  - operation:\n      ports: [\"443\"]"))).denied(URL),
                gw("notPorts", OPERATION)
                        .file(gatewayPolicy("p", allowWhen("- to:\n  - operation:\n      notPorts: [\"80\"]"))).denied(URL),
                gw("from AND to in one rule", "Rule: \"A match occurs when at least one source, one operation and all"
                        + " conditions matches the request\"")
                        .file(gatewayPolicy("p", allowWhen("- from:\n  - source:\n      namespaces: [default]\n"
                                + "  to:\n  - operation:\n      methods: [POST]"))).denied(URL),
                // dry-run, AUDIT, CUSTOM
                gw("dry-run DENY does not deny", DRY_RUN)
                        .file(policy("deny-all", "istio-system", "annotations:\n  \"istio.io/dry-run\": \"true\"",
                                "action: DENY\nrules:\n- {}")).allowed(URL),
                gw("dry-run allow-nothing does not deny", DRY_RUN)
                        .file(policy("allow-nothing", "istio-system", "annotations:\n  \"istio.io/dry-run\": \"true\"",
                                "{}")).allowed(URL),
                gw("dry-run false is enforced", DRY_RUN)
                        .file(policy("deny-all", "istio-system", "annotations:\n  \"istio.io/dry-run\": \"false\"",
                                "action: DENY\nrules:\n- {}")).denied(URL),
                gw("dry-run ALLOW does not count as an ALLOW policy", DRY_RUN + "; a dry-run ALLOW must not open"
                        + " what allow-nothing closes")
                        .file(policy("allow-nothing", "istio-system", "", "{}"))
                        .file(policy("allow-all", "istio-system", "annotations:\n  \"istio.io/dry-run\": \"true\"",
                                "action: ALLOW\nrules:\n- {}")).denied(URL),
                gw("AUDIT does not deny", AUDIT)
                        .file(gatewayPolicy("audit-all", "action: AUDIT\nrules:\n- {}")).allowed(URL),
                gw("AUDIT is not an ALLOW policy (no default deny)", AUDIT + "; " + ORDER)
                        .file(gatewayPolicy("audit-other", "action: AUDIT\nrules:\n- from:\n  - source:\n"
                                + "      namespaces: [otherns]")).allowed(URL),
                gw("CUSTOM selecting the gateway fails closed", CUSTOM)
                        .file(gatewayPolicy("ext", "action: CUSTOM\nprovider:\n  name: my-ext-authz\nrules:\n- {}"))
                        .denied(URL),
                gw("CUSTOM that selects another workload does not deny at the gateway", CUSTOM)
                        .file(policy("ext", "istio-system", "", "selector:\n  matchLabels:\n    app: other\n"
                                + "action: CUSTOM\nprovider:\n  name: my-ext-authz\nrules:\n- {}")).allowed(URL));
    }

    private static final String SERVICE_ACCOUNTS = "Source.serviceAccounts: \"A list of Kubernetes service accounts"
            + " derived from the peer certificate ... This takes the format <namespace>/<serviceaccount>. <serviceaccount>"
            + " may also be used to use the same namespace as the AuthorizationPolicy ... No form of wildcard (*) is"
            + " allowed\" (istio/api security/v1beta1/authorization_policy.proto, Istio 1.25+)";
    private static final String TARGET_REFS = "AuthorizationPolicy.targetRefs: the policy applies to the referenced"
            + " resources; issue 2: \"a targetRefs that resolves to nothing applies to nothing, as in Istio\"";
    private static final String SELECTOR_EMPTY = "istio/istio validateWorkloadSelector: an empty matchLabels is only a"
            + " warning (\"workload selector specified without labels\") and selects every workload of the namespace";
    private static final String PATH_TEMPLATE = "Operation.paths: path templates {*} (exactly one segment) and {**} (zero"
            + " or more segments) (istio.io/latest/docs/reference/config/security/authorization-policy/#Operation)";
    private static final String JWT = "AuthorizationPolicy requestPrincipals / notRequestPrincipals match the JWT"
            + " principal; \"DENY ... notRequestPrincipals: [\\\"*\\\"]\" denies requests without a JWT"
            + " (istio.io/latest/docs/tasks/security/authentication/authn-policy/#require-a-valid-token)";
    private static final String ROOT = "MeshConfig.rootNamespace and AuthorizationPolicy: a policy in the root"
            + " namespace applies to all workloads; a policy in the workload's own namespace applies to it";

    private static final String NORMALIZATION = "Authorization Policy Normalization: \"Istio authorization policy will"
            + " remove anything after the question mark\"; \"Istio will merge duplicate headers to a single header by"
            + " concatenating all values using comma\"; %2f and multiple slashes are left alone unless"
            + " DECODE_AND_MERGE_SLASHES / MERGE_SLASHES (istio.io/latest/docs/reference/config/security/normalization/)";

    static Stream<Case> moreCases() {
        return Stream.of(
                gw("DENY on a path ignores the query string", NORMALIZATION)
                        .file(gatewayPolicy("d", "action: DENY\nrules:\n- to:\n  - operation:\n      paths: [/admin]"))
                        .denied("http://api.example.com/admin?x=1"),
                gw("duplicate headers are merged with a comma before matching (ALLOW blue, sent red and blue)", NORMALIZATION)
                        .file(gatewayPolicy("p", allowWhen("- when:\n  - key: request.headers[x-team]\n    values: [blue]")))
                        .args("-H", "x-team: red", "-H", "x-team: blue").denied(URL),
                gw("duplicate headers are merged with a comma before matching (DENY red, sent blue and red)", NORMALIZATION)
                        .file(gatewayPolicy("d", "action: DENY\nrules:\n- when:\n  - key: request.headers[x-team]\n"
                                + "    values: [red]")).args("-H", "x-team: blue", "-H", "x-team: red").allowed(URL),
                gw("multiple slashes are not merged by default (BASE)", NORMALIZATION)
                        .file(gatewayPolicy("d", "action: DENY\nrules:\n- to:\n  - operation:\n      paths: [\"/admin/*\"]"))
                        .allowed("http://api.example.com//admin/x"),
                gw("%2F is not decoded by default (BASE)", NORMALIZATION)
                        .file(gatewayPolicy("d", "action: DENY\nrules:\n- to:\n  - operation:\n      paths: [/admin/x]"))
                        .allowed("http://api.example.com/admin%2fx"),

                gw("serviceAccounts namespace/name matches", SERVICE_ACCOUNTS)
                        .file(gatewayPolicy("p", allowWhen("- from:\n  - source:\n      serviceAccounts: [default/sleep]")))
                        .allowed(URL).policy(id("p", 0)),
                gw("serviceAccounts bare name means the policy's namespace", SERVICE_ACCOUNTS)
                        .file(gatewayPolicy("p", allowWhen("- from:\n  - source:\n      serviceAccounts: [sleep]")))
                        .denied(URL),
                gw("serviceAccounts of another account", SERVICE_ACCOUNTS)
                        .file(gatewayPolicy("p", allowWhen("- from:\n  - source:\n      serviceAccounts: [default/web]")))
                        .denied(URL),
                gw("notServiceAccounts excludes the caller", SERVICE_ACCOUNTS)
                        .file(gatewayPolicy("p", allowWhen("- from:\n  - source:\n      notServiceAccounts: [default/sleep]")))
                        .denied(URL),
                gw("paths template {*} matches one segment", PATH_TEMPLATE)
                        .file(gatewayPolicy("p", allowWhen("- to:\n  - operation:\n      paths: [\"/api/{*}\"]"))).allowed(URL),
                gw("paths template {**} matches several segments", PATH_TEMPLATE)
                        .file(gatewayPolicy("p", allowWhen("- to:\n  - operation:\n      paths: [\"/{**}/v1\"]"))).allowed(URL),
                gw("paths template {*} does not match two segments", PATH_TEMPLATE)
                        .file(gatewayPolicy("p", allowWhen("- to:\n  - operation:\n      paths: [\"/{*}\"]"))).denied(URL),
                gw("paths are case-sensitive", OPERATION)
                        .file(gatewayPolicy("p", allowWhen("- to:\n  - operation:\n      paths: [/API/v1]"))).denied(URL),
                gw("targetRefs that resolve to nothing: the DENY applies to nothing", TARGET_REFS)
                        .file(policy("p", "istio-system", "", "targetRefs:\n- kind: Gateway\n  group: gateway.networking.k8s.io\n"
                                + "  name: egw\naction: DENY\nrules:\n- {}")).allowed(URL),
                gw("selector with empty matchLabels selects the gateway too", SELECTOR_EMPTY)
                        .file(policy("p", "istio-system", "", "selector:\n  matchLabels: {}\naction: DENY\nrules:\n- {}"))
                        .denied(URL),
                gw("requestPrincipals without a JWT does not match (ALLOW)", JWT)
                        .file(gatewayPolicy("p", allowWhen("- from:\n  - source:\n      requestPrincipals: [\"*\"]"))).denied(URL),
                gw("DENY notRequestPrincipals * denies a request without a JWT", JWT)
                        .file(gatewayPolicy("d", "action: DENY\nrules:\n- from:\n  - source:\n      notRequestPrincipals: [\"*\"]"))
                        .denied(URL).policy(id("d", 0)),
                gw("DENY requestPrincipals * lets a request without a JWT through", JWT)
                        .file(gatewayPolicy("d", "action: DENY\nrules:\n- from:\n  - source:\n      requestPrincipals: [\"*\"]"))
                        .allowed(URL),
                gw("moved root namespace: its policies apply to the gateway", ROOT)
                        .args("--set", "meshConfig.rootNamespace=mesh-root")
                        .file(policy("d", "mesh-root", "", "action: DENY\nrules:\n- {}")).denied(URL),
                gw("moved root namespace: the gateway's own namespace still applies", ROOT)
                        .args("--set", "meshConfig.rootNamespace=mesh-root")
                        .file(policy("d", "istio-system", "", "action: DENY\nrules:\n- {}")).denied(URL),
                gw("AUDIT beside a matching DENY: DENY decides", AUDIT + "; " + ORDER)
                        .file(gatewayPolicy("a", "action: AUDIT\nrules:\n- {}"))
                        .file(gatewayPolicy("d", "action: DENY\nrules:\n- {}")).denied(URL).policy(id("d", 0)),
                gw("DENY policy id names rule[1] when the second rule matched", ID)
                        .file(gatewayPolicy("d", "action: DENY\nrules:\n- from:\n  - source:\n      namespaces: [otherns]\n"
                                + "- from:\n  - source:\n      namespaces: [default]"))
                        .denied(URL).policy(id("d", 1)),
                gw("notValues alone in a condition", "Condition.notValues: \"A list of negative match values for the"
                        + " attribute\"").file(gatewayPolicy("p", allowWhen("- when:\n  - key: source.namespace\n"
                        + "    notValues: [otherns]"))).allowed(URL));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource({"cases", "moreCases"})
    void conforms(Case c) throws Exception {
        c.run(dir);
    }
}
