package dev.tollgate.core.model;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** Istio's {@code labels.Instance.SubsetOf} (pkg/config/labels/instance.go), and the egress gateway's identity. */
class LabelSelectorTest {

    @Test
    void anEmptySelectorMatchesEveryLabelSetTheEmptyOneIncluded() {
        // SubsetOf: "if len(i) == 0 { return true }"
        assertThat(LabelSelector.of(null).matches(Map.of())).isTrue();
        assertThat(LabelSelector.of(Map.of()).matches(Map.of("app", "sleep"))).isTrue();
        assertThat(LabelSelector.of(null)).isEqualTo(LabelSelector.EVERY_WORKLOAD);
    }

    @Test
    void everyPairMustBePresentWithTheSameValue() {
        LabelSelector s = LabelSelector.of(Map.of("istio", "egressgateway", "app", "istio-egressgateway"));
        assertThat(s.matches(EgressGatewayIdentity.LABELS)).isTrue();
        assertThat(s.matches(Map.of("istio", "egressgateway"))).as("one label missing").isFalse();
        assertThat(s.matches(Map.of())).as("no labels").isFalse();
        assertThat(LabelSelector.of(Map.of("istio", "egressgateway")).matches(Map.of("istio", "EgressGateway")))
                .as("values compare exactly").isFalse();
        assertThat(LabelSelector.of(Map.of("Istio", "egressgateway")).matches(Map.of("istio", "egressgateway")))
                .as("keys compare exactly").isFalse();
    }

    @Test
    void aLabelWithoutValueMeansTheEmptyValueAndIsStillRequired() {
        Map<String, String> written = new HashMap<>();
        written.put("canary", null);
        LabelSelector s = LabelSelector.of(written);
        assertThat(s.matches(Map.of("canary", ""))).isTrue();
        assertThat(s.matches(Map.of())).as("an empty value is not an absent key").isFalse();
        assertThat(s.matches(Map.of("canary", "yes"))).isFalse();
    }

    @Test
    void theGatewayCommandsDefaultLabelsAreTheIdentitysLabels() {
        Map<String, String> parsed = Arrays.stream(EgressGatewayIdentity.LABELS_TEXT.split(","))
                .map(kv -> kv.split("=", 2)).collect(Collectors.toMap(kv -> kv[0], kv -> kv[1]));
        assertThat(parsed).isEqualTo(EgressGatewayIdentity.LABELS);
        assertThat(EgressGatewayIdentity.labelled(EgressGatewayIdentity.LABELS)).isTrue();
        assertThat(EgressGatewayIdentity.WORKLOAD.displayName()).isEqualTo("istio-system/istio-egressgateway");
    }
}
