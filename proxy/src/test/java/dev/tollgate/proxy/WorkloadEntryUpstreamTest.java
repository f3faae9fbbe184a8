package dev.tollgate.proxy;

import dev.tollgate.config.ConfigSource;
import dev.tollgate.config.ConfigStore;
import dev.tollgate.config.LoadOptions;
import dev.tollgate.core.snapshot.SnapshotCompiler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sidecar connects to the WorkloadEntry a ServiceEntry's workloadSelector selects, on a real loopback socket: its
 * IP address as given (an operator-given endpoint, trusted like a STATIC entry's {@code endpoints}), on the port its
 * {@code ports} map gives for the ServiceEntry port's name. A WorkloadEntry whose address is a DNS name is resolved,
 * and the answer goes through the address guard like any DNS answer. A WorkloadEntry of another namespace is never
 * an endpoint: no connection.
 */
class WorkloadEntryUpstreamTest {
    static Rig rig;
    static HostileAddressTest.Victim vm;
    static ConfigStore store;
    static Sidecar sidecar;

    /** Stand-in DNS: the VM's name answers loopback, which the guard must refuse. */
    static final List<String> asked = new java.util.concurrent.CopyOnWriteArrayList<>();

    static InetAddress[] lookup(String name) throws UnknownHostException {
        asked.add(name);
        if (name.equals("ledger-vm.corp.example")) {
            return new InetAddress[]{InetAddress.getByAddress(name, new byte[]{127, 0, 0, 1})};
        }
        throw new UnknownHostException(name);
    }

    @BeforeAll
    static void start() throws Exception {
        rig = new Rig();
        vm = new HostileAddressTest.Victim(InetAddress.getByName("127.0.0.1"));
        Path config = Files.createDirectories(rig.dir.resolve("config"));
        Files.writeString(config.resolve("mesh.yaml"), """
                apiVersion: install.istio.io/v1alpha1
                kind: IstioOperator
                metadata: {name: mesh, namespace: istio-system}
                spec:
                  meshConfig:
                    outboundTrafficPolicy: {mode: REGISTRY_ONLY}
                """);
        Files.writeString(config.resolve("ledger.yaml"), """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: ledger, namespace: default}
                spec:
                  hosts: [ledger.internal.example]
                  location: MESH_INTERNAL
                  ports: [{number: 8080, name: http, protocol: HTTP, targetPort: 9}]
                  resolution: STATIC
                  workloadSelector: {labels: {app: ledger-vm}}
                ---
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata: {name: ledger-vm-1, namespace: default, labels: {app: ledger-vm}}
                spec:
                  address: 127.0.0.1
                  ports: {http: %1$d}
                ---
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: by-name, namespace: default}
                spec:
                  hosts: [by-name.internal.example]
                  location: MESH_INTERNAL
                  ports: [{number: 8080, name: http, protocol: HTTP}]
                  resolution: DNS
                  workloadSelector: {labels: {app: by-name-vm}}
                ---
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata: {name: by-name-vm, namespace: default, labels: {app: by-name-vm}}
                spec:
                  address: ledger-vm.corp.example
                  ports: {http: %1$d}
                ---
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: elsewhere, namespace: default}
                spec:
                  hosts: [elsewhere.internal.example]
                  location: MESH_INTERNAL
                  ports: [{number: 8080, name: http, protocol: HTTP}]
                  resolution: STATIC
                  workloadSelector: {labels: {app: elsewhere-vm}}
                ---
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata: {name: elsewhere-vm, namespace: other, labels: {app: elsewhere-vm}}
                spec:
                  address: 127.0.0.1
                  ports: {http: %1$d}
                """.formatted(vm.port()));
        store = new ConfigStore(List.of(new ConfigSource(config, Optional.empty())), LoadOptions.DEFAULTS,
                SnapshotCompiler::compile);
        assertThat(store.reload().ok()).isTrue();
        SidecarSettings s = SidecarSettings.defaults(Rig.DEFAULT_SLEEP,
                        rig.mesh.identity(rig.mesh.workload(Rig.TD, "default", "sleep")))
                .withListen(new InetSocketAddress("127.0.0.1", 0))
                .withHosts(HostMap.EMPTY.withResolver(WorkloadEntryUpstreamTest::lookup))
                .withAdmin(Optional.empty())
                .withAccessLog(rig.log::add)
                .withIoThreads(1);
        sidecar = Sidecar.start(s, store::current);
        rig.sidecars.add(sidecar);
    }

    @AfterAll
    static void stop() throws Exception {
        store.close();
        rig.close();
        vm.close();
    }

    private static String get(String authority, String path) throws Exception {
        return Rig.raw(sidecar.address(), "GET http://" + authority + path + " HTTP/1.1\r\nHost: " + authority
                + "\r\nConnection: close\r\n\r\n");
    }

    @Test
    void theSidecarConnectsToTheSelectedWorkloadEntryOnItsPortForTheServicePortsName() throws Exception {
        int before = vm.connections.get();
        String resp = get("ledger.internal.example:8080", "/balance");
        assertThat(resp).startsWith("HTTP/1.1 200").contains("victim saw GET /balance");
        assertThat(vm.connections.get()).isEqualTo(before + 1);
        AccessLogEntry e = rig.awaitLog(x -> x.request().orElse("").contains("/balance"));
        assertThat(e.decision()).isEqualTo("allowed");
    }

    @Test
    void aWorkloadEntryNamedByDnsIsResolvedAndItsAnswerGuarded() throws Exception {
        int before = vm.connections.get();
        String resp = get("by-name.internal.example:8080", "/by-name");
        assertThat(resp).startsWith("HTTP/1.1 502");
        AccessLogEntry e = rig.awaitLog(x -> x.request().orElse("").contains("/by-name"));
        assertThat(asked).contains("ledger-vm.corp.example").doesNotContain("by-name.internal.example");
        assertThat(e.reason()).startsWith("address guard [loopback]: by-name.internal.example resolved by DNS to "
                + "127.0.0.1");
        assertThat(vm.connections.get()).isEqualTo(before);
    }

    @Test
    void aWorkloadEntryOfAnotherNamespaceIsNoEndpoint() throws Exception {
        int before = vm.connections.get();
        String resp = get("elsewhere.internal.example:8080", "/elsewhere");
        // the sidecar answers every refusal before a connection with 502, its reason naming Envoy's 503
        assertThat(resp).startsWith("HTTP/1.1 502").contains("no route: ServiceEntry default/elsewhere");
        AccessLogEntry e = rig.awaitLog(x -> x.request().orElse("").contains("/elsewhere"));
        assertThat(e.reason()).contains("selects no usable WorkloadEntry of namespace default");
        assertThat(vm.connections.get()).isEqualTo(before);
    }
}
