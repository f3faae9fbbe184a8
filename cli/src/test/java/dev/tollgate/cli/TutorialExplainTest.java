package dev.tollgate.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.tollgate.cli.TutorialCheckTest.f;
import static org.assertj.core.api.Assertions.assertThat;

/** The deciding policy and the explanations of the Istio egress tutorial's part B (docs/tutorial.md), as users read them. */
class TutorialExplainTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static List<String> b1() {
        return new ArrayList<>(List.of("--set", "meshConfig.outboundTrafficPolicy.mode=REGISTRY_ONLY",
                "-f", "istio-system=" + f("external-google.yaml"),
                "-f", "istio-system=" + f("external-yahoo.yaml"),
                "-f", "default=" + f("sleep.yaml"), "-f", "otherns=" + f("sleep.yaml")));
    }

    private static CliRun run(String command, List<String> config, String... rest) {
        List<String> args = new ArrayList<>(List.of(command));
        args.addAll(config);
        args.addAll(List.of(rest));
        return CliRun.of(args.toArray(String[]::new));
    }

    @Test
    void b3DenialNamesTheMatchedPolicyInEnvoysForm() throws Exception {
        List<String> config = b1();
        config.addAll(List.of("-f", "istio-system=" + f("authz-deny-google.yaml"),
                "-f", "istio-system=" + f("authz-deny-yahoo.yaml")));
        CliRun r = run("check", config, "--from", "default/sleep", "-I", "-o", "json", "http://developer.yahoo.com/");
        assertThat(r.exitCode()).isEqualTo(1);
        JsonNode json = JSON.readTree(r.out());
        assertThat(json.get("policy").asText())
                .isEqualTo("ns[istio-system]-policy[external-deny-developer-yahoo-com]-rule[0]");
    }

    @Test
    void b2NoAllowPolicyMatchedHasNullPolicyAndListsWhatWasConsidered() throws Exception {
        List<String> config = b1();
        config.addAll(List.of("-f", f("authz-allow-nothing.yaml"), "-f", f("authz-allow-google.yaml")));
        CliRun r = run("check", config, "--from", "default/sleep", "-I", "-o", "json", "http://developers.google.com/");
        assertThat(r.exitCode()).isEqualTo(1);
        JsonNode json = JSON.readTree(r.out());
        assertThat(json.get("policy").isNull()).isTrue();
        assertThat(json.get("reason").asText()).containsIgnoringCase("no ALLOW policy");
        assertThat(json.get("policiesConsidered").toString()).contains("allow-nothing");
    }

    @Test
    void b2ExplainGivesTheRealReasonsNotTheTutorials() {
        List<String> config = b1();
        config.addAll(List.of("-f", f("authz-allow-nothing.yaml"), "-f", f("authz-allow-google.yaml")));
        CliRun r = run("explain", config, "--from", "default/sleep", "-I", "http://developers.google.com/");
        assertThat(r.exitCode()).isEqualTo(1);
        String text = r.out();
        assertThat(text).startsWith("DENIED");
        // the allow-google policy landed in default: it never applies to the gateway in istio-system
        assertThat(text).contains("external-allow-developers-google-com").contains("default");
        // it allows only GET, while curl -I sends HEAD
        assertThat(text).contains("GET").contains("HEAD");
        // allow-nothing in the root namespace is what leaves the request denied
        assertThat(text).contains("allow-nothing");
    }

    @Test
    void textVerdictListsOneLinePerHop() {
        CliRun r = run("check", b1(), "--from", "default/sleep", "-I", "http://developers.google.com/");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).startsWith("ALLOWED: default/sleep -> http://developers.google.com/");
        assertThat(r.out()).contains("sidecar").contains("gateway");
    }
}
