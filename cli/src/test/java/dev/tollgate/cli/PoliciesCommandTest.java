package dev.tollgate.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static dev.tollgate.cli.NetpolAnalyzeTest.with;
import static dev.tollgate.cli.netpol.NetpolTutorialTest.tutorial;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code tollgate policies}: what applies to a workload's sidecar or to the egress gateway, on the Istio egress
 * tutorial (part B with its authorization policies) and on Sidecar and exportTo cases where the view differs.
 */
class PoliciesCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Part B: the route through the gateway, REGISTRY_ONLY, allow-nothing and the policy the tutorial puts in default. */
    private static final String[] PART_B = {"-f", "default=" + tutorial("sleep.yaml"), "-f", "otherns=" + tutorial("sleep.yaml"),
            "-f", "istio-system=" + tutorial("external-google.yaml"), "-f", Path.of("..", "examples", "mesh", "registry-only.yaml").toString(),
            "-f", tutorial("authz-allow-nothing.yaml"), "-f", tutorial("authz-allow-google.yaml")};

    @TempDir
    Path dir;

    /** Each resource as "Kind ns/name origin [parts]". */
    private static List<String> rows(CliRun r) throws IOException {
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode root = JSON.readTree(r.out());
        List<String> out = new ArrayList<>();
        for (JsonNode n : root.get("resources")) {
            List<String> parts = new ArrayList<>();
            n.get("parts").forEach(p -> parts.add(p.asText()));
            out.add(n.get("kind").asText() + " " + n.get("namespace").asText() + "/" + n.get("name").asText() + " "
                    + n.get("origin").asText() + " " + parts);
        }
        return out;
    }

    private static String at(String file, String line) {
        return tutorial(file) + ":" + line;
    }

    @Test
    void theSidecarOfDefaultSleepInTheTutorial() throws IOException {
        CliRun r = CliRun.of(with(new String[] {"policies", "--from", "default/sleep", "-o", "json"}, PART_B));
        assertThat(rows(r)).containsExactly(
                "ServiceEntry istio-system/google " + at("external-google.yaml", "2:1")
                        + " [developers.google.com:80/HTTP, developers.google.com:443/HTTPS]",
                // the route to the gateway (spec.http[0], gateways [mesh]), not the gateway's own (spec.http[1])
                "VirtualService istio-system/direct-google-through-egress-gateway " + at("external-google.yaml", "52:1")
                        + " [spec.http[0]]",
                "DestinationRule istio-system/originate-tls-for-developers-google-com " + at("external-google.yaml", "86:1") + " []",
                "DestinationRule istio-system/egressgateway-for-google " + at("external-google.yaml", "36:1") + " []",
                "AuthorizationPolicy istio-system/allow-nothing " + at("authz-allow-nothing.yaml", "3:1") + " []",
                // the tutorial's B2 policy lands in default, so it selects default's pods, not the gateway
                "AuthorizationPolicy default/external-allow-developers-google-com " + at("authz-allow-google.yaml", "3:1")
                        + " [spec.rules[0]]");
        JsonNode root = JSON.readTree(r.out());
        assertThat(root.get("workload").asText()).isEqualTo("default/sleep");
        assertThat(root.get("proxy").asText()).isEqualTo("sidecar");
        assertThat(root.get("labels").get("app").asText()).as("from the Deployment in sleep.yaml").isEqualTo("sleep");
    }

    @Test
    void theSidecarOfOthernsSleepHasNoPolicyOfDefault() throws IOException {
        List<String> rows = rows(CliRun.of(with(new String[] {"policies", "--from", "otherns/sleep", "-o", "json"}, PART_B)));
        assertThat(rows).anySatisfy(l -> assertThat(l).startsWith("VirtualService istio-system/direct-google-through-egress-gateway "))
                .anySatisfy(l -> assertThat(l).startsWith("AuthorizationPolicy istio-system/allow-nothing "))
                .noneSatisfy(l -> assertThat(l).contains("default/external-allow-developers-google-com"));
    }

    @Test
    void theEgressGatewayInTheTutorial() throws IOException {
        CliRun r = CliRun.of(with(new String[] {"policies", "--gateway", "-o", "json"}, PART_B));
        assertThat(rows(r)).containsExactly(
                "ServiceEntry istio-system/google " + at("external-google.yaml", "2:1")
                        + " [developers.google.com:80/HTTP, developers.google.com:443/HTTPS]",
                "Gateway istio-system/istio-google-egressgateway " + at("external-google.yaml", "26:5") + " [spec.servers[0]]",
                "VirtualService istio-system/direct-google-through-egress-gateway " + at("external-google.yaml", "52:1")
                        + " [spec.http[1]]",
                "DestinationRule istio-system/originate-tls-for-developers-google-com " + at("external-google.yaml", "86:1") + " []",
                "DestinationRule istio-system/egressgateway-for-google " + at("external-google.yaml", "36:1") + " []",
                "AuthorizationPolicy istio-system/allow-nothing " + at("authz-allow-nothing.yaml", "3:1") + " []");
        JsonNode root = JSON.readTree(r.out());
        assertThat(root.get("workload").asText()).isEqualTo("istio-system/istio-egressgateway-service-account");
        assertThat(root.get("proxy").asText()).isEqualTo("gateway");
    }

    @Test
    void aGatewayWhoseLabelsNoGatewaySelectsHasNoServersOrRoutes() throws IOException {
        List<String> rows = rows(CliRun.of(with(new String[] {"policies", "--gateway", "--labels", "istio=ingressgateway",
                "-o", "json"}, PART_B)));
        assertThat(rows).noneSatisfy(l -> assertThat(l).startsWith("Gateway "))
                .noneSatisfy(l -> assertThat(l).startsWith("VirtualService "))
                .anySatisfy(l -> assertThat(l).startsWith("AuthorizationPolicy istio-system/allow-nothing "));
    }

    @Test
    void textIsATableWithEachResourcesRuleAndParts() {
        CliRun r = CliRun.of(with(new String[] {"policies", "--from", "default/sleep"}, PART_B));
        assertThat(r.exitCode()).as(r.err()).isZero();
        List<String> lines = r.out().lines().toList();
        assertThat(lines.get(0)).isEqualTo("The sidecar of default/sleep (labels app=sleep): 6 resources apply");
        assertThat(lines.get(2)).matches("KIND +NAMESPACE/NAME +ORIGIN");
        assertThat(r.out()).containsPattern("(?m)^VirtualService +istio-system/direct-google-through-egress-gateway +"
                + java.util.regex.Pattern.quote(at("external-google.yaml", "52:1")) + "$")
                .contains("bound to mesh for hosts [developers.google.com], exported to namespace default\n")
                .contains("ALLOW, in the root namespace istio-system, so mesh-wide\n");
    }

    @Test
    void yamlIsTheSameStructureAsJson() throws IOException {
        CliRun json = CliRun.of(with(new String[] {"policies", "--gateway", "-o", "json"}, PART_B));
        CliRun yaml = CliRun.of(with(new String[] {"policies", "--gateway", "-o", "yaml"}, PART_B));
        assertThat(yaml.exitCode()).as(yaml.err()).isZero();
        assertThat(new YAMLMapper().readTree(yaml.out())).isEqualTo(JSON.readTree(json.out()));
    }

    @Test
    void theSidecarThatAppliesDecidesWhatIsImported() throws IOException {
        Path f = Files.writeString(dir.resolve("payments.yaml"), """
                apiVersion: networking.istio.io/v1
                kind: Sidecar
                metadata: {name: batch-jobs, namespace: payments}
                spec:
                  workloadSelector: {labels: {app: batch}}
                  egress:
                  - hosts: ["./*"]
                ---
                apiVersion: networking.istio.io/v1
                kind: Sidecar
                metadata: {name: default, namespace: payments}
                spec:
                  egress:
                  - hosts: ["istio-system/*"]
                ---
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: google, namespace: istio-system}
                spec:
                  hosts: [developers.google.com]
                  ports: [{number: 443, name: tls, protocol: TLS}]
                  resolution: DNS
                ---
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: ledger, namespace: payments}
                spec:
                  hosts: [ledger.example.com]
                  exportTo: ["."]
                  ports: [{number: 443, name: tls, protocol: TLS}]
                  resolution: DNS
                ---
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: private, namespace: otherns}
                spec:
                  hosts: [private.example.com]
                  exportTo: ["."]
                  ports: [{number: 443, name: tls, protocol: TLS}]
                  resolution: DNS
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: google-tls, namespace: istio-system}
                spec:
                  hosts: [developers.google.com]
                  tls:
                  - match: [{port: 443, sniHosts: [developers.google.com]}]
                    route: [{destination: {host: developers.google.com}}]
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: google-private, namespace: istio-system}
                spec:
                  hosts: [developers.google.com]
                  exportTo: ["."]
                  tls:
                  - match: [{port: 443, sniHosts: [developers.google.com]}]
                    route: [{destination: {host: developers.google.com}}]
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: ledger, namespace: payments}
                spec:
                  hosts: [ledger.example.com]
                  tls:
                  - match: [{port: 443, sniHosts: [ledger.example.com]}]
                    route: [{destination: {host: ledger.example.com}}]
                """);
        List<String> web = rows(CliRun.of("policies", "--from", "payments/web", "--labels", "app=web", "-o", "json",
                "-f", f.toString()));
        assertThat(web).containsExactly(
                "Sidecar payments/default " + f + ":9:1 [spec.egress[0] hosts [istio-system/*]]",
                "ServiceEntry istio-system/google " + f + ":16:1 [developers.google.com:443/TLS]",
                "VirtualService istio-system/google-tls " + f + ":42:1 [spec.tls[0]]");

        List<String> batch = rows(CliRun.of("policies", "--from", "payments/batch", "--labels", "app=batch", "-o", "json",
                "-f", f.toString()));
        assertThat(batch).containsExactly(
                "Sidecar payments/batch-jobs " + f + ":1:1 [spec.egress[0] hosts [./*]]",
                "ServiceEntry payments/ledger " + f + ":24:1 [ledger.example.com:443/TLS]",
                "VirtualService payments/ledger " + f + ":61:1 [spec.tls[0]]");
        CliRun text = CliRun.of("policies", "--from", "payments/batch", "--labels", "app=batch", "-f", f.toString());
        assertThat(text.out()).contains("its workloadSelector matches the workload's labels")
                .contains("exported to namespace payments and imported by Sidecar payments/batch-jobs");
    }

    /**
     * One implementation: every resource a decision names at a proxy (check's hops) is among what policies lists for
     * that proxy, for the tutorial's HTTP (TLS origination) and HTTPS (passthrough) variants.
     */
    @Test
    void everyResourceADecisionUsesIsListedForItsProxy() throws IOException {
        for (String variant : new String[] {"external-google.yaml", "external-google-https.yaml"}) {
            String[] files = {"-f", "default=" + tutorial("sleep.yaml"), "-f", "otherns=" + tutorial("sleep.yaml"),
                    "-f", "istio-system=" + tutorial(variant), "-f", Path.of("..", "examples", "mesh", "registry-only.yaml").toString(),
                    "-f", tutorial("authz-allow-nothing.yaml"), "-f", tutorial("authz-allow-google.yaml")};
            List<String> gateway = names(rows(CliRun.of(with(new String[] {"policies", "--gateway", "-o", "json"}, files))));
            int checked = 0;
            for (String from : new String[] {"default/sleep", "otherns/sleep"}) {
                List<String> sidecar = names(rows(CliRun.of(with(new String[] {"policies", "--from", from, "-o", "json"},
                        files))));
                for (String url : new String[] {"http://developers.google.com/", "https://developers.google.com/",
                        "http://edition.cnn.com/"}) {
                    CliRun check = CliRun.of(with(new String[] {"check", "--from", from, "-o", "json", url}, files));
                    for (JsonNode hop : JSON.readTree(check.out()).get("hops")) {
                        if (hop.get("resource").isNull()) {
                            continue;
                        }
                        String resource = hop.get("resource").asText();
                        List<String> listed = hop.get("proxy").asText().startsWith("sidecar ") ? sidecar : gateway;
                        assertThat(listed).as(variant + " " + from + " " + url + " " + hop).contains(resource);
                        checked++;
                    }
                }
            }
            assertThat(checked).as(variant).isGreaterThanOrEqualTo(6);
        }
    }

    /** "Kind ns/name" of each row. */
    private static List<String> names(List<String> rows) {
        return rows.stream().map(r -> r.substring(0, r.indexOf(' ', r.indexOf(' ') + 1))).toList();
    }

    @Test
    void withoutAWorkloadItIsAUsageError() {
        CliRun r = CliRun.of(with(new String[] {"policies"}, PART_B));
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("give --from NAMESPACE/SERVICEACCOUNT (a sidecar) or --gateway");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void aConfigurationErrorExitsTwoNamingTheFile() throws IOException {
        Path bad = Files.writeString(dir.resolve("bad.yaml"), """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: x, namespace: default}
                spec:
                  hostz: [a.example.com]
                """);
        CliRun r = CliRun.of("policies", "--from", "default/sleep", "-f", bad.toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("Error [unknown-field] (ServiceEntry default/x " + bad + ":5:3) ");
    }
}
