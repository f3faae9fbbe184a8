package dev.tollgate.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Istio egress tutorial (docs/tutorial.md), parts A and B, step by step, through the real {@code tollgate check}
 * command line on this project's own fixtures (examples/tutorial). "ok" = allowed (exit 0); "blocked" = refused by the
 * sidecar (exit 1); "403" = denied by the egress gateway's authorization (exit 1).
 */
class TutorialCheckTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String GOOGLE = "developers.google.com";
    private static final String YAHOO = "developer.yahoo.com";
    private static final String REGISTRY_ONLY = "meshConfig.outboundTrafficPolicy.mode=REGISTRY_ONLY";

    record Expect(String from, String host, String outcome) {
    }

    static Stream<Arguments> steps() {
        List<Arguments> cases = new ArrayList<>();
        // Part A: the sidecar's registry, https:// (CONNECT then TLS)
        step(cases, "A1 ALLOW_ANY, no ServiceEntry", "https", List.of(), all("ok"));
        step(cases, "A2 REGISTRY_ONLY", "https", List.of("--set", REGISTRY_ONLY), all("blocked"));
        step(cases, "A3 + google SE in default", "https",
                List.of("--set", REGISTRY_ONLY, "-f", "default=" + f("serviceentry-google.yaml")),
                grid("ok", "blocked", "blocked", "blocked"));
        step(cases, "A4 + google SE in otherns", "https",
                List.of("--set", REGISTRY_ONLY, "-f", "default=" + f("serviceentry-google.yaml"),
                        "-f", "otherns=" + f("serviceentry-google.yaml")),
                grid("ok", "blocked", "ok", "blocked"));
        step(cases, "A5 + yahoo SE in default", "https",
                List.of("--set", REGISTRY_ONLY, "-f", "default=" + f("serviceentry-google.yaml"),
                        "-f", "otherns=" + f("serviceentry-google.yaml"), "-f", "default=" + f("serviceentry-yahoo.yaml")),
                grid("ok", "ok", "ok", "blocked"));
        step(cases, "A6 + yahoo SE in otherns", "https",
                List.of("--set", REGISTRY_ONLY, "-f", "default=" + f("serviceentry-google.yaml"),
                        "-f", "otherns=" + f("serviceentry-google.yaml"), "-f", "default=" + f("serviceentry-yahoo.yaml"),
                        "-f", "otherns=" + f("serviceentry-yahoo.yaml")),
                all("ok"));
        // Part B: through the egress gateway, HTTP variant (curl -I: HEAD)
        step(cases, "B0 REGISTRY_ONLY, namespace SEs removed", "http", List.of("--set", REGISTRY_ONLY),
                all("blocked"));
        List<String> b1 = List.of("--set", REGISTRY_ONLY, "-f", "istio-system=" + f("external-google.yaml"),
                "-f", "istio-system=" + f("external-yahoo.yaml"));
        step(cases, "B1 through the gateway, no policy", "http", b1, all("ok"));
        step(cases, "B2 allow-nothing", "http", plus(b1, "-f", f("authz-allow-nothing.yaml")), all("403"));
        step(cases, "B2 allow-nothing + allow-google applied without namespace", "http",
                plus(b1, "-f", f("authz-allow-nothing.yaml"), "-f", f("authz-allow-google.yaml")), all("403"));
        step(cases, "B3 deny google from otherns, deny yahoo from default", "http",
                plus(b1, "-f", "istio-system=" + f("authz-deny-google.yaml"),
                        "-f", "istio-system=" + f("authz-deny-yahoo.yaml")),
                grid("ok", "403", "403", "ok"));
        List<String> b4 = plus(b1, "-f", "istio-system=" + f("authz-deny-google-custom.yaml"),
                "-f", "istio-system=" + f("authz-deny-yahoo-custom.yaml"));
        step(cases, "B4 per principal", "http", b4, perPrincipal());
        List<String> b5 = List.of("--set", REGISTRY_ONLY, "-f", "istio-system=" + f("external-google-https.yaml"),
                "-f", "istio-system=" + f("external-yahoo-https.yaml"),
                "-f", "istio-system=" + f("authz-deny-google-custom.yaml"),
                "-f", "istio-system=" + f("authz-deny-yahoo-custom.yaml"));
        step(cases, "B5 HTTPS variant, per principal", "https", b5, perPrincipal());
        List<Expect> b5defaults = new ArrayList<>(grid("ok", "ok", "ok", "ok"));
        step(cases, "B5 HTTPS variant, sleep in both namespaces", "https", b5, b5defaults);
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("steps")
    void tutorialStep(String step, String scheme, List<String> config, Expect expect) throws Exception {
        List<String> args = new ArrayList<>(List.of("check"));
        args.addAll(config);
        args.addAll(List.of("-f", "default=" + f("sleep.yaml"), "-f", "otherns=" + f("sleep.yaml"),
                "-f", "otherns=" + f("sleep-custom.yaml"), "--from", expect.from(), "-o", "json"));
        if (scheme.equals("http")) {
            args.add("-I");
        }
        args.add(scheme + "://" + expect.host() + "/");
        CliRun run = CliRun.of(args.toArray(String[]::new));

        assertThat(run.exitCode()).as(run.err() + run.out()).isEqualTo(expect.outcome().equals("ok") ? 0 : 1);
        JsonNode json = JSON.readTree(run.out());
        assertThat(json.get("allowed").asBoolean()).isEqualTo(expect.outcome().equals("ok"));
        String outcome = switch (expect.outcome()) {
            case "ok" -> "allowed";
            case "blocked" -> "blocked";
            default -> "denied";
        };
        assertThat(json.get("outcome").asText()).as(json.toPrettyString()).isEqualTo(outcome);
        assertThat(json.get("hops").isArray()).isTrue();
        assertThat(json.get("hops")).isNotEmpty();
    }

    private static void step(List<Arguments> cases, String name, String scheme, List<String> config,
                             List<Expect> expects) {
        for (Expect e : expects) {
            cases.add(Arguments.of(Named.of(name + ": " + e.from() + " -> " + e.host() + " = " + e.outcome(), name),
                    scheme, config, e));
        }
    }

    private static List<Expect> all(String outcome) {
        return grid(outcome, outcome, outcome, outcome);
    }

    /** default/sleep -> google, default/sleep -> yahoo, otherns/sleep -> google, otherns/sleep -> yahoo. */
    private static List<Expect> grid(String dg, String dy, String og, String oy) {
        return List.of(new Expect("default/sleep", GOOGLE, dg), new Expect("default/sleep", YAHOO, dy),
                new Expect("otherns/sleep", GOOGLE, og), new Expect("otherns/sleep", YAHOO, oy));
    }

    private static List<Expect> perPrincipal() {
        return List.of(new Expect("otherns/sleep-google", GOOGLE, "ok"), new Expect("otherns/sleep-google", YAHOO, "403"),
                new Expect("otherns/sleep-yahoo", GOOGLE, "403"), new Expect("otherns/sleep-yahoo", YAHOO, "ok"),
                new Expect("otherns/sleep", GOOGLE, "ok"), new Expect("otherns/sleep", YAHOO, "ok"));
    }

    private static List<String> plus(List<String> base, String... more) {
        List<String> out = new ArrayList<>(base);
        out.addAll(List.of(more));
        return out;
    }

    /** The tutorial's configuration as users see it, in examples/tutorial (tests run in the cli module). */
    static String f(String name) {
        Path file = Path.of("..", "examples", "tutorial", name);
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException("missing fixture " + file.toAbsolutePath());
        }
        return file.toString();
    }
}
