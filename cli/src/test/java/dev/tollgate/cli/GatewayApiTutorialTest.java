package dev.tollgate.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static dev.tollgate.cli.TutorialCheckTest.f;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Part B of the Istio egress tutorial written with the Gateway API (examples/tutorial-gateway-api: Gateway,
 * HTTPRoute/TLSRoute pairs whose parentRefs name the ServiceEntry and the Gateway), through the real command line:
 * every request gets the outcome it gets with the Istio API variant (examples/tutorial), and the one the tutorial
 * gives; explain and analyze name the user's Gateway API resources.
 */
class GatewayApiTutorialTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String GOOGLE = "developers.google.com";
    private static final String YAHOO = "developer.yahoo.com";
    private static final String REGISTRY_ONLY = "meshConfig.outboundTrafficPolicy.mode=REGISTRY_ONLY";

    record Expect(String from, String host, String outcome) {
    }

    /** The Gateway API variant of a tutorial fixture. */
    static String g(String name) {
        Path file = Path.of("..", "examples", "tutorial-gateway-api", name);
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException("missing fixture " + file.toAbsolutePath());
        }
        return file.toString();
    }

    /** The routing of one variant: {@code f} for the Istio API, {@code g} for the Gateway API. */
    private static List<String> http(boolean gatewayApi) {
        return List.of("--set", REGISTRY_ONLY,
                "-f", "istio-system=" + (gatewayApi ? g("external-google.yaml") : f("external-google.yaml")),
                "-f", "istio-system=" + (gatewayApi ? g("external-yahoo.yaml") : f("external-yahoo.yaml")));
    }

    private static List<String> https(boolean gatewayApi) {
        return List.of("--set", REGISTRY_ONLY,
                "-f", "istio-system=" + (gatewayApi ? g("external-google-https.yaml") : f("external-google-https.yaml")),
                "-f", "istio-system=" + (gatewayApi ? g("external-yahoo-https.yaml") : f("external-yahoo-https.yaml")));
    }

    static Stream<Arguments> steps() {
        List<Arguments> cases = new ArrayList<>();
        step(cases, "B1 through the gateway, no policy", "http", List.of(), grid("ok", "ok", "ok", "ok"));
        step(cases, "B2 allow-nothing in istio-system", "http",
                List.of("-f", "istio-system=" + f("authz-allow-nothing.yaml")), grid("403", "403", "403", "403"));
        step(cases, "B3 deny google from otherns, deny yahoo from default", "http",
                List.of("-f", "istio-system=" + f("authz-deny-google.yaml"),
                        "-f", "istio-system=" + f("authz-deny-yahoo.yaml")), grid("ok", "403", "403", "ok"));
        List<String> perPrincipal = List.of("-f", "istio-system=" + f("authz-deny-google-custom.yaml"),
                "-f", "istio-system=" + f("authz-deny-yahoo-custom.yaml"));
        step(cases, "B4 per principal", "http", perPrincipal, perPrincipal());
        step(cases, "B5 HTTPS variant, per principal", "https", perPrincipal, perPrincipal());
        step(cases, "B5 HTTPS variant, sleep in both namespaces", "https", perPrincipal,
                grid("ok", "ok", "ok", "ok"));
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("steps")
    void sameOutcomeAsTheIstioApiVariant(String step, String scheme, List<String> policies, Expect expect)
            throws Exception {
        String gatewayApi = outcome(scheme, true, policies, expect);
        String istioApi = outcome(scheme, false, policies, expect);
        assertThat(gatewayApi).isEqualTo(expect.outcome());
        assertThat(gatewayApi).isEqualTo(istioApi);
    }

    private static String outcome(String scheme, boolean gatewayApi, List<String> policies, Expect expect)
            throws Exception {
        List<String> args = new ArrayList<>(List.of("check"));
        args.addAll(scheme.equals("http") ? http(gatewayApi) : https(gatewayApi));
        args.addAll(policies);
        args.addAll(workloads());
        args.addAll(List.of("--from", expect.from(), "-o", "json"));
        if (scheme.equals("http")) {
            args.add("-I");
        }
        args.add(scheme + "://" + expect.host() + "/");
        CliRun run = CliRun.of(args.toArray(String[]::new));
        JsonNode json = JSON.readTree(run.out());
        String outcome = json.get("outcome").asText();
        assertThat(run.exitCode()).as(run.err() + run.out()).isEqualTo(outcome.equals("allowed") ? 0 : 1);
        return switch (outcome) {
            case "allowed" -> "ok";
            case "denied" -> "403";
            default -> outcome;
        };
    }

    @Test
    void checkNamesTheHttpRoutesAndTheGatewayWithTheirLines() {
        List<String> args = new ArrayList<>(List.of("check"));
        args.addAll(http(true));
        args.addAll(workloads());
        args.addAll(List.of("--from", "default/sleep", "-I", "http://" + GOOGLE + "/"));
        CliRun r = CliRun.of(args.toArray(String[]::new));
        assertThat(r.exitCode()).as(r.err()).isZero();
        String file = g("external-google.yaml");
        assertThat(r.out())
                .contains("HTTPRoute istio-system/direct-google-to-egress-gateway http[0] (match holds) routes to "
                        + "google-egress-gateway-istio.istio-system.svc.cluster.local:80")
                .contains("(" + file + ":" + line(file, "  - backendRefs:", 1) + ":5)")
                .contains("gateway istio-system/google-egress-gateway-istio")
                .contains("Gateway istio-system/google-egress-gateway listener https-listener-for-tls-origination "
                        + "servers[0] (port 80 HTTPS ISTIO_MUTUAL")
                .contains("HTTPRoute istio-system/forward-google-from-egress-gateway http[0]")
                .contains("(" + file + ":" + line(file, "  - backendRefs:", 2) + ":5)")
                .doesNotContain("istio-autogenerated-k8s-gateway");
    }

    @Test
    void explainWalksTheGatewayApiPathAndTheDecidingPolicy() {
        List<String> args = new ArrayList<>(List.of("explain"));
        args.addAll(http(true));
        args.addAll(List.of("-f", "istio-system=" + f("authz-deny-google.yaml"),
                "-f", "istio-system=" + f("authz-deny-yahoo.yaml")));
        args.addAll(workloads());
        args.addAll(List.of("--from", "otherns/sleep", "-I", "http://" + GOOGLE + "/"));
        CliRun r = CliRun.of(args.toArray(String[]::new));
        assertThat(r.exitCode()).as(r.err()).isEqualTo(1);
        assertThat(r.out()).startsWith("DENIED")
                .contains("HTTPRoute istio-system/direct-google-to-egress-gateway")
                .contains("external-deny-developers-google-com")
                .contains("google-egress-gateway-istio");
    }

    @Test
    void analyzeFindsWhatItFindsForTheIstioApiVariant() {
        for (boolean httpVariant : List.of(true, false)) {
            Set<String> gatewayApi = codes(httpVariant, true);
            Set<String> istioApi = codes(httpVariant, false);
            assertThat(gatewayApi).as(httpVariant ? "http" : "https").isEqualTo(istioApi);
        }
    }

    private static Set<String> codes(boolean httpVariant, boolean gatewayApi) {
        List<String> args = new ArrayList<>(List.of("analyze"));
        args.addAll(httpVariant ? http(gatewayApi) : https(gatewayApi));
        args.addAll(workloads());
        CliRun r = CliRun.of(args.toArray(String[]::new));
        Set<String> codes = new TreeSet<>();
        Matcher m = Pattern.compile("\\[(TG\\d{4})]").matcher(r.out());
        while (m.find()) {
            codes.add(m.group(1));
        }
        return codes;
    }

    /**
     * TLS passthrough as Istio's egress task writes it (Passthrough listener, TLSRoutes, no DestinationRule): the
     * sidecar sends the client's TLS as it is, so the gateway's policies on the source never match, while one that
     * needs no source still does.
     */
    @Test
    void passthroughGatewayRoutesOnTheClientsSniAndKnowsNoSource(@org.junit.jupiter.api.io.TempDir Path dir)
            throws Exception {
        Path denyDefault = dir.resolve("deny-default-google.yaml");
        Files.writeString(denyDefault, """
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: deny-default-google}
                spec:
                  action: DENY
                  rules:
                  - from: [{source: {namespaces: ["default"]}}]
                    when: [{key: connection.sni, values: ["developers.google.com"]}]
                """);
        List<String> base = List.of("check", "--set", REGISTRY_ONLY, "-f", "istio-system=" + g("passthrough-google.yaml"),
                "-f", "default=" + f("sleep.yaml"), "--from", "default/sleep", "-o", "json");
        JsonNode open = JSON.readTree(run(base).out());
        assertThat(open.get("outcome").asText()).isEqualTo("allowed");
        assertThat(open.toString()).contains("PASSTHROUGH").contains("TLSRoute istio-system/forward-google-from-egress-gateway");
        // DENY from namespace default on the SNI: no peer identity at a passthrough server, so it cannot match
        JsonNode deny = JSON.readTree(run(plus(base, "-f", "istio-system=" + denyDefault)).out());
        assertThat(deny.get("outcome").asText()).isEqualTo("allowed");
        // the same policy where the gateway ends Istio mutual TLS (the tutorial's HTTPS fixture) does match
        List<String> mutual = new ArrayList<>(base);
        mutual.set(mutual.indexOf("istio-system=" + g("passthrough-google.yaml")),
                "istio-system=" + g("external-google-https.yaml"));
        JsonNode denied = JSON.readTree(run(plus(mutual, "-f", "istio-system=" + denyDefault)).out());
        assertThat(denied.get("outcome").asText()).isEqualTo("denied");
        JsonNode nothing = JSON.readTree(run(plus(base, "-f", "istio-system=" + f("authz-allow-nothing.yaml"))).out());
        assertThat(nothing.get("outcome").asText()).isEqualTo("denied");
    }

    private static CliRun run(List<String> args) {
        List<String> all = new ArrayList<>(args);
        all.add("https://" + GOOGLE + "/");
        return CliRun.of(all.toArray(String[]::new));
    }

    private static List<String> plus(List<String> base, String... more) {
        List<String> out = new ArrayList<>(base);
        out.addAll(List.of(more));
        return out;
    }

    @Test
    void gatewayNameSetsTheDeploymentsIdentityAndRefusesToBeMixedWithIt() {
        CliRun mixed = CliRun.of("gateway", "--gateway-name", "google-egress-gateway", "--labels", "app=x",
                "-f", "istio-system=" + g("external-google.yaml"));
        assertThat(mixed.exitCode()).isEqualTo(2);
        assertThat(mixed.err()).contains("--gateway-name sets the service account and labels");
    }

    /** The line of the n-th occurrence of {@code text} in a file. */
    private static int line(String file, String text, int occurrence) {
        try {
            List<String> lines = Files.readAllLines(Path.of(file));
            int seen = 0;
            for (int i = 0; i < lines.size(); i++) {
                if (lines.get(i).equals(text) && ++seen == occurrence) {
                    return i + 1;
                }
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        throw new IllegalStateException(text + " not in " + file);
    }

    private static List<String> workloads() {
        return List.of("-f", "default=" + f("sleep.yaml"), "-f", "otherns=" + f("sleep.yaml"),
                "-f", "otherns=" + f("sleep-custom.yaml"));
    }

    private static void step(List<Arguments> cases, String name, String scheme, List<String> policies,
                             List<Expect> expects) {
        for (Expect e : expects) {
            cases.add(Arguments.of(Named.of(name + ": " + e.from() + " -> " + e.host() + " = " + e.outcome(), name),
                    scheme, policies, e));
        }
    }

    private static List<Expect> grid(String dg, String dy, String og, String oy) {
        return List.of(new Expect("default/sleep", GOOGLE, dg), new Expect("default/sleep", YAHOO, dy),
                new Expect("otherns/sleep", GOOGLE, og), new Expect("otherns/sleep", YAHOO, oy));
    }

    private static List<Expect> perPrincipal() {
        return List.of(new Expect("otherns/sleep-google", GOOGLE, "ok"), new Expect("otherns/sleep-google", YAHOO, "403"),
                new Expect("otherns/sleep-yahoo", GOOGLE, "403"), new Expect("otherns/sleep-yahoo", YAHOO, "ok"),
                new Expect("otherns/sleep", GOOGLE, "ok"), new Expect("otherns/sleep", YAHOO, "ok"));
    }
}
