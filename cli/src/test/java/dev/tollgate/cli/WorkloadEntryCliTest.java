package dev.tollgate.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * WorkloadEntries through the command line, from files: {@code check} connects to the selected one (its address and
 * its port for the ServicePort's name), {@code explain} names it with file:line, {@code analyze} warns of a
 * workloadSelector that selects nothing, and a hostile WorkloadEntry is a configuration error (exit 2) at its line.
 */
class WorkloadEntryCliTest {
    @TempDir
    Path dir;

    private static final String LEDGER = """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: ledger, namespace: payments}
            spec:
              hosts: [ledger.internal.example]
              location: MESH_INTERNAL
              ports: [{number: 443, name: tls, protocol: TLS}]
              resolution: STATIC
              workloadSelector: {labels: {app: ledger-vm}}
            """;

    private static final String VM = """
            apiVersion: networking.istio.io/v1beta1
            kind: WorkloadEntry
            metadata:
              name: ledger-vm-1
              namespace: payments
            spec:
              address: 10.20.0.5
              ports: {tls: 8443}
              labels: {app: ledger-vm}
              serviceAccount: ledger
            """;

    private Path write(String name, String yaml) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, yaml);
        return p;
    }

    @Test
    void checkConnectsToTheSelectedWorkloadEntry() throws IOException {
        Path se = write("ledger.yaml", LEDGER);
        Path vm = write("vm.yaml", VM);
        CliRun r = CliRun.of("check", "-f", se.toString(), "-f", vm.toString(), "--from", "payments/sleep",
                "--set", "meshConfig.outboundTrafficPolicy.mode=REGISTRY_ONLY", "-o", "json",
                "https://ledger.internal.example/");
        assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertThat(j.at("/upstream/addresses/0").asText()).isEqualTo("10.20.0.5");
        assertThat(j.at("/upstream/port").asInt()).isEqualTo(8443);
        JsonNode last = j.at("/hops").get(j.at("/hops").size() - 1);
        assertThat(last.get("detail").asText()).contains("(endpoint port 8443)",
                "endpoint 10.20.0.5 of WorkloadEntry payments/ledger-vm-1 (" + vm + ":1:1)");
    }

    @Test
    void explainNamesTheWorkloadEntryAndWhereItIsWritten() throws IOException {
        Path se = write("ledger.yaml", LEDGER);
        Path vm = write("vm.yaml", VM);
        CliRun r = CliRun.of("explain", "-f", se.toString(), "-f", vm.toString(), "--from", "payments/sleep",
                "--set", "meshConfig.outboundTrafficPolicy.mode=REGISTRY_ONLY", "https://ledger.internal.example/");
        assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("endpoint 10.20.0.5 of WorkloadEntry payments/ledger-vm-1 (" + vm + ":1:1)");
    }

    @Test
    void checkRefusesWhenTheSelectorSelectsNothingAndAnalyzeWarns() throws IOException {
        Path se = write("ledger.yaml", LEDGER);
        Path vm = write("vm.yaml", VM.replace("namespace: payments", "namespace: other"));
        CliRun check = CliRun.of("check", "-f", se.toString(), "-f", vm.toString(), "--from", "payments/sleep",
                "--set", "meshConfig.outboundTrafficPolicy.mode=REGISTRY_ONLY", "https://ledger.internal.example/");
        assertThat(check.exitCode()).isEqualTo(1);
        assertThat(check.out()).contains("selects no usable WorkloadEntry of namespace payments");
        CliRun analyze = CliRun.of("analyze", se.toString(), vm.toString());
        assertThat(analyze.out() + analyze.err()).contains("Warning [TG0112] (ServiceEntry payments/ledger " + se
                + ":9:", "workloadSelector {app=ledger-vm} selects no WorkloadEntry or workload of namespace payments");
    }

    @Test
    void aHostileWorkloadEntryIsAConfigurationErrorAtItsLine() throws IOException {
        Path vm = write("vm.yaml", VM.replace("address: 10.20.0.5", "address: 10.20.0.5/24"));
        CliRun r = CliRun.of("check", "-f", vm.toString(), "--from", "payments/sleep",
                "https://ledger.internal.example/");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("Error [invalid-field] (WorkloadEntry payments/ledger-vm-1 " + vm + ":7:3)",
                "endpoint address \"10.20.0.5/24\" is not a valid FQDN or an IP address");
    }
}
