package dev.tollgate.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** What a user sees when the command or its configuration is wrong: exit 2 and a message that points at it. */
class CliErrorPathTest {
    @TempDir
    Path dir;

    private Path write(String name, String yaml) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, yaml);
        return p;
    }

    @Test
    void missingFileIsAConfigurationErrorNamingTheFile() {
        CliRun r = CliRun.of("check", "-f", dir.resolve("nope.yaml").toString(), "--from", "default/sleep",
                "https://example.com/");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("nope.yaml");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void badYamlPointsAtTheFileAndLine() throws IOException {
        Path f = write("bad.yaml", """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata:
                  name: x
                spec:
                  hosts: [a.example.com
                  ports: {}
                """);
        CliRun r = CliRun.of("check", "-f", f.toString(), "--from", "default/sleep", "https://a.example.com/");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).containsPattern("bad\\.yaml:[67]");
    }

    @Test
    void unknownFieldIsAnErrorNamingTheFieldPath() throws IOException {
        Path f = write("typo.yaml", """
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata:
                  name: deny-typo
                  namespace: istio-system
                spec:
                  action: DENY
                  rules:
                  - from:
                    - source:
                        principal: ["cluster.local/ns/default/sa/sleep"]
                """);
        CliRun r = CliRun.of("check", "-f", f.toString(), "--from", "default/sleep", "https://a.example.com/");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("typo.yaml:11").contains("principal").contains("deny-typo");
    }

    @Test
    void unknownIstioKindIsAnError() throws IOException {
        Path f = write("kind.yaml", """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntrie
                metadata:
                  name: x
                spec:
                  hosts: [a.example.com]
                """);
        CliRun r = CliRun.of("check", "-f", f.toString(), "--from", "default/sleep", "https://a.example.com/");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("kind.yaml").contains("ServiceEntrie");
    }

    @Test
    void aFileOverMaxConfigFileSizeIsAnErrorNamingItAndTheFlag() throws IOException {
        // a real object after the comment: a file of only comments is an error of its own (no-objects)
        Path f = write("big.yaml", "# " + "x".repeat(2000) + "\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n");
        CliRun r = CliRun.of("check", "-f", f.toString(), "--max-config-file-size", "1Ki", "--from", "default/sleep",
                "https://a.example.com/");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains(f + " is 2054 bytes, larger than the limit of 1 KiB per file "
                + "(--max-config-file-size)");
        assertThat(CliRun.of("check", "-f", f.toString(), "--from", "default/sleep", "https://a.example.com/")
                .exitCode()).as("under the default 4Mi it loads").isZero();
    }

    @Test
    void theProxiesTakeTheSameConfigSizeLimit() throws IOException {
        Path f = write("big-proxy.yaml", "# " + "x".repeat(2000) + "\n");
        for (String proxy : new String[]{"sidecar", "gateway"}) {
            String[] args = proxy.equals("sidecar")
                    ? new String[]{"sidecar", "--namespace", "default", "--service-account", "sleep", "-f",
                            f.toString(), "--max-config-file-size", "1Ki", "--ca-dir", dir.resolve("ca").toString(),
                            "--listen", "127.0.0.1:0"}
                    : new String[]{"gateway", "-f", f.toString(), "--max-config-file-size", "1Ki", "--ca-dir",
                            dir.resolve("ca").toString()};
            CliRun r = CliRun.of(args);
            assertThat(r.exitCode()).as(proxy).isEqualTo(2);
            assertThat(r.err()).as(proxy).contains(f + " is 2003 bytes, larger than the limit of 1 KiB per file "
                    + "(--max-config-file-size)");
        }
    }

    @Test
    void aSizeFlagThatIsNotASizeIsAUsageError() {
        CliRun r = CliRun.of("check", "--max-yaml-scalar-size", "1MB", "--from", "default/sleep",
                "https://a.example.com/");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("--max-yaml-scalar-size 1MB: expected a positive number of bytes, optionally "
                + "with Ki, Mi or Gi, e.g. 4Mi");
    }

    @Test
    void otherKubernetesKindsAreSkippedWithANoticeAndTheCheckGoesOn() throws IOException {
        Path f = write("np.yaml", """
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata:
                  name: np
                spec:
                  podSelector: {}
                """);
        CliRun r = CliRun.of("check", "-f", f.toString(), "--from", "default/sleep", "https://a.example.com/");
        assertThat(r.exitCode()).isZero(); // ALLOW_ANY: nothing restricts it
        assertThat(r.out()).startsWith("ALLOWED");
    }

    @Test
    void badUrlSchemeIsAUsageError() {
        CliRun r = CliRun.of("check", "--from", "default/sleep", "ftp://a.example.com/");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("unsupported scheme");
    }

    @Test
    void fromWithoutServiceAccountIsAUsageError() {
        CliRun r = CliRun.of("check", "--from", "default", "https://a.example.com/");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("NAMESPACE/SERVICEACCOUNT");
    }

    @Test
    void missingFromIsAUsageErrorWithHelp() {
        CliRun r = CliRun.of("check", "https://a.example.com/");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("--from");
    }

    @Test
    void badSetIsAUsageError() {
        CliRun r = CliRun.of("check", "--set", "outboundTrafficPolicy.mode=REGISTRY_ONLY", "--from", "default/sleep",
                "https://a.example.com/");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("meshConfig.KEY=VALUE");
    }

    @Test
    void invalidOutboundModeIsAConfigurationError() {
        CliRun r = CliRun.of("check", "--set", "meshConfig.outboundTrafficPolicy.mode=DENY_ALL", "--from",
                "default/sleep", "https://a.example.com/");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("DENY_ALL");
    }

    @Test
    void unknownOutputFormatIsAUsageError() {
        CliRun r = CliRun.of("check", "-o", "yaml", "--from", "default/sleep", "https://a.example.com/");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("-o yaml");
    }
}
