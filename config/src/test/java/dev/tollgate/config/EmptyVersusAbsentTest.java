package dev.tollgate.config;

import dev.tollgate.core.model.Diagnostic;
import io.fabric8.istio.api.api.security.v1beta1.AuthorizationPolicy;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Istio's AuthorizationPolicy docs: "spec: {}" (no rules) is an ALLOW policy that matches nothing, while
 * "rules: [{}]" is one rule that matches everything. fabric8 turns an absent list into an empty one, so both must
 * survive loading distinguishably, and a DENY without rules must not load at all.
 */
class EmptyVersusAbsentTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            // name                  | spec body                         | loads | rules after conversion | warnings
            "allowNothing            | '{}'                              | true  | 0  | 0",
            "allowAll                | '{rules: [{}]}'                   | true  | 1  | 0",
            "allowWithEmptyRuleList  | '{rules: []}'                     | true  | 0  | 1",
            "denyAll                 | '{action: DENY, rules: [{}]}'     | true  | 1  | 0",
            "denyWithoutRules        | '{action: DENY}'                  | false | -1 | 0",
            "denyWithEmptyRuleList   | '{action: DENY, rules: []}'       | false | -1 | 0",
            "denyWithNullRules       | '{action: DENY, rules: null}'     | false | -1 | 0",
            "customLoadsWithAWarning | '{action: CUSTOM, provider: {name: ext}, rules: [{}]}' | true | 1 | 1"})
    void emptyAndAbsentRulesKeepTheirMeaning(String name, String spec, boolean loads, int rules, int warnings) {
        LoadResult r = Fixtures.load(dir, name + ".yaml", """
                apiVersion: security.istio.io/v1beta1
                kind: AuthorizationPolicy
                metadata:
                  name: p
                  namespace: istio-system
                spec: %s
                """.formatted(spec));
        assertThat(r.ok()).as(Fixtures.dump(r.diagnostics())).isEqualTo(loads);
        if (loads) {
            AuthorizationPolicy policy = r.config().orElseThrow().authorizationPolicies().get(0).spec();
            assertThat(policy.getRules()).hasSize(rules);
            assertThat(r.diagnostics()).filteredOn(d -> d.severity() == Diagnostic.Severity.WARNING).hasSize(warnings);
        } else {
            assertThat(r.config()).isEmpty();
        }
    }
}
