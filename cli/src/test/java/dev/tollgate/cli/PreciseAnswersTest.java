package dev.tollgate.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Issue 10, "Precise answers": the user's exact inputs, through the real command line. */
class PreciseAnswersTest {
    @TempDir
    Path dir;

    /** Namespace payments: Sidecar default (namespace-wide, REGISTRY_ONLY) and batch-jobs, which selects app=batch. */
    static final String TWO_SIDECARS = """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata:
              name: api
              namespace: payments
            spec:
              hosts: [api.stripe.com]
              ports:
              - number: 443
                name: tls
                protocol: TLS
              resolution: DNS
              location: MESH_EXTERNAL
            ---
            apiVersion: networking.istio.io/v1
            kind: Sidecar
            metadata:
              name: default
              namespace: payments
            spec:
              outboundTrafficPolicy:
                mode: REGISTRY_ONLY
              egress:
              - hosts:
                - "./internal.payments.svc.cluster.local"
                - "istio-system/*"
            ---
            apiVersion: networking.istio.io/v1
            kind: Sidecar
            metadata:
              name: batch-jobs
              namespace: payments
            spec:
              workloadSelector:
                labels:
                  app: batch
              outboundTrafficPolicy:
                mode: ALLOW_ANY
              egress:
              - hosts:
                - "*/*"
            """;

    private Path write(String name, String yaml) throws IOException {
        Path f = dir.resolve(name);
        Files.writeString(f, yaml);
        return f;
    }

    @Test
    void withTwoSidecarsTheReasonIsTheSidecarThatApplies() throws IOException {
        Path f = write("payments.yaml", TWO_SIDECARS);
        CliRun check = CliRun.of("check", "-f", f.toString(), "--from", "payments/checkout", "https://api.stripe.com/");
        assertThat(check.exitCode()).as(check.err()).isEqualTo(1);
        String reason = check.out().lines().filter(l -> l.startsWith("  reason: ")).findFirst().orElseThrow();
        assertThat(reason).startsWith("  reason: REGISTRY_ONLY (Sidecar payments/default): api.stripe.com:443: "
                        + "Sidecar payments/default does not import payments/api.stripe.com")
                .doesNotContain("batch-jobs");

        CliRun explain = CliRun.of("explain", "-f", f.toString(), "--from", "payments/checkout",
                "https://api.stripe.com/");
        // the fact the reason words is the one explain marks deciding; the bystander is listed, not marked
        String why = reason.substring(reason.indexOf("api.stripe.com:443: ") + "api.stripe.com:443: ".length());
        assertThat(explain.out()).contains("    * not used  ServiceEntry payments/api  (")
                .contains("                " + why + "\n")
                .contains("      not used  Sidecar payments/batch-jobs  (")
                .contains("(* the verdict rests on it");
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', value = {
            "foo.example.com/       | tollgate check: missing scheme (http:// or https://) in foo.example.com/",
            "https://*.example.com/ | tollgate check: wildcard host *.example.com in https://*.example.com/: no client"
                    + " can request a pattern"})
    void aUrlWithoutSchemeOrWithAWildcardIsOneLineAndExit2(String url, String line) throws IOException {
        Path f = write("payments.yaml", TWO_SIDECARS);
        CliRun r = CliRun.of("check", "-f", f.toString(), "--from", "payments/checkout", url);
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err().lines().toList()).singleElement().asString().startsWith(line);
    }

    /** Issue 10, "After a DENY": routes the request never got to are "not reached", not "not used". */
    @Test
    void routesAfterARegistryRefusalAreNotReached() throws IOException {
        Path f = write("refused.yaml", """
                apiVersion: networking.istio.io/v1
                kind: Sidecar
                metadata:
                  name: default
                  namespace: payments
                spec:
                  outboundTrafficPolicy:
                    mode: REGISTRY_ONLY
                  egress:
                  - hosts: ["./*"]
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata:
                  name: stripe
                  namespace: payments
                spec:
                  hosts: [api.stripe.com]
                  tls:
                  - match:
                    - port: 443
                      sniHosts: [api.stripe.com]
                    route:
                    - destination:
                        host: api.stripe.com
                """);
        CliRun r = CliRun.of("explain", "-f", f.toString(), "--from", "payments/checkout", "https://api.stripe.com/");
        assertThat(r.exitCode()).as(r.err()).isEqualTo(1);
        assertThat(r.out()).contains("reason: REGISTRY_ONLY (Sidecar payments/default)")
                .contains("      not reached VirtualService payments/stripe  (")
                .doesNotContain("not used  VirtualService").doesNotContain("routes matched");
    }

    /** Issue 10, "when keys": an unknown key gets a "did you mean", as unknown fields do. */
    @Test
    void aMisspelledWhenKeyGetsASuggestion() throws IOException {
        Path f = write("policy.yaml", """
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata:
                  name: deny-sni
                  namespace: istio-system
                spec:
                  action: DENY
                  rules:
                  - when:
                    - key: connection.sin
                      values: [developer.yahoo.com]
                """);
        CliRun r = CliRun.of("check", "-f", f.toString(), "--from", "default/sleep", "https://developer.yahoo.com/");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("policy.yaml:10:").contains("unknown attribute: connection.sin (did you mean "
                + "\"connection.sni\"?)");
    }

    /** Issue 10, "Where the mesh mode came from": the source with file:line, and a warning when two disagree. */
    @Test
    void explainSaysWhereTheMeshModeCameFromAndWarnsOfDisagreement() throws IOException {
        Path cm = write("cm.yaml", """
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: istio
                  namespace: istio-system
                data:
                  mesh: |-
                    outboundTrafficPolicy:
                      mode: ALLOW_ANY
                """);
        Path iop = write("iop.yaml", """
                apiVersion: install.istio.io/v1alpha1
                kind: IstioOperator
                metadata:
                  name: installed-state
                  namespace: istio-system
                spec:
                  meshConfig:
                    outboundTrafficPolicy:
                      mode: REGISTRY_ONLY
                """);
        CliRun r = CliRun.of("explain", "-f", cm.toString(), "-f", iop.toString(), "--from", "default/sleep",
                "https://api.stripe.com/");
        assertThat(r.exitCode()).as(r.err()).isEqualTo(1);
        assertThat(r.out()).contains("  mesh settings:\n    outboundTrafficPolicy.mode REGISTRY_ONLY, from IstioOperator"
                        + " istio-system/installed-state (" + iop + ":9:7)")
                .contains("    warning: ConfigMap istio (" + cm + ":9:7) sets outboundTrafficPolicy.mode ALLOW_ANY, but"
                        + " IstioOperator istio-system/installed-state (" + iop + ":9:7) sets REGISTRY_ONLY, which wins:");

        CliRun set = CliRun.of("explain", "-f", cm.toString(), "-f", iop.toString(), "--set",
                "meshConfig.outboundTrafficPolicy.mode=ALLOW_ANY", "--from", "default/sleep", "https://api.stripe.com/");
        assertThat(set.exitCode()).as(set.err()).isZero();
        assertThat(set.out()).contains("    outboundTrafficPolicy.mode ALLOW_ANY, from --set\n")
                .contains("sets outboundTrafficPolicy.mode REGISTRY_ONLY, but --set sets ALLOW_ANY, which wins: --set"
                        + " overrides")
                .doesNotContain("warning: ConfigMap");
    }
}
