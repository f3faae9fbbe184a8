package dev.tollgate.core.authz;

import dev.tollgate.core.model.MeshSettings;
import dev.tollgate.core.model.PathNormalization;
import dev.tollgate.core.model.WorkloadRef;
import dev.tollgate.core.testing.TestConfig;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Istio AuthorizationPolicy conformance: each case names the documented statement it checks, with its page.
 * REF = istio.io/docs/reference/config/security/authorization-policy, COND = .../security/conditions,
 * TCP = istio.io/docs/tasks/security/authorization/authz-tcp, DRY = .../authz-dry-run; SRC = istio/istio
 * pilot/pkg/security/authz (model/generator.go, builder/builder.go) where the page is silent, NORM =
 * istio.io/docs/reference/config/security/normalization, TDM = istio.io/docs/tasks/security/authorization/authz-td-migration;
 * "hostile:" cases pin Envoy behaviour an attacker could probe.
 */
class AuthorizationConformanceTest {

    static final WorkloadRef HTTPBIN = new WorkloadRef("foo", "httpbin", Map.of("app", "httpbin", "version", "v1"));
    static final WorkloadRef GATEWAY = new WorkloadRef("istio-system", "istio-egressgateway-service-account",
            Map.of("istio", "egressgateway", "app", "istio-egressgateway"));
    static final WorkloadRef K8S_GATEWAY = new WorkloadRef("foo", "gw",
            Map.of("gateway.networking.k8s.io/gateway-name", "egress", "app", "gw"));

    record Case(String doc, String yaml, WorkloadRef target, Req request, boolean allowed, String policyId,
                MeshSettings mesh) {
    }

    private static final List<Arguments> CASES = new ArrayList<>();

    private static void c(String name, String doc, String yaml, WorkloadRef target, Req request, boolean allowed,
                          String policyId) {
        CASES.add(Arguments.of(Named.of(name, new Case(doc, yaml, target, request, allowed, policyId,
                MeshSettings.DEFAULTS))));
    }

    private static void c(String name, String doc, String yaml, Req request, boolean allowed, String policyId) {
        c(name, doc, yaml, HTTPBIN, request, allowed, policyId);
    }

    /** One AuthorizationPolicy document; {@code spec} in YAML flow style. */
    static String ap(String ns, String name, String spec) {
        return "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: " + name
                + ", namespace: " + ns + "}\nspec: " + spec + "\n---\n";
    }

    static String dry(String ns, String name, String value, String spec) {
        return "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: " + name
                + ", namespace: " + ns + ", annotations: {istio.io/dry-run: \"" + value + "\"}}\nspec: " + spec
                + "\n---\n";
    }

    static String id(String ns, String name, int rule) {
        return "ns[" + ns + "]-policy[" + name + "]-rule[" + rule + "]";
    }

    static final String REF = "REF";
    static final String COND = "COND";
    static final String TCP = "TCP";
    static final String DRY = "DRY";

