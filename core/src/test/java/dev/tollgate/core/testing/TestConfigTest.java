package dev.tollgate.core.testing;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class TestConfigTest {
    @Test
    void emptySpecKeepsNoRulesWhileEmptyRuleIsOneRule() {
        var config = TestConfig.create().apply("istio-system", """
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: allow-nothing}
                spec: {}
                ---
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: allow-all, namespace: default}
                spec:
                  rules: [{}]
                """).build();
        assertThat(config.authorizationPolicies()).hasSize(2);
        assertThat(config.authorizationPolicies().get(0).namespace()).isEqualTo("istio-system");
        assertThat(config.authorizationPolicies().get(0).spec().getRules()).isEmpty();
        assertThat(config.authorizationPolicies().get(1).spec().getRules()).hasSize(1);
    }
}
