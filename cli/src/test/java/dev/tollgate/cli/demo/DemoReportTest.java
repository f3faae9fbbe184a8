package dev.tollgate.cli.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class DemoReportTest {

    private static final Step A2 = Scenario.tutorial().get(1);
    private static final Step B2 = Scenario.tutorial().stream().filter(s -> s.id().equals("B2")).findFirst().orElseThrow();

    private static CheckResult result(Step step, int check, Observation o, Optional<String> log) {
        return new CheckResult(step.id(), step.checks().get(check), "curl -I " + step.checks().get(check).url(), o, log);
    }

    @Test
    void jsonHasExactlyTheDocumentedShape() throws Exception {
        DemoReport report = new DemoReport();
        report.add(A2, result(A2, 0, new Observation(56, 0, 502, "curl: (56) CONNECT tunnel failed, response 502"), Optional.empty()));
        report.add(B2, result(B2, 0, new Observation(0, 403, 0, ""), Optional.of("rbac_access_denied_matched_policy[none]")));

        JsonNode json = new ObjectMapper().readTree(report.json());
        assertThat(json.properties()).extracting(Map.Entry::getKey).containsExactly("steps");
        JsonNode steps = json.get("steps");
        assertThat(steps).hasSize(2);
        for (JsonNode s : steps) {
            assertThat(s.properties()).extracting(Map.Entry::getKey)
                    .containsExactly("step", "from", "url", "expected", "actual", "passed");
            assertThat(s.get("passed").isBoolean()).isTrue();
        }
        assertThat(steps.get(0).get("step").asText()).isEqualTo("A2");
        assertThat(steps.get(0).get("from").asText()).isEqualTo("default/sleep");
        assertThat(steps.get(0).get("url").asText()).isEqualTo("https://developers.google.com/");
        assertThat(steps.get(0).get("expected").asText()).isEqualTo("blocked");
        assertThat(steps.get(0).get("actual").asText()).isEqualTo("blocked");
        assertThat(steps.get(1).get("actual").asText()).isEqualTo("403");
        assertThat(steps.get(1).get("passed").asBoolean()).isTrue();
        assertThat(report.exitCode()).isZero();
    }

    @Test
    void oneMismatchFailsTheRun() throws Exception {
        DemoReport report = new DemoReport();
        report.add(A2, result(A2, 0, new Observation(56, 0, 502, ""), Optional.empty()));
        report.add(A2, result(A2, 1, new Observation(0, 200, 200, ""), Optional.empty()));
        assertThat(report.passed()).isFalse();
        assertThat(report.exitCode()).isEqualTo(1);
        assertThat(new ObjectMapper().readTree(report.json()).get("steps").get(1).get("passed").asBoolean()).isFalse();
        assertThat(report.text()).contains("[FAIL] default/sleep -> https://developer.yahoo.com/: expected blocked, got ok")
                .contains("FAIL: 1 of 2");
    }

    @Test
    void anEmptyRunIsNotAPass() throws Exception {
        DemoReport report = new DemoReport();
        assertThat(report.exitCode()).isEqualTo(1);
        assertThat(new ObjectMapper().readTree(report.json()).get("steps")).isEmpty();
    }

    @Test
    void textShowsTheCommandTheConfigAndTheGatewaysLogLine() {
        DemoReport report = new DemoReport();
        report.add(B2, result(B2, 0, new Observation(0, 403, 0, ""), Optional.of("gateway: rbac_access_denied_matched_policy[none]\n")));
        String text = report.text();
        assertThat(text).contains("B2  ").contains("config: mesh REGISTRY_ONLY; default: authz-allow-google.yaml; istio-system: ")
                .contains("[PASS] default/sleep -> http://developers.google.com/: expected 403, got 403 (HTTP 403)")
                .contains("$ curl -I http://developers.google.com/")
                .contains("gateway: rbac_access_denied_matched_policy[none]")
                .contains("PASS: all 1 requests came out as the Istio egress tutorial says");
    }

    @Test
    void jsonEscapesHostileText() throws Exception {
        assertThat(new ObjectMapper().readTree(DemoReport.quote("a\"b\\c\n\u0001\u2028")).asText()).isEqualTo("a\"b\\c\n\u0001\u2028");
    }

    @Test
    void detailsSayWhatCurlSaw() {
        assertThat(new Observation(56, 0, 502, "curl: (56) CONNECT tunnel failed").detail()).isEqualTo("CONNECT 502, curl exit 56: curl: (56) CONNECT tunnel failed");
        assertThat(new Observation(0, 200, 200, "").detail()).isEqualTo("CONNECT 200, HTTP 200");
        assertThat(new Observation(0, 502, 0, "").detail()).isEqualTo("HTTP 502");
        assertThat(List.of(Outcome.values())).extracting(Outcome::label).containsExactly("ok", "blocked", "403", "error");
    }
}
