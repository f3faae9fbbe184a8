package dev.tollgate.core.authz;

import dev.tollgate.core.model.PolicyRef;
import dev.tollgate.core.model.Stage;
import dev.tollgate.core.model.Kind;
import dev.tollgate.core.model.ResourceKey;
import dev.tollgate.core.model.Consideration;
import dev.tollgate.core.testing.TestConfig;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.tollgate.core.authz.AuthorizationConformanceTest.GATEWAY;
import static dev.tollgate.core.authz.AuthorizationConformanceTest.HTTPBIN;
import static dev.tollgate.core.authz.AuthorizationConformanceTest.ap;
import static org.assertj.core.api.Assertions.assertThat;

/** explain(): every policy, whether it applied and why (not), and which rule or leaf decided. */
class AuthorizerExplainTest {

    /** The tutorial's allow-google file, applied without a namespace (so in default), and allow-nothing. */
    private static final String TUTORIAL_B2 = """
            apiVersion: security.istio.io/v1beta1
            kind: AuthorizationPolicy
            metadata:
              name: external-allow-developers-google-com
            spec:
              action: ALLOW
              rules:
              - from:
                - source:
                    namespaces: ["default"]
                to:
                - operation:
                    methods: ["GET"]
                    hosts:
                    - developers.google.com
            ---
            apiVersion: security.istio.io/v1beta1
            kind: AuthorizationPolicy
            metadata:
             name: allow-nothing
             namespace: istio-system
            spec:
              {}
            """;

