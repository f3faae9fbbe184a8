package dev.tollgate.core.authz;

import dev.tollgate.core.testing.TestConfig;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.util.List;

import static dev.tollgate.core.authz.AuthorizationConformanceTest.HTTPBIN;
import static dev.tollgate.core.authz.AuthorizationConformanceTest.ap;
import static dev.tollgate.core.authz.AuthorizationConformanceTest.dry;
import static org.assertj.core.api.Assertions.assertThat;

/** Invariants of the evaluation order, over random policy sets and requests. */
class AuthorizerPropertiesTest {

    /** Rule bodies mixing every kind of field, HTTP-only ones included (so TCP rewriting is exercised). */
    private static final List<String> RULES = List.of(
            "[{}]",
            "[{to: [{operation: {methods: [GET]}}]}]",
            "[{to: [{operation: {methods: [POST], ports: [\"8080\"]}}]}]",
            "[{from: [{source: {namespaces: [default]}}]}]",
            "[{from: [{source: {notPrincipals: [\"*\"]}}]}]",
            "[{from: [{source: {principals: [\"cluster.local/ns/otherns/*\"]}}], to: [{operation: {hosts: [\"*.google.com\"]}}]}]",
            "[{when: [{key: connection.sni, values: [developer.yahoo.com]}]}]",
            "[{to: [{operation: {notPaths: [\"/public*\"]}}]}]",
            "[{from: [{source: {ipBlocks: [10.0.0.0/24]}}], when: [{key: \"request.headers[x-a]\", values: [\"*\"]}]}]",
            "[{from: [{source: {requestPrincipals: [\"*\"]}}]}]",
            "[{to: [{operation: {ports: [\"443\"]}}]}]");

    private static final List<String> ACTIONS = List.of("ALLOW", "DENY", "AUDIT", "CUSTOM");

    record Policy(String ns, String action, int rule) {
        String yaml(String name) {
            return ap(ns, name, spec());
        }

        String spec() {
            return "{action: " + action + (action.equals("CUSTOM") ? ", provider: {name: x}" : "") + ", rules: "
                    + RULES.get(rule) + "}";
        }
    }

    @Provide
    Arbitrary<Policy> policies() {
        return Combinators.combine(Arbitraries.of("foo", "istio-system", "bar"), Arbitraries.of(ACTIONS),
                Arbitraries.integers().between(0, RULES.size() - 1)).as(Policy::new);
    }

    @Provide
    Arbitrary<List<Policy>> policySets() {
        return policies().list().ofMaxSize(5);
    }

    @Provide
    Arbitrary<AuthzRequest> requests() {
        return Combinators.combine(
                Arbitraries.of("default/sleep", "otherns/sleep-google", "otherns/sleep", "plaintext"),
                Arbitraries.of("GET", "POST", "HEAD"),
                Arbitraries.of("httpbin.foo", "developers.google.com", "developer.yahoo.com"),
                Arbitraries.of("/", "/public/x", "/admin"),
                Arbitraries.of(80, 443, 8080),
                Arbitraries.of("", "developer.yahoo.com", "developers.google.com"),
                Arbitraries.of(true, false),
                Arbitraries.of("10.0.0.1", "192.0.2.7")).as((who, method, host, path, port, sni, tcp, ip) -> {
            Req r = tcp ? Req.tcp() : Req.http().method(method).host(host).path(path).header("x-a", "1");
            if (who.equals("plaintext")) {
                r.plaintext();
            } else {
                String[] p = who.split("/");
                r.from(p[0], p[1]);
            }
            if (!sni.isEmpty()) {
                r.sni(sni);
            }
            return r.port(port).sourceIp(ip).build();
        });
    }

    private static boolean allowed(List<Policy> set, String extraYaml, AuthzRequest r) {
        StringBuilder yaml = new StringBuilder();
        for (int i = 0; i < set.size(); i++) {
            yaml.append(set.get(i).yaml("p" + i));
        }
        yaml.append(extraYaml);
        return Authorizer.compile(TestConfig.create().apply("foo", yaml.toString()).build()).authorize(HTTPBIN, r)
                .allowed();
    }

    @Property(tries = 300)
    void addingADenyPolicyNeverTurnsADeniedRequestIntoAnAllowedOne(@ForAll("policySets") List<Policy> set,
            @ForAll("policies") Policy extra, @ForAll("requests") AuthzRequest r) {
        boolean before = allowed(set, "", r);
        boolean after = allowed(set, new Policy(extra.ns(), "DENY", extra.rule()).yaml("extra"), r);
        if (!before) {
            assertThat(after).isFalse();
        }
    }

    @Property(tries = 300)
    void auditPoliciesNeverChangeTheDecision(@ForAll("policySets") List<Policy> set,
            @ForAll("policies") Policy extra, @ForAll("requests") AuthzRequest r) {
        assertThat(allowed(set, new Policy(extra.ns(), "AUDIT", extra.rule()).yaml("extra"), r))
                .isEqualTo(allowed(set, "", r));
    }

    @Property(tries = 300)
    void dryRunPoliciesNeverChangeTheDecision(@ForAll("policySets") List<Policy> set,
            @ForAll("policies") Policy extra, @ForAll("requests") AuthzRequest r) {
        assertThat(allowed(set, dry(extra.ns(), "extra", "true", extra.spec()), r))
                .isEqualTo(allowed(set, "", r));
    }

    @Property(tries = 300)
    void customPoliciesOnlyEverDeny(@ForAll("policySets") List<Policy> set,
            @ForAll("policies") Policy extra, @ForAll("requests") AuthzRequest r) {
        boolean before = allowed(set, "", r);
        boolean after = allowed(set, new Policy(extra.ns(), "CUSTOM", extra.rule()).yaml("extra"), r);
        if (!before) {
            assertThat(after).isFalse();
        }
    }

    @Property(tries = 200)
    void explainAgreesWithAuthorize(@ForAll("policySets") List<Policy> set, @ForAll("requests") AuthzRequest r) {
        StringBuilder yaml = new StringBuilder();
        for (int i = 0; i < set.size(); i++) {
            yaml.append(set.get(i).yaml("p" + i));
        }
        Authorizer authz = Authorizer.compile(TestConfig.create().apply("foo", yaml.toString()).build());
        AuthzDecision d = authz.authorize(HTTPBIN, r);
        var considered = authz.explain(HTTPBIN, r);
        assertThat(considered).hasSize(set.size());
        d.policyId().ifPresent(id -> assertThat(considered)
                .anySatisfy(c -> assertThat(c.why()).contains(id.toString())));
    }
}
