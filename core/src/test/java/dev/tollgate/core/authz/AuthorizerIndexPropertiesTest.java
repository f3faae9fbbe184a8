package dev.tollgate.core.authz;

import dev.tollgate.core.testing.TestConfig;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.util.List;
import java.util.Optional;

import static dev.tollgate.core.authz.AuthorizationConformanceTest.HTTPBIN;
import static dev.tollgate.core.authz.AuthorizationConformanceTest.ap;
import static dev.tollgate.core.authz.AuthorizationConformanceTest.dry;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The SNI index ({@link RuleIndex}) is an optimisation only: over random policy sets and requests, authorize gives
 * exactly the decision (allowed, deciding rule, reason, policies considered, dry-run matches) of the plain linear
 * scan over every applicable rule in Envoy's order.
 */
class AuthorizerIndexPropertiesTest {

    /** Rule lists that put SNI conditions in every position the index must tell apart. */
    private static final List<String> RULES = List.of(
            "[{}]",
            "[{when: [{key: connection.sni, values: [a.com]}]}]",
            "[{when: [{key: connection.sni, values: [b.com, a.com]}]}]",
            "[{when: [{key: connection.sni, values: [a.com]}, {key: connection.sni, values: [b.com]}]}]",
            "[{when: [{key: connection.sni, values: [\"*.com\"]}]}]",
            "[{when: [{key: connection.sni, values: [\"a.*\", b.com]}]}]",
            "[{when: [{key: connection.sni, values: [\"*\"]}]}]",
            "[{when: [{key: connection.sni, notValues: [a.com]}]}]",
            "[{when: [{key: connection.sni, values: [\"\"]}]}]",
            "[{when: [{key: connection.sni, values: [A.com]}]}]",
            "[{to: [{operation: {methods: [GET]}}], when: [{key: connection.sni, values: [a.com]}]}]",
            "[{to: [{operation: {ports: [\"443\"]}}], when: [{key: connection.sni, values: [b.com]}]}]",
            "[{from: [{source: {namespaces: [default]}}], when: [{key: connection.sni, values: [a.com]}]}]",
            "[{when: [{key: connection.sni, values: [a.com]}]}, {to: [{operation: {methods: [POST]}}]}]",
            "[{when: [{key: connection.sni, values: [b.com]}]}, {when: [{key: connection.sni, values: [a.com]}]}]",
            "[{to: [{operation: {hosts: [a.com]}}]}]",
            "[{to: [{operation: {ports: [\"8080\"]}}]}]",
            "[{from: [{source: {principals: [\"cluster.local/ns/otherns/*\"]}}]}]",
            "[{when: [{key: connection.sni, values: [a.com]}, {key: bogus.key, values: [x]}]}]");

    private static final List<String> ACTIONS = List.of("ALLOW", "ALLOW", "DENY", "DENY", "AUDIT", "CUSTOM");

    record Policy(String ns, String action, int rule, boolean dryRun, String name) {
        String yaml() {
            String spec = "{action: " + action + (action.equals("CUSTOM") ? ", provider: {name: x}" : "")
                    + ", rules: " + RULES.get(rule) + "}";
            return dryRun ? dry(ns, name, "true", spec) : ap(ns, name, spec);
        }
    }

    @Provide
    Arbitrary<Policy> policies() {
        return Combinators.combine(Arbitraries.of("foo", "istio-system", "bar"),
                Arbitraries.of(ACTIONS), Arbitraries.integers().between(0, RULES.size() - 1),
                Arbitraries.of(false, false, false, true),
                Arbitraries.of("p0", "p1", "p2", "p3", "p4", "p5", "p6", "p7", "p8", "p9")).as(Policy::new);
    }

    @Provide
    Arbitrary<List<Policy>> policySets() {
        return policies().list().ofMaxSize(12).uniqueElements(Policy::name);
    }

    @Provide
    Arbitrary<AuthzRequest> requests() {
        return Combinators.combine(
                Arbitraries.of("default/sleep", "otherns/sleep", "plaintext"),
                Arbitraries.of("GET", "POST"),
                Arbitraries.of("a.com", "b.com"),
                Arbitraries.of(80, 443, 8080),
                Arbitraries.of(Optional.<String>empty(), Optional.of("a.com"), Optional.of("b.com"),
                        Optional.of("A.com"), Optional.of("c.com"), Optional.of("a.org")),
                Arbitraries.of(true, false)).as((who, method, host, port, sni, tcp) -> {
            Req r = tcp ? Req.tcp() : Req.http().method(method).host(host);
            if (who.equals("plaintext")) {
                r.plaintext();
            } else {
                String[] p = who.split("/");
                r.from(p[0], p[1]);
            }
            sni.ifPresent(r::sni);
            return r.port(port).build();
        });
    }

    @Property(tries = 1000)
    void indexedDecisionEqualsTheLinearScan(@ForAll("policySets") List<Policy> set,
            @ForAll("requests") AuthzRequest r) {
        StringBuilder yaml = new StringBuilder();
        for (Policy p : set) {
            yaml.append(p.yaml());
        }
        Authorizer authz = Authorizer.compile(TestConfig.create().apply("foo", yaml.toString()).build());
        assertThat(authz.authorize(HTTPBIN, r)).isEqualTo(authz.authorizeLinear(HTTPBIN, r));
    }
}
