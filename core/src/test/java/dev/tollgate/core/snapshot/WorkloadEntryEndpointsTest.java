package dev.tollgate.core.snapshot;

import dev.tollgate.core.analysis.EgressAnalyzer;
import dev.tollgate.core.model.Diagnostic;
import dev.tollgate.core.model.MeshSettings;
import dev.tollgate.core.model.OutboundMode;
import dev.tollgate.core.model.Verdict;
import dev.tollgate.core.model.WorkloadRef;
import dev.tollgate.core.testing.TestConfig;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A ServiceEntry's endpoints, as Istio's ServiceEntry controller makes them
 * (pilot/pkg/serviceregistry/serviceentry/conversion.go, controller.go), where they decide where a proxy connects.
 * Each case quotes the rule it checks.
 */
class WorkloadEntryEndpointsTest {
    private static final WorkloadRef SLEEP = new WorkloadRef("payments", "sleep", Map.of("app", "sleep"));

    private static String entry(String resolution, String extra) {
        return """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: ledger, namespace: payments}
                spec:
                  hosts: [ledger.internal.example]
                  location: MESH_INTERNAL
                  ports:
                  - {number: 443, name: tls, protocol: TLS%s}
                  resolution: %s
                  workloadSelector:
                    labels: {app: ledger-vm}
                """.formatted(extra, resolution);
    }

    private static String we(String ns, String name, String labels, String spec) {
        return """
                ---
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata: {name: %s, namespace: %s, labels: %s}
                spec:
                %s
                """.formatted(name, ns, labels, spec.indent(2));
    }

    private static MeshSnapshot snapshot(String yaml) {
        return SnapshotCompiler.compile(TestConfig.create()
                .mesh(MeshSettings.DEFAULTS.withOutboundMode(OutboundMode.REGISTRY_ONLY))
                .apply("payments", yaml).build());
    }

    private static Upstream upstream(MeshSnapshot s) {
        OutboundDecision d = s.outbound(SLEEP, OutboundRequest.tls("ledger.internal.example", 443));
        assertThat(d).as("%s", d).isInstanceOf(OutboundDecision.Forward.class);
        return ((OutboundDecision.Forward) d).upstream();
    }

    @Test
    void theSelectorTakesTheWorkloadEntriesWhoseLabelsMatch() {
        // conversion.go services: workloadsByNamespace.Fetch(ctx, cfg.Namespace,
        // krt.FilterLabel(se.WorkloadSelector.Labels)), a subset match on the WorkloadEntry's labels
        MeshSnapshot s = snapshot(entry("STATIC", "")
                + we("payments", "vm-1", "{app: ledger-vm, tier: db}", "address: 10.0.0.5")
                + we("payments", "vm-2", "{app: other}", "address: 10.0.0.6"));
        assertThat(upstream(s).addresses()).containsExactly("10.0.0.5");
        assertThat(upstream(s).port()).isEqualTo(443);
    }

    @Test
    void metadataLabelsAreMergedWithSpecLabelsAndWin() {
        // conversion.go ConvertWorkloadEntry: "we will merge labels from metadata with spec, with precedence to the
        // metadata"
        MeshSnapshot s = snapshot(entry("STATIC", "")
                + we("payments", "by-metadata", "{app: ledger-vm}", "address: 10.0.0.5\nlabels: {app: other}")
                + we("payments", "by-spec", "{}", "address: 10.0.0.6\nlabels: {app: ledger-vm}")
                + we("payments", "overridden", "{app: other}", "address: 10.0.0.7\nlabels: {app: ledger-vm}"));
        assertThat(upstream(s).addresses()).containsExactly("10.0.0.5", "10.0.0.6");
    }

