package dev.tollgate.core.model;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Envoy's RBAC policy names as Istio generates them: {@code pilot/pkg/security/authz/builder/builder.go policyName}
 * formats {@code "ns[%s]-policy[%s]-rule[%d]"} from the policy's namespace, name and rule index.
 */
class PolicyRefTest {

    @Test
    void printsIstiosRbacPolicyName() {
        assertThat(PolicyRef.rule("istio-system", "external-deny-developer-yahoo-com", 0))
                .hasToString("ns[istio-system]-policy[external-deny-developer-yahoo-com]-rule[0]");
        assertThat(PolicyRef.rule("foo", "deny-path-headers", 12))
                .hasToString("ns[foo]-policy[deny-path-headers]-rule[12]");
        assertThat(PolicyRef.policy("istio-system", "allow-nothing"))
                .hasToString("ns[istio-system]-policy[allow-nothing]");
    }

    @Test
    void aRuleKnowsItsPolicyAndResource() {
        PolicyRef r = PolicyRef.rule("foo", "bar", 3);
        assertThat(r.policy()).isEqualTo(PolicyRef.policy("foo", "bar"));
        assertThat(r.resource()).isEqualTo(new ResourceKey(Kind.AUTHORIZATION_POLICY, "foo", "bar"));
        assertThat(r.rule()).hasValue(3);
    }

    @Property
    void roundTripsThroughEnvoysForm(@ForAll("names") String namespace, @ForAll("names") String name,
                                     @ForAll @IntRange(min = 0, max = 100_000) int index) {
        PolicyRef rule = PolicyRef.rule(namespace, name, index);
        assertThat(PolicyRef.parse(rule.toString())).contains(rule);
        assertThat(PolicyRef.parse(rule.policy().toString())).contains(rule.policy());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "ns[a]", "ns[a]-policy[b", "ns[a]-policy[b]-rule[]", "ns[a]-policy[b]-rule[01]",
            "ns[a]-policy[b]-rule[-1]", "ns[a]-policy[b]-rule[1]x", "ns[a]-policy[b]x",
            "ext-authz-ns[a]-policy[b]-rule[0]",
            "ns[a[b]-policy[c]-rule[0]", "ns[a]-policy[b[c]-rule[0]", "ns[a]-policy[b]-rule[1٢]",
            "ns[a]-policy[b]-rule[9999999999]"})
    void refusesAnythingElse(String text) {
        assertThat(PolicyRef.parse(text)).isEmpty();
    }

    @Test
    void aNegativeRuleIndexIsRefused() {
        assertThatThrownBy(() -> PolicyRef.rule("a", "b", -1)).isInstanceOf(IllegalArgumentException.class);
    }

    /** Kubernetes object names: DNS-1123 subdomains, which hold no brackets. */
    @Provide
    Arbitrary<String> names() {
        return Arbitraries.strings().withChars("abcxyz0189-.").ofMinLength(1).ofMaxLength(20)
                .filter(s -> Character.isLetterOrDigit(s.charAt(0))
                        && Character.isLetterOrDigit(s.charAt(s.length() - 1)));
    }
}