    static {
        // ---- evaluation order and actions (REF, "The evaluation is determined by the following rules")
        c("noPolicyAllows", REF + ": 3. If there are no ALLOW policies for the workload, allow the request.",
                "", Req.http(), true, "");
        c("allowPolicyThatDoesNotMatchDenies", REF + ": 5. Deny the request (ALLOW policies exist, none matches)",
                ap("foo", "a", "{rules: [{to: [{operation: {methods: [POST]}}]}]}"), Req.http(), false, "");
        c("matchingAllowAllows", REF + ": 4. If any of the ALLOW policies match the request, allow the request.",
                ap("foo", "a", "{action: ALLOW, rules: [{to: [{operation: {methods: [GET]}}]}]}"), Req.http(), true,
                id("foo", "a", 0));
        c("matchingDenyDenies", REF + ": 2. If there are any DENY policies that match the request, deny the request.",
                ap("foo", "d", "{action: DENY, rules: [{to: [{operation: {methods: [GET]}}]}]}"), Req.http(), false,
                id("foo", "d", 0));
        c("nonMatchingDenyWithoutAllowAllows", REF + ": 2 then 3: DENY does not match, no ALLOW policy",
                ap("foo", "d", "{action: DENY, rules: [{to: [{operation: {methods: [POST]}}]}]}"), Req.http(), true,
                "");
        c("denyIsEvaluatedBeforeAllow", REF + ": the DENY action is evaluated before the ALLOW action",
                ap("foo", "a", "{rules: [{}]}") + ap("foo", "d", "{action: DENY, rules: [{}]}"), Req.http(), false,
                id("foo", "d", 0));
        c("customMatchingDenies", REF + ": 1. CUSTOM policies are evaluated first; Tollgate has no provider, so a "
                        + "CUSTOM policy denies all traffic to the workloads it selects (fail closed)",
                ap("foo", "c", "{action: CUSTOM, provider: {name: ext}, rules: [{to: [{operation: {paths: [/admin*]}}]}]}"),
                Req.http().path("/admin/x"), false, id("foo", "c", 0));
        c("customFailsClosedForEveryRequest", "Tollgate (issue 2): CUSTOM denies traffic to the workloads it "
                        + "selects, fail closed, since no provider can say which requests its rules would allow",
                ap("foo", "c", "{action: CUSTOM, provider: {name: ext}, rules: [{to: [{operation: {paths: [/admin*]}}]}]}"),
                Req.http().path("/public"), false, id("foo", "c", 0));
        c("customOnOtherWorkloadDoesNotApply", REF + ": workload selector restricts where a CUSTOM policy applies",
                ap("foo", "c", "{action: CUSTOM, provider: {name: ext}, selector: {matchLabels: {app: other}}, rules: [{}]}"),
                Req.http(), true, "");
        c("dryRunCustomIsNotEnforced", DRY + ": a dry-run policy is not enforced",
                dry("foo", "c", "true", "{action: CUSTOM, provider: {name: ext}, rules: [{}]}"), Req.http(), true, "");
        c("customIsEvaluatedBeforeDeny", REF + ": the CUSTOM action is evaluated first, then the DENY action",
                ap("foo", "d", "{action: DENY, rules: [{}]}") + ap("foo", "c", "{action: CUSTOM, provider: {name: x}, rules: [{}]}"),
                Req.http(), false, id("foo", "c", 0));
        c("auditAloneNeverDenies", REF + ": AUDIT policies do not affect whether requests are allowed or denied",
                ap("foo", "au", "{action: AUDIT, rules: [{}]}"), Req.http(), true, "");
        c("auditDoesNotCountAsAllow", REF + ": requests are allowed or denied based solely on CUSTOM, DENY and ALLOW",
                ap("foo", "au", "{action: AUDIT, rules: [{}]}") + ap("foo", "a", "{rules: [{to: [{operation: {methods: [POST]}}]}]}"),
                Req.http(), false, "");
        c("defaultActionIsAllow", REF + ": The default action is ALLOW",
                ap("foo", "a", "{rules: [{to: [{operation: {methods: [GET]}}]}]}"), Req.http(), true,
                id("foo", "a", 0));
        c("emptySpecAllowsNothing", REF + ": allow-nothing (spec: {}) effectively denies all requests",
                ap("foo", "allow-nothing", "{}"), Req.http(), false, "");
        c("emptyRuleAllowsAll", REF + ": allow-all (rules: [{}]) allows all requests",
                ap("foo", "allow-all", "{rules: [{}]}"), Req.http(), true, id("foo", "allow-all", 0));
        c("allowAllBesideAllowNothing", REF + ": 4. any matching ALLOW policy allows",
                ap("foo", "allow-nothing", "{}") + ap("foo", "allow-all", "{rules: [{}]}"), Req.http(), true,
                id("foo", "allow-all", 0));
        c("emptySourceMatchesAnySource", REF + ": Rule.from: If not set, any source is allowed (an empty source)",
                ap("foo", "a", "{rules: [{from: [{source: {}}]}]}"), Req.http().plaintext(), true, id("foo", "a", 0));
        c("denyEmptyRuleDeniesAll", REF + ": An empty rule is always matched (DENY)",
                ap("foo", "d", "{action: DENY, rules: [{}]}"), Req.tcp(), false, id("foo", "d", 0));
        c("secondRuleMatches", REF + ": A match occurs when at least one rule matches the request.",
                ap("foo", "a", "{rules: [{to: [{operation: {methods: [POST]}}]}, {to: [{operation: {methods: [GET]}}]}]}"),
                Req.http(), true, id("foo", "a", 1));
        c("envoyReportsFirstDenyByName", SRC() + ": Envoy's RBAC engine keeps policies ordered by name; the first "
                        + "matching one is the effective policy id",
                ap("foo", "z-deny", "{action: DENY, rules: [{}]}") + ap("foo", "a-deny", "{action: DENY, rules: [{}]}"),
                Req.http(), false, id("foo", "a-deny", 0));
        c("noRulesDenyMatchesNothing", SRC() + ": a policy without rules compiles to rbacPolicyMatchNever",
                ap("foo", "d", "{action: DENY}"), Req.http(), true, "");

        // ---- applicability (REF: "Authorization Policy scope (target) is determined by metadata/namespace and selector")
        c("rootNamespacePolicyAppliesMeshWide", REF + ": If set to root namespace, the policy applies to all namespaces",
                ap("istio-system", "d", "{action: DENY, rules: [{}]}"), Req.http(), false, id("istio-system", "d", 0));
        c("otherNamespacePolicyDoesNotApply", REF + ": metadata/namespace tells which namespace the policy applies",
                ap("bar", "d", "{action: DENY, rules: [{}]}"), Req.http(), true, "");
        c("sameNamespacePolicyApplies", REF + ": allow-nothing in namespace foo denies all requests to workloads in foo",
                ap("foo", "allow-nothing", "{}"), Req.http(), false, "");
        c("selectorSubsetMatches", REF + ": the selector matches workloads containing label app: httpbin",
                ap("foo", "d", "{action: DENY, selector: {matchLabels: {app: httpbin}}, rules: [{}]}"), Req.http(),
                false, id("foo", "d", 0));
        c("selectorMismatchDoesNotApply", REF + ": workload selector can be used to further restrict where a policy applies",
                ap("foo", "d", "{action: DENY, selector: {matchLabels: {app: other}}, rules: [{}]}"), Req.http(),
                true, "");
        c("selectorNeedsAllLabels", REF + ": selector labels must all be present on the workload",
                ap("foo", "d", "{action: DENY, selector: {matchLabels: {app: httpbin, tier: db}}, rules: [{}]}"),
                Req.http(), true, "");
        c("rootSelectorAppliesInEveryNamespace", REF + ": applies to workloads containing label version: v1 in all "
                        + "namespaces in the mesh (root namespace istio-system)",
                ap("istio-system", "allow-nothing", "{selector: {matchLabels: {version: v1}}}"), Req.http(), false,
                "");
        c("rootSelectorMismatch", REF + ": If the authorization policy is in the root namespace, the selector will "
                        + "additionally match with workloads in all namespaces",
                ap("istio-system", "allow-nothing", "{selector: {matchLabels: {version: v2}}}"), Req.http(), true,
                "");
        c("emptySelectorSelectsAll", REF + ": If the selector and the targetRef are not set, the selector will match "
                        + "all workloads (an empty matchLabels is a subset of any labels)",
                ap("foo", "d", "{action: DENY, selector: {matchLabels: {}}, rules: [{}]}"), Req.http(), false,
                id("foo", "d", 0));
        c("targetRefsIgnoredOnSidecars", SRC() + " policyattachment.go: if targetRef is specified, ignore the policy "
                        + "altogether (non-gateway workload)",
                ap("foo", "d", "{action: DENY, targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: egress}], rules: [{}]}"),
                Req.http(), true, "");
        c("legacyTargetRefAlsoIgnoredOnSidecars", SRC() + ": GetTargetRefs falls back to the legacy targetRef",
                ap("foo", "d", "{action: DENY, targetRef: {group: gateway.networking.k8s.io, kind: Gateway, name: egress}, rules: [{}]}"),
                Req.http(), true, "");
        c("targetRefsGatewayApplies", REF + ": targetRefs: kind: Gateway with group: gateway.networking.k8s.io in the "
                        + "same namespace",
                ap("foo", "d", "{action: DENY, targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: egress}], rules: [{}]}"),
                K8S_GATEWAY, Req.http(), false, id("foo", "d", 0));
        c("targetRefsOtherGatewayDoesNotApply", REF + ": the targeted resources determine which workloads the policy "
                        + "applies to",
                ap("foo", "d", "{action: DENY, targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: other}], rules: [{}]}"),
                K8S_GATEWAY, Req.http(), true, "");
        c("targetRefsServiceResolvesToNothing", REF + ": kind: Service is only supported for waypoints",
                ap("foo", "d", "{action: DENY, targetRefs: [{group: \"\", kind: Service, name: egress}], rules: [{}]}"),
                K8S_GATEWAY, Req.http(), true, "");
        c("selectorPolicyStillAppliesToGatewayApiGateway", SRC() + ": ENABLE_SELECTOR_BASED_K8S_GATEWAY_POLICY "
                        + "defaults to true",
                ap("foo", "d", "{action: DENY, selector: {matchLabels: {app: gw}}, rules: [{}]}"), K8S_GATEWAY,
                Req.http(), false, id("foo", "d", 0));
        c("tutorialPolicyInDefaultNeverAppliesToGateway", REF + ": metadata/namespace tells which namespace the "
                        + "policy applies (the tutorial's allow-google landed in default)",
                ap("default", "external-allow-developers-google-com",
                        "{rules: [{from: [{source: {namespaces: [default]}}], to: [{operation: {methods: [GET], hosts: [developers.google.com]}}]}]}")
                        + ap("istio-system", "allow-nothing", "{}"),
                GATEWAY, Req.http().method("GET").host("developers.google.com"), false, "");

        // ---- rule structure
        c("fromAndToAreAnded", REF + ": A match occurs when at least one source, one operation and all conditions match",
                ap("foo", "a", "{rules: [{from: [{source: {namespaces: [default]}}], to: [{operation: {methods: [POST]}}]}]}"),
                Req.http(), false, "");
        c("fromEntriesAreOred", REF + ": allows requests from service account sleep OR namespace test",
                ap("foo", "a", "{rules: [{from: [{source: {principals: [cluster.local/ns/x/sa/y]}}, {source: {namespaces: [default]}}]}]}"),
                Req.http(), true, id("foo", "a", 0));
        c("toEntriesAreOred", REF + ": GET at /info* OR POST at /data",
                ap("foo", "a", "{rules: [{to: [{operation: {methods: [GET], paths: [/info*]}}, {operation: {methods: [POST], paths: [/data]}}]}]}"),
                Req.http().method("POST").path("/data"), true, id("foo", "a", 0));
        c("sourceFieldsAreAnded", REF + ": Source: Fields in the source are ANDed together",
                ap("foo", "a", "{rules: [{from: [{source: {principals: [cluster.local/ns/default/sa/sleep], namespaces: [prod]}}]}]}"),
                Req.http(), false, "");
        c("operationFieldsAreAnded", REF + ": Operation: Fields in the operation are ANDed together",
                ap("foo", "a", "{rules: [{to: [{operation: {methods: [GET], paths: [/admin]}}]}]}"), Req.http(),
                false, "");
        c("valuesAreOred", REF + ": the method is GET or HEAD",
                ap("foo", "a", "{rules: [{to: [{operation: {methods: [GET, HEAD]}}]}]}"), Req.http().method("HEAD"),
                true, id("foo", "a", 0));
        c("whenIsAndedWithFrom", REF + ": A match occurs when ... all conditions match the request",
                ap("foo", "a", "{rules: [{from: [{source: {namespaces: [default]}}], when: [{key: \"request.headers[x-token]\", values: [abc]}]}]}"),
                Req.http(), false, "");
        c("allWhenConditionsMustMatch", REF + ": Rule.when: a list of additional conditions (all must match)",
                ap("foo", "a", "{rules: [{when: [{key: source.namespace, values: [default]}, {key: destination.port, values: [\"8080\"]}]}]}"),
                Req.http(), false, "");
        c("conditionValuesAndNotValues", REF + ": Condition values and notValues are both applied",
                ap("foo", "a", "{rules: [{when: [{key: \"request.headers[x-v]\", values: [\"a*\"], notValues: [abc]}]}]}"),
                Req.http().header("x-v", "abd"), true, id("foo", "a", 0));
        c("conditionNotValuesExcludes", REF + ": Condition notValues: a list of negative match of values",
                ap("foo", "a", "{rules: [{when: [{key: \"request.headers[x-v]\", values: [\"a*\"], notValues: [abc]}]}]}"),
                Req.http().header("x-v", "abc"), false, "");

        // ---- Source
        c("principalsExact", REF + ": principals: peer identity <TRUST_DOMAIN>/ns/<NAMESPACE>/sa/<SERVICE_ACCOUNT>",
                ap("foo", "a", "{rules: [{from: [{source: {principals: [cluster.local/ns/default/sa/sleep]}}]}]}"),
                Req.http(), true, id("foo", "a", 0));
        c("principalsExactMismatch", REF + ": Exact match: abc will match on value abc (only)",
                ap("foo", "a", "{rules: [{from: [{source: {principals: [cluster.local/ns/default/sa/sleep2]}}]}]}"),
                Req.http(), false, "");
        c("principalsPrefix", REF + ": Prefix match: abc* will match on value abc and abcd",
                ap("foo", "a", "{rules: [{from: [{source: {principals: [\"cluster.local/ns/default/*\"]}}]}]}"),
                Req.http(), true, id("foo", "a", 0));
        c("principalsSuffix", REF + ": Suffix match: *abc will match on value abc and xabc",
                ap("foo", "a", "{rules: [{from: [{source: {principals: [\"*/sa/sleep\"]}}]}]}"),
                Req.http().from("other", "sleep"), true, id("foo", "a", 0));
        c("principalsStarMatchesAuthenticated", REF + ": Presence match: * will match when value is not empty",
                ap("foo", "a", "{rules: [{from: [{source: {principals: [\"*\"]}}]}]}"), Req.http(), true,
                id("foo", "a", 0));
        c("principalsStarRejectsPlaintext", REF + ": principals requires mTLS; * needs a non-empty identity",
                ap("foo", "a", "{rules: [{from: [{source: {principals: [\"*\"]}}]}]}"), Req.http().plaintext(), false,
                "");
        c("notPrincipalsStarDeniesPlaintext", REF + ": notPrincipals: a list of negative match of peer identities "
                        + "(deny requests without mTLS)",
                ap("foo", "d", "{action: DENY, rules: [{from: [{source: {notPrincipals: [\"*\"]}}]}]}"),
                Req.http().plaintext(), false, id("foo", "d", 0));
        c("notPrincipalsStarAllowsMtls", REF + ": notPrincipals * does not match an authenticated peer",
                ap("foo", "d", "{action: DENY, rules: [{from: [{source: {notPrincipals: [\"*\"]}}]}]}"), Req.http(),
                true, "");
        c("notPrincipalsExcludesOne", REF + ": notPrincipals: a list of negative match of peer identities",
                ap("foo", "a", "{rules: [{from: [{source: {notPrincipals: [cluster.local/ns/default/sa/sleep]}}]}]}"),
                Req.http(), false, "");
        c("namespacesExact", REF + ": namespaces: A list of namespaces derived from the peer certificate",
                ap("foo", "a", "{rules: [{from: [{source: {namespaces: [default]}}]}]}"), Req.http(), true,
                id("foo", "a", 0));
        c("namespacesMismatch", REF + ": namespaces must match the peer's namespace",
                ap("foo", "a", "{rules: [{from: [{source: {namespaces: [otherns]}}]}]}"), Req.http(), false, "");
        c("namespacesNeedMtls", REF + ": namespaces: This field requires mTLS enabled",
                ap("foo", "a", "{rules: [{from: [{source: {namespaces: [default]}}]}]}"), Req.http().plaintext(),
                false, "");
        c("notNamespacesDenies", REF + ": notNamespaces: A list of negative match of namespaces",
                ap("foo", "d", "{action: DENY, rules: [{from: [{source: {notNamespaces: [foo]}}]}]}"), Req.http(),
                false, id("foo", "d", 0));
        c("namespacesPrefix", REF + ": Any string field in the rule supports Prefix match",
                ap("foo", "a", "{rules: [{from: [{source: {namespaces: [\"def*\"]}}]}]}"), Req.http(), true,
                id("foo", "a", 0));
        c("namespacesPrefixDoesNotCrossSegments", SRC() + " generator.go: namespaces compile to .*/ns/<ns>/.* on the "
                        + "peer's URI SAN; default does not match defaultx",
                ap("foo", "a", "{rules: [{from: [{source: {namespaces: [default]}}]}]}"),
                Req.http().from("defaultx", "sleep"), false, "");
        c("requestPrincipalsNeverWithoutJwt", REF + ": requestPrincipals requires request authentication enabled "
                        + "(Tollgate has none)",
                ap("foo", "a", "{rules: [{from: [{source: {requestPrincipals: [\"*\"]}}]}]}"), Req.http(), false, "");
        c("notRequestPrincipalsMatchesWithoutJwt", REF + ": notRequestPrincipals: negative match of request identities "
                        + "(requests without a JWT)",
                ap("foo", "d", "{action: DENY, rules: [{from: [{source: {notRequestPrincipals: [\"*\"]}}]}]}"),
                Req.http(), false, id("foo", "d", 0));
        c("ipBlocksSingleIp", REF + ": ipBlocks: Single IP (e.g. 203.0.113.4) ... supported",
                ap("foo", "a", "{rules: [{from: [{source: {ipBlocks: [10.0.0.1]}}]}]}"), Req.http(), true,
                id("foo", "a", 0));
        c("ipBlocksCidr", REF + ": ipBlocks: CIDR (e.g. 203.0.113.0/24) supported",
                ap("foo", "a", "{rules: [{from: [{source: {ipBlocks: [10.0.0.0/24]}}]}]}"),
                Req.http().sourceIp("10.0.0.77"), true, id("foo", "a", 0));
        c("ipBlocksMismatch", REF + ": ipBlocks: populated from the source address of the IP packet",
                ap("foo", "a", "{rules: [{from: [{source: {ipBlocks: [10.0.1.0/24]}}]}]}"), Req.http(), false, "");
        c("notIpBlocks", REF + ": the ip is not 203.0.113.4",
                ap("foo", "d", "{action: DENY, rules: [{from: [{source: {notIpBlocks: [10.0.0.0/8]}}]}]}"),
                Req.http().sourceIp("192.0.2.1"), false, id("foo", "d", 0));
        c("remoteIpBlocksReadRemoteIp", REF + ": remoteIpBlocks: populated from X-Forwarded-For header or proxy protocol",
                ap("foo", "a", "{rules: [{from: [{source: {remoteIpBlocks: [203.0.113.0/24]}}]}]}"),
                Req.http().remoteIp("203.0.113.9"), true, id("foo", "a", 0));
        c("remoteIpBlocksNotSourceIp", REF + ": remoteIpBlocks is the remote.ip attribute, not source.ip",
                ap("foo", "a", "{rules: [{from: [{source: {remoteIpBlocks: [10.0.0.1]}}]}]}"),
                Req.http().remoteIp("203.0.113.9"), false, "");
        c("notRemoteIpBlocks", REF + ": notRemoteIpBlocks: negative match of remote IP blocks",
                ap("foo", "d", "{action: DENY, rules: [{from: [{source: {notRemoteIpBlocks: [10.0.0.0/8]}}]}]}"),
                Req.http().remoteIp("203.0.113.9"), false, id("foo", "d", 0));
        c("ipv6Cidr", COND + ": source.ip supports single IP or CIDR (IPv6)",
                ap("foo", "a", "{rules: [{from: [{source: {ipBlocks: [\"2001:db8::/32\"]}}]}]}"),
                Req.http().sourceIp("2001:db8:0:1::7"), true, id("foo", "a", 0));
        c("ipv4BlockNeverMatchesIpv6", SRC() + ": Envoy CidrRange compares only addresses of the same version",
                ap("foo", "a", "{rules: [{from: [{source: {ipBlocks: [0.0.0.0/0]}}]}]}"),
                Req.http().sourceIp("::ffff:10.0.0.1"), false, "");
        c("serviceAccountsNamespaced", REF + ": serviceAccounts takes the format <namespace>/<serviceaccount>",
                ap("foo", "a", "{rules: [{from: [{source: {serviceAccounts: [default/sleep]}}]}]}"), Req.http(), true,
                id("foo", "a", 0));
        c("serviceAccountsDefaultToPolicyNamespace", REF + ": <serviceaccount> may also be used to use the same "
                        + "namespace as the AuthorizationPolicy",
                ap("foo", "a", "{rules: [{from: [{source: {serviceAccounts: [sleep]}}]}]}"), Req.http(), false, "");
        c("serviceAccountsBareNameInPolicyNamespace", REF + ": <serviceaccount> uses the policy's namespace (foo)",
                ap("foo", "a", "{rules: [{from: [{source: {serviceAccounts: [sleep]}}]}]}"),
                Req.http().from("foo", "sleep"), true, id("foo", "a", 0));
        c("serviceAccountsNoPrefixMatch", REF + ": No form of wildcard (*) is allowed: sleep does not match sleep-x",
                ap("foo", "a", "{rules: [{from: [{source: {serviceAccounts: [default/sleep]}}]}]}"),
                Req.http().from("default", "sleep-x"), false, "");
        c("notServiceAccounts", REF + ": notServiceAccounts: negative match of Kubernetes service accounts",
                ap("foo", "d", "{action: DENY, rules: [{from: [{source: {notServiceAccounts: [default/admin]}}]}]}"),
                Req.http(), false, id("foo", "d", 0));
        c("trustDomainsExact", REF + ": trustDomains: A list of trust domains derived from the peer certificate",
                ap("foo", "a", "{rules: [{from: [{source: {trustDomains: [cluster.local]}}]}]}"), Req.http(), true,
                id("foo", "a", 0));
        c("trustDomainsMismatch", REF + ": trustDomains: exact match of the trust domain",
                ap("foo", "a", "{rules: [{from: [{source: {trustDomains: [other.local]}}]}]}"), Req.http(), false, "");

        // ---- Operation
        c("hostsCaseInsensitive", REF + ": hosts: The match is case-insensitive",
                ap("foo", "a", "{rules: [{to: [{operation: {hosts: [HTTPBIN.foo]}}]}]}"), Req.http(), true,
                id("foo", "a", 0));
        c("hostsExactIgnoresNoPort", REF + ": hosts as specified in the HTTP request: an exact host does not match "
                        + "host:port (Istio's best practice: add host:*)",
                ap("foo", "a", "{rules: [{to: [{operation: {hosts: [httpbin.foo]}}]}]}"),
                Req.http().host("httpbin.foo:8000"), false, "");
        c("hostsWithPortWildcard", REF + ": Prefix match: httpbin.foo:* matches httpbin.foo:8000",
                ap("foo", "a", "{rules: [{to: [{operation: {hosts: [\"httpbin.foo:*\"]}}]}]}"),
                Req.http().host("httpbin.foo:8000"), true, id("foo", "a", 0));
        c("hostsSuffix", REF + ": the host has suffix .example.com",
                ap("foo", "a", "{rules: [{to: [{operation: {hosts: [\"*.example.com\"]}}]}]}"),
                Req.http().host("api.Example.com"), true, id("foo", "a", 0));
        c("notHosts", REF + ": notHosts: negative match of hosts, case-insensitive",
                ap("foo", "d", "{action: DENY, rules: [{to: [{operation: {notHosts: [httpbin.foo]}}]}]}"),
                Req.http().host("evil.example"), false, id("foo", "d", 0));
        c("hostsUnicodeCaseFoldIsNotAscii", "hostile: Envoy's ignore_case is ASCII-only; the Kelvin sign is not k",
                ap("foo", "a", "{rules: [{to: [{operation: {hosts: [key.example]}}]}]}"),
                Req.http().host("\u212Aey.example"), false, "");
        c("methodsCaseSensitive", REF + ": methods as specified in the HTTP request (exact)",
                ap("foo", "a", "{rules: [{to: [{operation: {methods: [GET]}}]}]}"), Req.http().method("get"), false,
                "");
        c("notMethods", REF + ": notMethods: negative match of methods",
                ap("foo", "d", "{action: DENY, rules: [{to: [{operation: {notMethods: [GET, HEAD]}}]}]}"),
                Req.http().method("DELETE"), false, id("foo", "d", 0));
        c("pathsExact", REF + ": paths: A list of paths as specified in the HTTP request",
                ap("foo", "a", "{rules: [{to: [{operation: {paths: [/data]}}]}]}"), Req.http().path("/data"), true,
                id("foo", "a", 0));
        c("pathsPrefix", REF + ": paths of prefix /info",
                ap("foo", "a", "{rules: [{to: [{operation: {paths: [\"/info*\"]}}]}]}"), Req.http().path("/info/x"),
                true, id("foo", "a", 0));
        c("pathsSuffix", REF + ": Suffix match on paths",
                ap("foo", "a", "{rules: [{to: [{operation: {paths: [\"*.html\"]}}]}]}"), Req.http().path("/a/b.html"),
                true, id("foo", "a", 0));
        c("pathsIgnoreQuery", SRC() + ": paths compile to Envoy's url_path matcher (path without query string)",
                ap("foo", "a", "{rules: [{to: [{operation: {paths: [/data]}}]}]}"), Req.http().path("/data?x=1"),
                true, id("foo", "a", 0));
        c("dotSegmentsCannotEscapeADenyRule", "NORM (istio.io/docs/reference/config/security/normalization): "
                        + "/./ and /../ are resolved according to RFC 3986",
                ap("foo", "d", "{action: DENY, rules: [{to: [{operation: {paths: [\"/admin*\"]}}]}]}"),
                Req.http().path("/public/../admin/x"), false, id("foo", "d", 0));
        c("percentEncodedLettersCannotEscapeADenyRule", "NORM: %61 - %7a are normalized to a - z",
                ap("foo", "d", "{action: DENY, rules: [{to: [{operation: {paths: [\"/admin*\"]}}]}]}"),
                Req.http().path("/%61dmin"), false, id("foo", "d", 0));
        c("backslashIsASlash", "NORM: Istio will normalize the backslash to the forward slash",
                ap("foo", "a", "{rules: [{to: [{operation: {paths: [/some/data]}}]}]}"),
                Req.http().path("/some\\data"), true, id("foo", "a", 0));
        c("notPaths", REF + ": the path doesn't have prefix /admin",
                ap("foo", "d", "{action: DENY, rules: [{to: [{operation: {notPaths: [\"/public*\"]}}]}]}"),
                Req.http().path("/admin"), false, id("foo", "d", 0));
        c("pathTemplateOneSegment", REF + ": /foo/{*} matches /foo/bar",
                ap("foo", "a", "{rules: [{to: [{operation: {paths: [\"/foo/{*}\"]}}]}]}"), Req.http().path("/foo/bar"),
                true, id("foo", "a", 0));
        c("pathTemplateOneSegmentNotTwo", REF + ": /foo/{*} does not match /foo/bar/baz",
                ap("foo", "a", "{rules: [{to: [{operation: {paths: [\"/foo/{*}\"]}}]}]}"),
                Req.http().path("/foo/bar/baz"), false, "");
        c("pathTemplateMany", REF + ": /foo/{*}/bar/{**} matches /foo/buzz/bar/baz",
                ap("foo", "a", "{rules: [{to: [{operation: {paths: [\"/foo/{*}/bar/{**}\"]}}]}]}"),
                Req.http().path("/foo/buzz/bar/baz"), true, id("foo", "a", 0));
        c("portsMatch", REF + ": ports: A list of ports as specified in the connection",
                ap("foo", "a", "{rules: [{to: [{operation: {ports: [\"80\"]}}]}]}"), Req.http(), true,
                id("foo", "a", 0));
        c("notPorts", REF + ": notPorts: negative match of ports",
                ap("foo", "d", "{action: DENY, rules: [{to: [{operation: {notPorts: [\"80\"]}}]}]}"),
                Req.http().port(8080), false, id("foo", "d", 0));

        // ---- when keys (COND)
        c("headerPrefix", COND + ": request.headers[User-Agent] values [Mozilla/*]",
                ap("foo", "a", "{rules: [{when: [{key: \"request.headers[User-Agent]\", values: [\"Mozilla/*\"]}]}]}"),
                Req.http().header("user-agent", "Mozilla/5.0"), true, id("foo", "a", 0));
        c("headerAbsent", COND + ": request.headers: a missing header does not match",
                ap("foo", "a", "{rules: [{when: [{key: \"request.headers[User-Agent]\", values: [\"Mozilla/*\"]}]}]}"),
                Req.http(), false, "");
        c("headerPresenceMatchesEmptyValue", SRC() + " matcher/header.go: * is a presence match on headers",
                ap("foo", "a", "{rules: [{when: [{key: \"request.headers[x-flag]\", values: [\"*\"]}]}]}"),
                Req.http().header("x-flag", ""), true, id("foo", "a", 0));
        c("headerRepeatedValuesJoined", SRC() + ": Envoy joins repeated header values with a comma",
                ap("foo", "a", "{rules: [{when: [{key: \"request.headers[x-v]\", values: [\"a,b\"]}]}]}"),
                Req.http().header("x-v", "a", "b"), true, id("foo", "a", 0));
        c("sourceIpCondition", COND + ": source.ip supports single IP or CIDR",
                ap("foo", "a", "{rules: [{when: [{key: source.ip, values: [10.0.0.0/16]}]}]}"), Req.http(), true,
                id("foo", "a", 0));
        c("remoteIpCondition", COND + ": remote.ip: original client IP",
                ap("foo", "a", "{rules: [{when: [{key: remote.ip, values: [198.51.100.1]}]}]}"),
                Req.http().remoteIp("198.51.100.1"), true, id("foo", "a", 0));
        c("sourceNamespaceCondition", COND + ": source.namespace: Source workload instance namespace",
                ap("foo", "a", "{rules: [{when: [{key: source.namespace, values: [default]}]}]}"), Req.http(), true,
                id("foo", "a", 0));
        c("sourcePrincipalCondition", COND + ": source.principal: The identity of the source workload",
                ap("foo", "a", "{rules: [{when: [{key: source.principal, notValues: [cluster.local/ns/default/sa/sleep]}]}]}"),
                Req.http(), false, "");
        c("requestAuthClaimsNeverPresent", COND + ": request.auth.claims: Claims from the origin JWT (none here)",
                ap("foo", "a", "{rules: [{when: [{key: \"request.auth.claims[iss]\", values: [\"*\"]}]}]}"),
                Req.http(), false, "");
        c("requestAuthPrincipalNotValues", COND + ": request.auth.principal notValues match without a JWT",
                ap("foo", "d", "{action: DENY, rules: [{when: [{key: request.auth.principal, notValues: [\"*\"]}]}]}"),
                Req.http(), false, id("foo", "d", 0));
        c("requestAuthAudiencesNever", COND + ": request.auth.audiences: needs a JWT",
                ap("foo", "a", "{rules: [{when: [{key: request.auth.audiences, values: [my-svc.com]}]}]}"),
                Req.http(), false, "");
        c("destinationIpCondition", COND + ": destination.ip supports single IP or CIDR",
                ap("foo", "a", "{rules: [{when: [{key: destination.ip, values: [10.0.0.9]}]}]}"), Req.tcp(), true,
                id("foo", "a", 0));
        c("destinationPortCondition", COND + ": destination.port: The recipient port on the server IP address",
                ap("foo", "a", "{rules: [{when: [{key: destination.port, values: [\"443\"]}]}]}"),
                Req.tcp().port(443), true, id("foo", "a", 0));
        c("sniExact", COND + ": connection.sni: The server name indication",
                ap("foo", "d", "{action: DENY, rules: [{when: [{key: connection.sni, values: [developer.yahoo.com]}]}]}"),
                Req.tcp().sni("developer.yahoo.com"), false, id("foo", "d", 0));
        c("sniStarNeedsSni", REF + ": Presence match: * will match when value is not empty",
                ap("foo", "a", "{rules: [{when: [{key: connection.sni, values: [\"*\"]}]}]}"), Req.tcp(), false, "");
        c("sniSuffix", REF + ": Suffix match on connection.sni",
                ap("foo", "a", "{rules: [{when: [{key: connection.sni, values: [\"*.google.com\"]}]}]}"),
                Req.tcp().sni("developers.google.com"), true, id("foo", "a", 0));
        c("envoyFilterMetadataNeverPresent", COND + ": experimental.envoy.filters.*: metadata matching (Tollgate "
                        + "has no filter metadata)",
                ap("foo", "a", "{rules: [{when: [{key: \"experimental.envoy.filters.network.mysql_proxy[db.table]\", values: [\"[update]\"]}]}]}"),
                Req.tcp(), false, "");
        c("envoyFilterNotValuesMatch", COND + ": experimental.envoy.filters.* notValues match missing metadata",
                ap("foo", "d", "{action: DENY, rules: [{when: [{key: \"experimental.envoy.filters.network.mysql_proxy[db.table]\", notValues: [\"[update]\"]}]}]}"),
                Req.tcp(), false, id("foo", "d", 0));
        c("sourceServiceAccountCondition", SRC() + " model.go: source.serviceAccount, e.g. default/productpage",
                ap("foo", "a", "{rules: [{when: [{key: source.serviceAccount, values: [default/sleep]}]}]}"),
                Req.tcp(), true, id("foo", "a", 0));

        // ---- TCP (TCP task page and REF)
        c("allowRuleWithHttpOnlyFieldIsSkippedForTcp", TCP + ": the rule becomes invalid when it uses an HTTP-only "
                        + "field (methods) for TCP traffic. Istio ignores the invalid ALLOW rule",
                ap("foo", "tcp-policy", "{action: ALLOW, rules: [{to: [{operation: {methods: [GET], ports: [\"9000\"]}}]}]}"),
                Req.tcp().port(9000), false, "");
        c("allowPortsRuleWorksForTcp", TCP + ": allow requests to port 9000 and 9001",
                ap("foo", "tcp-policy", "{action: ALLOW, rules: [{to: [{operation: {ports: [\"9000\", \"9001\"]}}]}]}"),
                Req.tcp().port(9001), true, id("foo", "tcp-policy", 0));
        c("allowPortsRuleDeniesOtherTcpPort", TCP + ": requests to port 9002 are denied",
                ap("foo", "tcp-policy", "{action: ALLOW, rules: [{to: [{operation: {ports: [\"9000\", \"9001\"]}}]}]}"),
                Req.tcp().port(9002), false, "");
        c("denyRuleWithOnlyHttpFieldsDeniesAllTcp", TCP + ": Istio doesn't understand the HTTP-only fields while "
                        + "creating a DENY rule for tcp port and ... denies all the traffic to the tcp ports",
                ap("foo", "tcp-policy", "{action: DENY, rules: [{to: [{operation: {methods: [GET]}}]}]}"),
                Req.tcp().port(9001), false, id("foo", "tcp-policy", 0));
        c("denyRuleKeepsTcpFields", TCP + ": requests to port 9000 are denied, because the request matches the ports",
                ap("foo", "tcp-policy", "{action: DENY, rules: [{to: [{operation: {methods: [GET], ports: [\"9000\"]}}]}]}"),
                Req.tcp().port(9000), false, id("foo", "tcp-policy", 0));
        c("denyRuleTcpOtherPortAllowed", TCP + ": requests to port 9001 are allowed ... do not match the ports",
                ap("foo", "tcp-policy", "{action: DENY, rules: [{to: [{operation: {methods: [GET], ports: [\"9000\"]}}]}]}"),
                Req.tcp().port(9001), true, "");
        c("denyWithMethodsStillNarrowOnHttp", REF + ": DENY POST on 8080 applies only to POST for HTTP",
                ap("foo", "d", "{action: DENY, rules: [{to: [{operation: {methods: [POST], ports: [\"8080\"]}}]}]}"),
                Req.http().port(8080), true, "");
        c("allowWhenHeaderIsSkippedForTcp", COND + ": request.headers is HTTP only (ALLOW rule ignored for TCP)",
                ap("foo", "a", "{rules: [{when: [{key: \"request.headers[x]\", notValues: [y]}]}]}"), Req.tcp(), false,
                "");
        c("allowPrincipalsWorksForTcp", COND + ": source.principal supports HTTP and TCP",
                ap("foo", "a", "{rules: [{from: [{source: {principals: [cluster.local/ns/default/sa/sleep]}}]}]}"),
                Req.tcp(), true, id("foo", "a", 0));
        c("denyNotHostsDroppedForTcp", REF + ": For a DENY rule, missing attributes are treated as matches",
                ap("foo", "d", "{action: DENY, rules: [{from: [{source: {namespaces: [default]}}], to: [{operation: {notHosts: [ok.example]}}]}]}"),
                Req.tcp(), false, id("foo", "d", 0));
        c("allowRequestPrincipalsSkippedForTcp", COND + ": request.auth.principal is HTTP only",
                ap("foo", "a", "{rules: [{from: [{source: {notRequestPrincipals: [\"x/y\"]}}]}]}"), Req.tcp(), false,
                "");
        c("auditWithHttpFieldsNeverDeniesTcp", REF + ": AUDIT policies do not affect whether requests are allowed",
                ap("foo", "au", "{action: AUDIT, rules: [{to: [{operation: {methods: [GET]}}]}]}"), Req.tcp(), true,
                "");
        c("customDeniesTcpToo", "Tollgate (issue 2): CUSTOM fails closed for TCP traffic as well",
                ap("foo", "c", "{action: CUSTOM, provider: {name: x}, rules: [{to: [{operation: {paths: [/admin]}}]}]}"),
                Req.tcp(), false, id("foo", "c", 0));

        // ---- dry-run (DRY)
        c("dryRunDenyIsNotEnforced", DRY + ": a request to path /headers is allowed because the policy is created "
                        + "in dry-run mode",
                dry("foo", "deny-path-headers", "true", "{action: DENY, rules: [{to: [{operation: {paths: [/headers]}}]}]}"),
                Req.http().path("/headers"), true, "");
        c("dryRunAllowIsNotEnforced", DRY + ": the dry-run annotation supports ALLOW policies (not enforced)",
                dry("foo", "a", "true", "{rules: [{to: [{operation: {paths: [/x]}}]}]}"), Req.http(), true, "");
        c("dryRunFalseIsEnforced", DRY + ": Change the value of the dry-run annotation to false",
                dry("foo", "d", "false", "{action: DENY, rules: [{}]}"), Req.http(), false, id("foo", "d", 0));
        c("dryRunInvalidValueIsEnforced", SRC() + " builder.go: an unparseable dry-run value leaves the policy enforced",
                dry("foo", "d", "yes", "{action: DENY, rules: [{}]}"), Req.http(), false, id("foo", "d", 0));
        c("dryRunAllowBesideEnforcedAllow", DRY + ": ALLOW and DENY dry-run results are separate from enforcement",
                dry("foo", "a1", "true", "{rules: [{}]}") + ap("foo", "a2", "{rules: [{to: [{operation: {paths: [/x]}}]}]}"),
                Req.http(), false, "");

        // ---- invalid values fail closed
        c("allowWithInvalidCidrNeverMatches", SRC() + ": an ALLOW rule that fails to generate is skipped",
                ap("foo", "a", "{rules: [{from: [{source: {ipBlocks: [not-an-ip]}}]}]}"), Req.http(), false, "");
        c("denyWithInvalidPortDropsOnlyThatValue", SRC() + " model.go checkError: the error is ignored for a deny "
                        + "policy, resulting in a wider deny policy",
                ap("foo", "d", "{action: DENY, rules: [{to: [{operation: {ports: [abc]}}]}]}"), Req.http(), false,
                id("foo", "d", 0));
        c("allowWithUnknownWhenKeyNeverMatches", SRC() + " model.go: unknown attribute",
                ap("foo", "a", "{rules: [{when: [{key: source.nonsense, values: [x]}]}]}"), Req.http(), false, "");
        c("nullRuleInAllowNeverMatches", SRC() + " builder.go: skipped nil rule (an ALLOW rule that is not there "
                        + "allows nothing)",
                ap("foo", "a", "{rules: [~]}"), Req.http(), false, "");
        c("nullValueInAllowNeverWidens", "fail closed: a null value is invalid, so the ALLOW rule is skipped",
                ap("foo", "a", "{rules: [{to: [{operation: {methods: [~]}}]}]}"), Req.http(), false, "");
        c("nullConditionInDenyDropsOnlyItself", SRC() + " model.go checkError: a deny rule only gets wider",
                ap("foo", "d", "{action: DENY, rules: [{from: [{source: {namespaces: [default]}}], when: [~]}]}"),
                Req.http(), false, id("foo", "d", 0));
        c("hostileLeadingZeroIpIsNotParsed", "hostile: 010.0.0.1 is not 10.0.0.1 (no octal ambiguity)",
                ap("foo", "a", "{rules: [{from: [{source: {ipBlocks: [10.0.0.1]}}]}]}"),
                Req.http().sourceIp("010.0.0.1"), false, "");
        c("ipv4MappedBlockIsAnIpv6Range", "Istio AddrStrToPrefix: ::ffff:10.0.0.1 is a /128 IPv6 CidrRange, "
                        + "and Envoy CidrRange compares only addresses of the same version",
                ap("foo", "a", "{rules: [{from: [{source: {ipBlocks: [\"::ffff:10.0.0.1\"]}}]}]}"),
                Req.http().sourceIp("10.0.0.1"), false, "");
        c("ipv4MappedBlockMatchesItself", "Istio AddrStrToPrefix: ::ffff:10.0.0.1 is a valid IPv6 block",
                ap("foo", "a", "{rules: [{from: [{source: {ipBlocks: [\"::ffff:10.0.0.0/120\"]}}]}]}"),
                Req.http().sourceIp("::ffff:10.0.0.9"), true, id("foo", "a", 0));
        c("hostileArabicIndicIpIsNotParsed", "hostile: Arabic-Indic digits are no IP address (Go netip: ASCII only)",
                ap("foo", "a", "{rules: [{from: [{source: {ipBlocks: [10.0.0.0/8]}}]}]}"),
                Req.http().sourceIp("\u0661\u0660.0.0.1"), false, "");

        // ---- the tutorial's gateway (the Istio egress tutorial, docs/tutorial.md, B2-B5)
        String denyGoogle = ap("istio-system", "external-deny-developers-google-com",
                "{action: DENY, rules: [{from: [{source: {namespaces: [otherns]}}], when: [{key: connection.sni, values: [developers.google.com]}]}]}");
        String denyYahoo = ap("istio-system", "external-deny-developer-yahoo-com",
                "{action: DENY, rules: [{from: [{source: {namespaces: [default]}}], when: [{key: connection.sni, values: [developer.yahoo.com]}]}]}");
        c("tutorialB2AllowNothing", REF + ": allow-nothing in the root namespace denies everything at the gateway",
                ap("istio-system", "allow-nothing", "{}"), GATEWAY, Req.http().host("developers.google.com")
                        .sni("developers.google.com"), false, "");
        c("tutorialB3OthernsToGoogleDenied", REF + ": DENY rules from otherns with connection.sni google",
                denyGoogle + denyYahoo, GATEWAY, Req.http().from("otherns", "sleep").sni("developers.google.com")
                        .host("developers.google.com"), false,
                id("istio-system", "external-deny-developers-google-com", 0));
        c("tutorialB3DefaultToGoogleAllowed", REF + ": no DENY matches and no ALLOW policy: allow",
                denyGoogle + denyYahoo, GATEWAY, Req.http().sni("developers.google.com")
                        .host("developers.google.com"), true, "");
        c("tutorialB5TcpPrincipalDeny", TCP + ": connection-level attributes decide for TLS passthrough",
                ap("istio-system", "external-deny-developer-yahoo-com",
                        "{action: DENY, rules: [{from: [{source: {principals: [cluster.local/ns/otherns/sa/sleep-google]}}], when: [{key: connection.sni, values: [developer.yahoo.com]}]}]}"),
                GATEWAY, Req.tcp().from("otherns", "sleep-google").sni("developer.yahoo.com").port(443), false,
                id("istio-system", "external-deny-developer-yahoo-com", 0));
        c("tutorialB5TcpOtherPrincipalAllowed", TCP + ": otherns/sleep still reaches yahoo",
                ap("istio-system", "external-deny-developer-yahoo-com",
                        "{action: DENY, rules: [{from: [{source: {principals: [cluster.local/ns/otherns/sa/sleep-google]}}], when: [{key: connection.sni, values: [developer.yahoo.com]}]}]}"),
                GATEWAY, Req.tcp().from("otherns", "sleep").sni("developer.yahoo.com").port(443), true, "");

        // ---- mesh settings: the root namespace comes from MeshConfig
        CASES.add(Arguments.of(Named.of("customRootNamespaceAppliesMeshWide", new Case(
                REF + ": If set to root namespace (meshConfig.rootNamespace), the policy applies to all namespaces",
                ap("mesh-root", "d", "{action: DENY, rules: [{}]}"), HTTPBIN, Req.http(), false,
                id("mesh-root", "d", 0), withRoot("mesh-root")))));
        CASES.add(Arguments.of(Named.of("istioSystemIsNotRootWhenChanged", new Case(
                REF + ": only the configured root namespace applies mesh-wide",
                ap("istio-system", "d", "{action: DENY, rules: [{}]}"), HTTPBIN, Req.http(), true, "",
                withRoot("mesh-root")))));

        CASES.add(Arguments.of(Named.of("clusterLocalPrincipalMeansTheMeshTrustDomain", new Case(
                "SRC trustdomain/bundle.go: a principal in cluster.local or the current trust domain is enforced with "
                        + "the mesh trust domain (meshConfig.trustDomain)",
                ap("foo", "a", "{rules: [{from: [{source: {principals: [cluster.local/ns/default/sa/sleep]}}]}]}"),
                HTTPBIN, Req.http().principal("example.org/ns/default/sa/sleep"), true, id("foo", "a", 0),
                withTrustDomain("example.org")))));
        CASES.add(Arguments.of(Named.of("clusterLocalPeerDoesNotMatchInAnotherTrustDomain", new Case(
                "SRC trustdomain/bundle.go: the policy's cluster.local is replaced, not kept",
                ap("foo", "a", "{rules: [{from: [{source: {principals: [cluster.local/ns/default/sa/sleep]}}]}]}"),
                HTTPBIN, Req.http(), false, "", withTrustDomain("example.org")))));
        CASES.add(Arguments.of(Named.of("foreignTrustDomainPrincipalIsKept", new Case(
                "SRC trustdomain/bundle.go: a principal of another trust domain is enforced as written",
                ap("foo", "a", "{rules: [{from: [{source: {principals: [other.org/ns/default/sa/sleep]}}]}]}"),
                HTTPBIN, Req.http().principal("other.org/ns/default/sa/sleep"), true, id("foo", "a", 0),
                withTrustDomain("example.org")))));

        // ---- trust domain aliases (istio.io/latest/docs/tasks/security/authorization/authz-td-migration)
        String oldTdPolicy = ap("foo", "a", "{rules: [{from: [{source: {principals: [old-td/ns/default/sa/sleep]}}]}]}");
        MeshSettings migrated = withTrustDomain("new-td").withTrustDomainAliases(List.of("old-td"));
        alias("aliasPolicyMatchesPeerOfNewTrustDomain", "TDM: with trustDomainAliases [old-td], policies naming "
                + "old-td keep working for workloads of new-td", oldTdPolicy,
                Req.http().principal("new-td/ns/default/sa/sleep"), true, id("foo", "a", 0), migrated);
        alias("aliasPolicyMatchesPeerOfAlias", "TDM: old-td peers still match while migrating", oldTdPolicy,
                Req.http().principal("old-td/ns/default/sa/sleep"), true, id("foo", "a", 0), migrated);
        alias("aliasWithoutConfigDoesNotMatch", "TDM: without the alias, an old-td principal is enforced as written",
                oldTdPolicy, Req.http().principal("new-td/ns/default/sa/sleep"), false, "", withTrustDomain("new-td"));
        alias("aliasDoesNotWidenToOtherAccounts", "TDM: only the trust domain is rewritten, ns and sa still bind",
                oldTdPolicy, Req.http().principal("new-td/ns/default/sa/other"), false, "", migrated);
        alias("aliasDoesNotAdmitForeignTrustDomain", "TDM: a trust domain that is neither the mesh's nor an alias "
                + "stays foreign", oldTdPolicy, Req.http().principal("evil-td/ns/default/sa/sleep"), false, "",
                migrated);
        alias("aliasClusterLocalCoversAllTrustDomains", "SRC trustdomain/bundle.go: cluster.local points to the "
                        + "local trust domain and its aliases",
                ap("foo", "a", "{rules: [{from: [{source: {principals: [cluster.local/ns/default/sa/sleep]}}]}]}"),
                Req.http().principal("old-td/ns/default/sa/sleep"), true, id("foo", "a", 0), migrated);
        alias("aliasDenyCoversNewTrustDomain", "TDM: a DENY naming the old trust domain keeps denying after the "
                        + "migration (fail closed)",
                ap("foo", "d", "{action: DENY, rules: [{from: [{source: {principals: [old-td/ns/default/sa/sleep]}}]}]}"),
                Req.http().principal("new-td/ns/default/sa/sleep"), false, id("foo", "d", 0), migrated);
        alias("aliasNotPrincipalsCoverAllTrustDomains", "SRC trustdomain/bundle.go: notPrincipals are migrated too",
                ap("foo", "d", "{action: DENY, rules: [{from: [{source: {notPrincipals: [new-td/ns/default/sa/sleep]}}]}]}"),
                Req.http().principal("old-td/ns/default/sa/sleep"), true, "", migrated);
        alias("aliasConditionPrincipal", "SRC model.go: source.principal conditions are migrated as principals are",
                ap("foo", "a", "{rules: [{when: [{key: source.principal, values: [old-td/ns/default/sa/sleep]}]}]}"),
                Req.tcp().principal("new-td/ns/default/sa/sleep"), true, id("foo", "a", 0), migrated);
        alias("aliasTrustDomainsFieldExpands", "SRC trustdomain/bundle.go ExpandTrustDomainAliases: a trustDomains "
                        + "value naming the mesh's trust domain stands for its aliases too",
                ap("foo", "a", "{rules: [{from: [{source: {trustDomains: [new-td]}}]}]}"),
                Req.http().principal("old-td/ns/default/sa/sleep"), true, id("foo", "a", 0), migrated);

        // ---- meshConfig.pathNormalization (NORM)
        String denyAdmin = ap("istio-system", "d", "{action: DENY, rules: [{to: [{operation: {paths: [\"/admin/*\"]}}]}]}");
        String denyAdminX = ap("istio-system", "d", "{action: DENY, rules: [{to: [{operation: {paths: [/admin/x]}}]}]}");
        String dId = id("istio-system", "d", 0);
        norm("normBaseKeepsDoubleSlash", "NORM: BASE does not merge slashes", denyAdmin, "//admin/x", true, "",
                PathNormalization.BASE);
        norm("normMergeSlashesMergesDoubleSlash", "NORM: MERGE_SLASHES: slashes are merged after BASE", denyAdmin,
                "//admin/x", false, dId, PathNormalization.MERGE_SLASHES);
        norm("normMergeSlashesStillResolvesDots", "NORM: MERGE_SLASHES includes BASE", denyAdmin,
                "/public/..//admin/x", false, dId, PathNormalization.MERGE_SLASHES);
        norm("normMergeSlashesKeepsEncodedSlash", "NORM: MERGE_SLASHES does not decode %2F", denyAdminX,
                "/admin%2fx", true, "", PathNormalization.MERGE_SLASHES);
        norm("normDecodeAndMergeDecodesSlash", "NORM: DECODE_AND_MERGE_SLASHES: %2F %2f %5C %5c are decoded",
                denyAdminX, "/admin%2fx", false, dId, PathNormalization.DECODE_AND_MERGE_SLASHES);
        norm("normDecodeAndMergeDecodesBackslash", "NORM: DECODE_AND_MERGE_SLASHES: %5C is a slash", denyAdminX,
                "/admin%5Cx", false, dId, PathNormalization.DECODE_AND_MERGE_SLASHES);
        norm("normDecodeAndMergeNoDoubleDecode", "hostile: %252F is decoded neither to %2F nor to /", denyAdminX,
                "/admin%252fx", true, "", PathNormalization.DECODE_AND_MERGE_SLASHES);
        norm("normNoneMatchesTheRawPath", "NORM: NONE: the path is matched as the client sent it", denyAdmin,
                "/public/../admin/x", true, "", PathNormalization.NONE);
        norm("normNoneStillMatchesPlainPath", "NORM: NONE still denies the path it names", denyAdmin,
                "/admin/x?y=1", false, dId, PathNormalization.NONE);
        norm("normBaseIsTheDefault", "NORM: BASE is the default", denyAdmin, "/public/../admin/x", false, dId,
                MeshSettings.DEFAULTS.pathNormalization());

        // ---- source.serviceAccount condition (COND, Istio 1.25+)
        c("sourceServiceAccountConditionOtherAccount", COND + ": source.serviceAccount binds namespace and account",
                ap("foo", "a", "{rules: [{when: [{key: source.serviceAccount, values: [default/sleep]}]}]}"),
                Req.tcp().from("default", "other"), false, "");
        c("sourceServiceAccountConditionPlaintext", COND + ": source.serviceAccount needs mTLS",
                ap("foo", "a", "{rules: [{when: [{key: source.serviceAccount, values: [default/sleep]}]}]}"),
                Req.http().plaintext(), false, "");
        c("sourceServiceAccountConditionNotValuesDeny", COND + ": notValues on source.serviceAccount in a DENY",
                ap("foo", "d", "{action: DENY, rules: [{when: [{key: source.serviceAccount, notValues: [default/sleep]}]}]}"),
                Req.tcp().from("default", "other"), false, id("foo", "d", 0));
        c("sourceServiceAccountConditionBareName", COND + ": a bare account name is in the policy's namespace",
                ap("foo", "a", "{rules: [{when: [{key: source.serviceAccount, values: [sleep]}]}]}"),
                Req.tcp().from("foo", "sleep"), true, id("foo", "a", 0));
    }

