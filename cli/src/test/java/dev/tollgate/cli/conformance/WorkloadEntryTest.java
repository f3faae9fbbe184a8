package dev.tollgate.cli.conformance;

import dev.tollgate.cli.conformance.Conformance.Case;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.stream.Stream;

import static dev.tollgate.cli.conformance.Conformance.check;

/**
 * WorkloadEntries as ServiceEntry endpoints, through {@code check -o json}: which endpoint the sidecar connects to,
 * on which port, or why there is none. Each case quotes Istio's rule (istio/istio
 * pilot/pkg/serviceregistry/serviceentry/conversion.go, pkg/config/validation/validation.go).
 */
class WorkloadEntryTest {
    private static final String SELECT = "conversion.go services: workloadsByNamespace.Fetch(ctx, cfg.Namespace, "
            + "krt.FilterLabel(se.WorkloadSelector.Labels)): WorkloadEntries of the ServiceEntry's namespace whose "
            + "labels include the selector's";
    private static final String MERGE = "conversion.go ConvertWorkloadEntry: \"we will merge labels from metadata "
            + "with spec, with precedence to the metadata\"";
    private static final String PORTS = "conversion.go convertWorkloadInstanceToServiceInstance: \"priority level: "
            + "unixAddress > we.ports > se.port.targetPort > se.port.number\" (we.ports is keyed by the service "
            + "port's name)";
    private static final String EXCLUSIVE = "validation.go ValidateServiceEntry: \"only one of WorkloadSelector or "
            + "Endpoints is allowed in Service Entry\"";
    private static final String DNS_ONLY = "conversion.go convertWorkloadEntryToWorkloadInstance: \"k8s can't use "
            + "workloads with hostnames in the address field\" (DNSServiceEntryOnly); services: \"if "
            + "wi.DNSServiceEntryOnly && !dnsService { return false }\"";
    private static final String URL = "https://ledger.internal.example/";

    @TempDir
    Path dir;

    private static String entry(String resolution, String port) {
        return """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: ledger, namespace: payments}
                spec:
                  hosts: [ledger.internal.example]
                  location: MESH_INTERNAL
                  ports: [%s]
                  resolution: %s
                  workloadSelector: {labels: {app: ledger-vm}}
                """.formatted(port, resolution);
    }

    private static final String TLS_PORT = "{number: 443, name: tls, protocol: TLS}";

    private static String we(String ns, String metadataLabels, String spec) {
        return """
                ---
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata: {name: vm, namespace: %s, labels: %s}
                spec:
                %s
                """.formatted(ns, metadataLabels, spec.indent(2));
    }

    private static Case in(String name, String rule, String yaml) {
        return check(name, rule).from("payments/sleep").registryOnly().file(yaml);
    }

    static Stream<Case> cases() {
        return Stream.of(
                in("a WorkloadEntry whose labels include the selector's is the endpoint", SELECT,
                        entry("STATIC", TLS_PORT) + we("payments", "{app: ledger-vm, tier: db}", "address: 10.20.0.5"))
                        .allowed(URL).outContains("\"addresses\" : [ \"10.20.0.5\" ]", "\"port\" : 443"),
                in("a WorkloadEntry whose labels lack the selector's is not", SELECT,
                        entry("STATIC", TLS_PORT) + we("payments", "{tier: db}", "address: 10.20.0.5"))
                        .noRoute(URL).outContains("selects no usable WorkloadEntry of namespace payments"),
                in("a WorkloadEntry of another namespace is not", SELECT,
                        entry("STATIC", TLS_PORT) + we("other", "{app: ledger-vm}", "address: 10.20.0.5"))
                        .noRoute(URL).outContains("selects no usable WorkloadEntry of namespace payments"),
                in("metadata labels win over spec labels", MERGE,
                        entry("STATIC", TLS_PORT) + we("payments", "{app: other}",
                                "address: 10.20.0.5\nlabels: {app: ledger-vm}")).noRoute(URL),
                in("spec labels select when metadata has none", MERGE,
                        entry("STATIC", TLS_PORT) + we("payments", "{}",
                                "address: 10.20.0.5\nlabels: {app: ledger-vm}")).allowed(URL),
                in("the WorkloadEntry's port for the service port's name wins over targetPort", PORTS,
                        entry("STATIC", "{number: 443, name: tls, protocol: TLS, targetPort: 9443}")
                                + we("payments", "{app: ledger-vm}", "address: 10.20.0.5\nports: {tls: 8443}"))
                        .allowed(URL).outContains("\"port\" : 8443", "(endpoint port 8443)"),
                in("without its own port for that name, targetPort", PORTS,
                        entry("STATIC", "{number: 443, name: tls, protocol: TLS, targetPort: 9443}")
                                + we("payments", "{app: ledger-vm}", "address: 10.20.0.5"))
                        .allowed(URL).outContains("\"port\" : 9443"),
                in("a DNS-named WorkloadEntry is an endpoint of a DNS entry", DNS_ONLY,
                        entry("DNS", TLS_PORT) + we("payments", "{app: ledger-vm}", "address: vm.corp.example"))
                        .allowed(URL).outContains("\"addresses\" : [ \"vm.corp.example\" ]"),
                in("a DNS-named WorkloadEntry is no endpoint of a STATIC entry", DNS_ONLY,
                        entry("STATIC", TLS_PORT) + we("payments", "{app: ledger-vm}", "address: vm.corp.example"))
                        .noRoute(URL).outContains("only a DNS entry selects a WorkloadEntry whose address is not an IP"),
                in("endpoints and workloadSelector together are refused", EXCLUSIVE,
                        entry("STATIC", TLS_PORT) + "  endpoints: [{address: 10.20.0.5}]\n")
                        .error(URL, "only one of workloadSelector or endpoints is allowed in a ServiceEntry"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void conforms(Case c) throws Exception {
        c.run(dir);
    }
}