    @Test
    void onlyWorkloadEntriesOfTheEntrysOwnNamespaceAreSelected() {
        // conversion.go services: the index is by namespace, fetched with cfg.Namespace (the ServiceEntry's)
        MeshSnapshot s = snapshot(entry("STATIC", "")
                + we("other", "vm-1", "{app: ledger-vm}", "address: 10.0.0.5"));
        CheckResult c = s.check(SLEEP, OutboundRequest.tls("ledger.internal.example", 443));
        assertThat(c.outcome()).isEqualTo(Verdict.NO_ROUTE);
        assertThat(c.reason()).contains("ServiceEntry payments/ledger", "selects no usable WorkloadEntry of "
                + "namespace payments", "503 no healthy upstream");
    }

    @Test
    void theEndpointsPortForTheServicePortsNameWinsThenTargetPortThenTheNumber() {
        // conversion.go convertWorkloadInstanceToServiceInstance: "priority level: unixAddress > we.ports >
        // se.port.targetPort > se.port.number"
        assertThat(upstream(snapshot(entry("STATIC", ", targetPort: 9443")
                + we("payments", "vm", "{app: ledger-vm}", "address: 10.0.0.5\nports: {tls: 8443}"))).port())
                .isEqualTo(8443);
        assertThat(upstream(snapshot(entry("STATIC", ", targetPort: 9443")
                + we("payments", "vm", "{app: ledger-vm}", "address: 10.0.0.5\nports: {other: 8443}"))).port())
                .as("a port under another name is not this port's").isEqualTo(9443);
        assertThat(upstream(snapshot(entry("STATIC", "")
                + we("payments", "vm", "{app: ledger-vm}", "address: 10.0.0.5"))).port()).isEqualTo(443);
    }

    @Test
    void aWorkloadEntryWithAHostNameIsAnEndpointOfDnsEntriesOnly() {
        // conversion.go convertWorkloadEntryToWorkloadInstance: "k8s can't use workloads with hostnames in the
        // address field" -> DNSServiceEntryOnly; services: "if wi.DNSServiceEntryOnly && !dnsService { return false }"
        String vm = we("payments", "vm", "{app: ledger-vm}", "address: ledger-vm.corp.example");
        assertThat(upstream(snapshot(entry("DNS", "") + vm)).addresses()).containsExactly("ledger-vm.corp.example");
        CheckResult statik = snapshot(entry("STATIC", "") + vm)
                .check(SLEEP, OutboundRequest.tls("ledger.internal.example", 443));
        assertThat(statik.outcome()).isEqualTo(Verdict.NO_ROUTE);
        assertThat(statik.reason()).contains("WorkloadEntry payments/vm", "has address ledger-vm.corp.example",
                "only a DNS entry selects a WorkloadEntry whose address is not an IP");
    }

    @Test
    void aDnsEntryWithASelectorNeverResolvesItsOwnHost() {
        // convertServiceEntryToInstances: the host becomes the endpoint only "if WorkloadSelector is not set"
        CheckResult c = snapshot(entry("DNS", "")).check(SLEEP, OutboundRequest.tls("ledger.internal.example", 443));
        assertThat(c.outcome()).isEqualTo(Verdict.NO_ROUTE);
    }

    @Test
    void selectedEntriesAreInNameOrderAndTheHopNamesTheOneConnectedTo() {
        // services: "sort the selected workloads to ensure determinism" by kind, namespace, name
        MeshSnapshot s = snapshot(entry("STATIC", "")
                + we("payments", "vm-b", "{app: ledger-vm}", "address: 10.0.0.2")
                + we("payments", "vm-a", "{app: ledger-vm}", "address: 10.0.0.1"));
        assertThat(upstream(s).addresses()).containsExactly("10.0.0.1", "10.0.0.2");
        CheckResult c = s.check(SLEEP, OutboundRequest.tls("ledger.internal.example", 443));
        assertThat(c.hops().get(c.hops().size() - 1).detail())
                .contains("endpoint 10.0.0.1 of WorkloadEntry payments/vm-a", "(first of 2 selected)");
    }