    private static void alias(String name, String doc, String yaml, Req request, boolean allowed, String policyId,
                              MeshSettings mesh) {
        CASES.add(Arguments.of(Named.of(name, new Case(doc, yaml, HTTPBIN, request, allowed, policyId, mesh))));
    }

    private static void norm(String name, String doc, String yaml, String path, boolean allowed, String policyId,
                             PathNormalization mode) {
        CASES.add(Arguments.of(Named.of(name, new Case(doc, yaml, GATEWAY, Req.http().path(path), allowed, policyId,
                MeshSettings.DEFAULTS.withPathNormalization(mode)))));
    }

    static MeshSettings withTrustDomain(String td) {
        MeshSettings d = MeshSettings.DEFAULTS;
        return new MeshSettings(d.outboundMode(), td, d.rootNamespace(), d.defaultServiceExportTo(),
                d.defaultVirtualServiceExportTo(), d.defaultDestinationRuleExportTo(), d.origins());
    }

    static MeshSettings withRoot(String root) {
        MeshSettings d = MeshSettings.DEFAULTS;
        return new MeshSettings(d.outboundMode(), d.trustDomain(), root, d.defaultServiceExportTo(),
                d.defaultVirtualServiceExportTo(), d.defaultDestinationRuleExportTo(), d.origins());
    }

    static String SRC() {
        return "SRC";
    }

    static Stream<Arguments> cases() {
        return CASES.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void conformsToIstio(Case c) {
        assertThat(c.doc()).as("each case names its documented statement").isNotBlank();
        Authorizer authz = Authorizer.compile(TestConfig.create().mesh(c.mesh()).apply("foo", c.yaml()).build());
        AuthzDecision d = authz.authorize(c.target(), c.request().build());
        assertThat(d.allowed()).as(c.doc() + " -> " + d.reason()).isEqualTo(c.allowed());
        assertThat(d.policyId().map(Object::toString)).as("deciding policy id").isEqualTo(
                c.policyId().isEmpty() ? Optional.empty() : Optional.of(c.policyId()));
        if (!c.allowed() && c.policyId().isEmpty()) {
            assertThat(d.reason()).isEqualTo("no ALLOW policy matched");
        }
    }

    @org.junit.jupiter.api.Test
    void atLeastNinetyCases() {
        assertThat(CASES).hasSizeGreaterThanOrEqualTo(90);
    }
}
