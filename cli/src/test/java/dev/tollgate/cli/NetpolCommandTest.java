package dev.tollgate.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import dev.tollgate.cli.netpol.NetpolYaml;

import static dev.tollgate.cli.netpol.NetpolTutorialTest.tutorial;
import static org.assertj.core.api.Assertions.assertThat;

/** tollgate netpol through the real command line, in-process. */
class NetpolCommandTest {
    @Test
    void printsYamlByDefault() {
        CliRun r = CliRun.of("netpol", "-f", "default=" + tutorial("sleep.yaml"),
                "-f", "istio-system=" + tutorial("external-google-https.yaml"));
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(NetpolYaml.parseByNamespace(r.out())).containsOnlyKeys("default", "istio-system");
    }

    @Test
    void printsNftablesWithAddresses() {
        CliRun r = CliRun.of("netpol", "-o", "nftables", "-f", "default=" + tutorial("sleep.yaml"),
                "-f", "istio-system=" + tutorial("external-google-https.yaml"), "--gateway-address", "198.18.0.2");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("table inet tollgate_egress {").contains("elements = { 198.18.0.2 }")
                .contains("ip daddr @gateway4 tcp dport 443 accept");
    }

    @Test
    void aBadFileIsExit2WithFileAndLine(@TempDir Path dir) throws IOException {
        Path bad = Files.writeString(dir.resolve("bad.yaml"), """
                apiVersion: networking.istio.io/v1beta1
                kind: ServiceEntry
                metadata: {name: x}
                spec:
                  hosts: [a.example.com]
                  ports: [{number: 99999, name: p, protocol: TCP}]
                """);
        CliRun r = CliRun.of("netpol", "-f", bad.toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.out()).as("nothing printed on error").isEmpty();
        assertThat(r.err()).contains("bad.yaml:");
    }

    @Test
    void aBadAddressOrRoleIsExit2() {
        CliRun addr = CliRun.of("netpol", "-o", "nftables", "--gateway-address", "not-an-ip", "-f", tutorial("sleep.yaml"));
        assertThat(addr.exitCode()).isEqualTo(2);
        assertThat(addr.err()).contains("--gateway-address not-an-ip");
        CliRun role = CliRun.of("netpol", "-o", "nftables", "--role", "router", "-f", tutorial("sleep.yaml"));
        assertThat(role.exitCode()).isEqualTo(2);
        assertThat(CliRun.of("netpol", "-o", "json", "-f", tutorial("sleep.yaml")).exitCode()).isEqualTo(2);
    }
}