    private static Consideration about(List<Consideration> all, String name) {
        return all.stream().filter(c -> c.resource().name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void tutorialMisdiagnosedStepGivesTheRealReasons() {
        Authorizer authz = Authorizer.compile(TestConfig.create().apply("default", TUTORIAL_B2).build());
        AuthzRequest curlI = Req.http().method("HEAD").host("developers.google.com").sni("developers.google.com")
                .build();

        AuthzDecision d = authz.authorize(GATEWAY, curlI);
        assertThat(d.allowed()).isFalse();
        assertThat(d.policyId()).isEmpty();
        assertThat(d.reason()).isEqualTo("no ALLOW policy matched");
        assertThat(d.policiesConsidered()).containsExactly(PolicyRef.policy("istio-system", "allow-nothing"));

        List<Consideration> why = authz.explain(GATEWAY, curlI);
        assertThat(why).hasSize(2).allMatch(c -> c.stage() == Stage.AUTHZ);
        Consideration allowGoogle = about(why, "external-allow-developers-google-com");
        assertThat(allowGoogle.applied()).isFalse();
        assertThat(allowGoogle.why())
                .contains("policy is in namespace default; it applies only to workloads in default "
                        + "(the root namespace is istio-system)")
                .contains("it would not match anyway")
                .contains("rule[0]: to[0].operation.methods [GET] does not match HEAD");
        Consideration allowNothing = about(why, "allow-nothing");
        assertThat(allowNothing.applied()).isTrue();
        assertThat(allowNothing.why())
                .contains("root namespace istio-system")
                .contains("matches nothing")
                .contains("no ALLOW policy matched")
                .contains("allow-nothing policy is what leaves the request denied");
        // DENY is not the reason: there is no DENY policy at all.
        assertThat(why).noneMatch(c -> c.why().contains("DENY policy"));
    }

    @Test
    void explainPolicyFindsAPolicyOutsideTheTargetNamespace() {
        Authorizer authz = Authorizer.compile(TestConfig.create().apply("default", TUTORIAL_B2).build());
        var c = authz.explainPolicy(new ResourceKey(Kind.AUTHORIZATION_POLICY, "default",
                "external-allow-developers-google-com"), GATEWAY, Req.http().method("GET")
                .host("developers.google.com").build());
        assertThat(c).isPresent();
        assertThat(c.get().why()).contains("policy is in namespace default")
                .contains("if it applied, its ALLOW rule[0] matches");
    }

    @Test
    void selectorMismatchIsNamed() {
        Authorizer authz = Authorizer.compile(TestConfig.create().apply("foo",
                ap("foo", "d", "{action: DENY, selector: {matchLabels: {app: x}}, rules: [{}]}")).build());
        Consideration c = authz.explain(HTTPBIN, Req.http().build()).get(0);
        assertThat(c.applied()).isFalse();
        assertThat(c.why()).contains("selector app=x does not match the workload's labels (app=httpbin,version=v1)");
    }

    @Test
    void appliedDenyNamesTheMatchingFields() {
        Authorizer authz = Authorizer.compile(TestConfig.create().apply("foo",
                ap("istio-system", "deny-yahoo", "{action: DENY, rules: [{from: [{source: {namespaces: [default]}}], "
                        + "when: [{key: connection.sni, values: [developer.yahoo.com]}]}]}")).build());
        Consideration c = authz.explain(GATEWAY, Req.tcp().sni("developer.yahoo.com").build()).get(0);
        assertThat(c.applied()).isTrue();
        assertThat(c.why()).contains("rule[0] matches")
                .contains("from[0].source.namespaces [default] matches cluster.local/ns/default/sa/sleep")
                .contains("when[0] connection.sni [developer.yahoo.com] matches developer.yahoo.com")
                .contains("the request is denied (ns[istio-system]-policy[deny-yahoo]-rule[0])");
    }

    @Test
    void failingLeafIsNamedPerRule() {
        Authorizer authz = Authorizer.compile(TestConfig.create().apply("foo",
                ap("foo", "a", "{rules: [{to: [{operation: {methods: [GET]}}]}, {from: [{source: {principals: [\"*\"]}}]}]}"))
                .build());
        Consideration c = authz.explain(HTTPBIN, Req.http().method("HEAD").plaintext().build()).get(0);
        assertThat(c.why()).contains("no rule matches: rule[0]: to[0].operation.methods [GET] does not match HEAD; "
                + "rule[1]: from[0].source.principals [*] does not match an unauthenticated peer (no mTLS principal)");
    }

    @Test
    void tcpSkippedAllowRuleIsExplained() {
        Authorizer authz = Authorizer.compile(TestConfig.create().apply("foo",
                ap("foo", "a", "{rules: [{to: [{operation: {methods: [GET], ports: [\"9000\"]}}]}]}")).build());
        Consideration c = authz.explain(HTTPBIN, Req.tcp().port(9000).build()).get(0);
        assertThat(c.why()).contains("rule[0] is skipped: to[0].operation.methods is HTTP-only, so Istio ignores "
                + "this ALLOW rule for TCP traffic");
    }

    @Test
    void dryRunMatchIsReportedButNotEnforced() {
        Authorizer authz = Authorizer.compile(TestConfig.create().apply("foo", AuthorizationConformanceTest.dry("foo",
                "deny-path-headers", "true", "{action: DENY, rules: [{to: [{operation: {paths: [/headers]}}]}]}"))
                .build());
        AuthzDecision d = authz.authorize(HTTPBIN, Req.http().path("/headers").build());
        assertThat(d.allowed()).isTrue();
        assertThat(d.dryRunMatches()).containsExactly(PolicyRef.rule("foo", "deny-path-headers", 0));
        Consideration c = authz.explain(HTTPBIN, Req.http().path("/headers").build()).get(0);
        assertThat(c.applied()).isFalse();
        assertThat(c.why()).contains("dry run").contains("it would have denied the request");
    }

    @Test
    void customPolicyLoadsWithAWarning() {
        Authorizer authz = Authorizer.compile(TestConfig.create().apply("foo",
                ap("foo", "c", "{action: CUSTOM, provider: {name: ext}, rules: [{}]}")).build());
        assertThat(authz.diagnostics()).anySatisfy(d -> {
            assertThat(d.code()).isEqualTo("authz-custom-unsupported");
            assertThat(d.fieldPath()).isEqualTo("spec.action");
        });
    }

    @Test
    void invalidAllowValueIsReportedAndNeverWidens() {
        Authorizer authz = Authorizer.compile(TestConfig.create().apply("foo",
                ap("foo", "a", "{rules: [{from: [{source: {ipBlocks: [\"10.0.0.0/33\"]}}]}]}")).build());
        assertThat(authz.diagnostics()).anySatisfy(d -> assertThat(d.code()).isEqualTo("authz-rule-skipped"));
        assertThat(authz.authorize(HTTPBIN, Req.http().build()).allowed()).isFalse();
    }
}
