package dev.tollgate.core.authz;

import dev.tollgate.core.testing.TestConfig;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.tollgate.core.authz.AuthorizationConformanceTest.ap;
import static org.assertj.core.api.Assertions.assertThat;

/** The read-only view analysis gets of the compiled policies: what the compiled trees constrain, nothing else. */
class PolicyViewTest {

    private static List<PolicyView> views(String yaml) {
        return Authorizer.compile(TestConfig.create().apply("default", yaml).build()).policyViews();
    }

    @Test
    void portsAndHostsComeFromToOperationAndWhenButNeverFromTheirNegations() {
        List<PolicyView> v = views(ap("istio-system", "p", """
                {rules: [
                  {to: [{operation: {ports: ["443"], hosts: ["a.example.com"], notPorts: ["8443"],
                                     notHosts: ["b.example.com"], methods: ["GET"]}},
                        {operation: {ports: ["8080"]}}],
                   when: [{key: destination.port, values: ["9443"], notValues: ["1"]},
                          {key: connection.sni, values: ["c.example.com"], notValues: ["d.example.com"]},
                          {key: source.ip, values: ["10.0.0.1"]}]},
                  {from: [{source: {namespaces: ["default"]}}]}]}"""));

        assertThat(v).singleElement().satisfies(p -> {
            assertThat(p.key().name()).isEqualTo("p");
            assertThat(p.action()).isEqualTo(Action.ALLOW);
            assertThat(p.rules()).hasSize(2);
            PolicyView.Rule r0 = p.rules().get(0);
            assertThat(r0.index()).isZero();
            assertThat(r0.path()).isEqualTo("spec.rules[0]");
            assertThat(r0.ports()).containsExactlyInAnyOrder("443", "8080", "9443");
            assertThat(r0.hosts()).containsExactlyInAnyOrder("a.example.com", "c.example.com");
            PolicyView.Rule r1 = p.rules().get(1);
            assertThat(r1.path()).isEqualTo("spec.rules[1]");
            assertThat(r1.ports()).isEmpty();
            assertThat(r1.hosts()).isEmpty();
        });
    }

    @Test
    void aDenyRuleKeepsItsHostsInTheViewThoughTcpDropsThem() {
        List<PolicyView> v = views(ap("istio-system", "d",
                "{action: DENY, rules: [{to: [{operation: {hosts: [\"x.example.com\"], ports: [\"443\"]}}]}]}"));

        assertThat(v).singleElement().satisfies(p -> {
            assertThat(p.action()).isEqualTo(Action.DENY);
            assertThat(p.rules().get(0).hosts()).containsExactly("x.example.com");
            assertThat(p.rules().get(0).ports()).containsExactly("443");
        });
    }

    @Test
    void aPortThatFailsToCompileIsNoConstraintOfTheEnforcedRule() {
        List<PolicyView> v = views(ap("istio-system", "d",
                "{action: DENY, rules: [{to: [{operation: {ports: [\"not-a-port\"]}}]}]}"));

        assertThat(v).singleElement().satisfies(p -> assertThat(p.rules().get(0).ports()).isEmpty());
    }
}