    @Test
    void istioMutualWithoutSubjectAltNamesChecksTheEndpointsServiceAccounts() {
        // cluster_tls.go buildUpstreamTLSSettings: "Use Service Accounts if Subject Alt names are not specified in
        // TLS settings"; conversion.go: sa = spiffe.MustGenSpiffeURI(mesh, namespace, we.ServiceAccount)
        String dr = """
                ---
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: ledger, namespace: payments}
                spec:
                  host: ledger.internal.example
                  trafficPolicy: {tls: {mode: ISTIO_MUTUAL%s}}
                """;
        String vms = we("payments", "vm-1", "{app: ledger-vm}", "address: 10.0.0.5\nserviceAccount: ledger")
                + we("payments", "vm-2", "{app: ledger-vm}", "address: 10.0.0.6");
        assertThat(upstream(snapshot(entry("STATIC", "") + vms + dr.formatted(""))).tls().subjectAltNames())
                .containsExactly("spiffe://cluster.local/ns/payments/sa/ledger");
        assertThat(upstream(snapshot(entry("STATIC", "") + vms
                + dr.formatted(", subjectAltNames: [spiffe://cluster.local/ns/payments/sa/other]"))).tls()
                .subjectAltNames()).as("the rule's own names win")
                .containsExactly("spiffe://cluster.local/ns/payments/sa/other");
        assertThat(SnapshotCompiler.compile(TestConfig.create()
                .mesh(MeshSettings.DEFAULTS.withOutboundMode(OutboundMode.REGISTRY_ONLY)
                        .withTrustDomainAliases(List.of("old.example")))
                .apply("payments", entry("STATIC", "") + vms + dr.formatted("")).build())
                .outbound(SLEEP, OutboundRequest.tls("ledger.internal.example", 443)))
                .isInstanceOfSatisfying(OutboundDecision.Forward.class, f -> assertThat(f.upstream().tls()
                        .subjectAltNames()).as("spiffe.ExpandWithTrustDomains").containsExactly(
                        "spiffe://cluster.local/ns/payments/sa/ledger", "spiffe://old.example/ns/payments/sa/ledger"));
    }

    @Test
    void aSelectedPodIsAnEndpointWhoseAddressNoFileHolds() {
        // the ServiceEntry reference: workloadSelector "Applicable only for MESH_INTERNAL services" selects pods and
        // VMs; Tollgate knows the pod from its manifest, not its IP, so the proxy resolves the host
        MeshSnapshot s = SnapshotCompiler.compile(TestConfig.create()
                .mesh(MeshSettings.DEFAULTS.withOutboundMode(OutboundMode.REGISTRY_ONLY))
                .workload("payments", "ledger", "ledger", Map.of("app", "ledger-vm"))
                .apply("payments", entry("STATIC", "")).build());
        assertThat(upstream(s).addresses()).isEmpty();
        CheckResult c = s.check(SLEEP, OutboundRequest.tls("ledger.internal.example", 443));
        assertThat(c.hops().get(c.hops().size() - 1).detail()).contains("endpoints: Pods of payments/ledger");
    }

    @Test
    void analyzeWarnsOfASelectorThatSelectsNothing() {
        List<Diagnostic> none = EgressAnalyzer.analyze(snapshot(entry("STATIC", "")
                + we("other", "vm-1", "{app: ledger-vm}", "address: 10.0.0.5")).config());
        assertThat(none).filteredOn(d -> d.code().equals("TG0112")).singleElement().satisfies(d -> {
            assertThat(d.severity()).isEqualTo(Diagnostic.Severity.WARNING);
            assertThat(d.message()).contains("workloadSelector {app=ledger-vm} selects no WorkloadEntry or workload of "
                    + "namespace payments", "requests to ledger.internal.example fail");
        });
        assertThat(EgressAnalyzer.analyze(snapshot(entry("STATIC", "")
                + we("payments", "vm-1", "{app: ledger-vm}", "address: 10.0.0.5")).config()))
                .noneMatch(d -> d.code().equals("TG0112"));
        assertThat(EgressAnalyzer.analyze(snapshot(entry("NONE", "")).config()))
                .as("a NONE entry uses no endpoints").noneMatch(d -> d.code().equals("TG0112"));
    }
}
