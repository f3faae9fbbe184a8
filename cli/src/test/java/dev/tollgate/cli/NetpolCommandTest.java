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
        assertThat(NetpolYaml.parse(r.out())).containsOnlyKeys("default/tollgate-egress-via-gateway",
                "istio-system/tollgate-egress-gateway-upstream", "istio-system/tollgate-control-plane-egress");
        assertThat(r.err()).contains("note: no --api-server-cidr").contains("any address on TCP [443, 6443]");
    }

    @Test
    void apiServerCidrsAndPortsNarrowTheControlPlanesPolicy() {
        CliRun r = CliRun.of("netpol", "-f", "default=" + tutorial("sleep.yaml"),
                "--api-server-cidr", "198.18.0.10/32", "--api-server-cidr", "198.18.1.0/24", "--api-server-port", "6443");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.err()).doesNotContain("note:");
        assertThat(r.out()).doesNotContain("ANY address");
        assertThat(NetpolYaml.describe(NetpolYaml.parse(r.out()).get("istio-system/tollgate-control-plane-egress")))
                .containsExactly("kube-system/{k8s-app=kube-dns} -> UDP/53,TCP/53", "198.18.0.10/32 198.18.1.0/24 -> TCP/6443");
    }

    @Test
    void theControlPlaneRoleInNftables() {
        CliRun r = CliRun.of("netpol", "-o", "nftables", "--role", "control-plane", "-f", tutorial("sleep.yaml"),
                "--api-server-address", "198.18.0.10");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("elements = { 198.18.0.10 }")
                .contains("ip daddr @apiserver4 tcp dport { 443, 6443 } accept");
        CliRun any = CliRun.of("netpol", "-o", "nftables", "--role", "control-plane", "-f", tutorial("sleep.yaml"));
        assertThat(any.exitCode()).as(any.err()).isZero();
        assertThat(any.err()).contains("note: no --api-server-address");
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
        CliRun cidr = CliRun.of("netpol", "--api-server-cidr", "10.0.0.0/33", "-f", tutorial("sleep.yaml"));
        assertThat(cidr.exitCode()).isEqualTo(2);
        assertThat(cidr.err()).contains("--api-server-cidr 10.0.0.0/33");
        assertThat(CliRun.of("netpol", "--api-server-port", "0", "-f", tutorial("sleep.yaml")).exitCode()).isEqualTo(2);
        CliRun gw = CliRun.of("netpol", "-o", "nftables", "--gateway", "egress/nope", "-f", tutorial("sleep.yaml"));
        assertThat(gw.exitCode()).isEqualTo(2);
        assertThat(gw.err()).contains("--gateway egress/nope").contains("istio-system/istio-egressgateway");
    }
}
