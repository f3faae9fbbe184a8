package dev.tollgate.agent;

import dev.tollgate.api.config.v1.Node;
import dev.tollgate.api.config.v1.Resource;
import dev.tollgate.config.LoadOptions;
import dev.tollgate.core.snapshot.SnapshotCompiler;
import dev.tollgate.identity.IssuedCertificate;
import dev.tollgate.identity.MeshCa;

import java.time.Clock;
import java.time.Duration;
import java.util.List;

/** A mesh CA, the control plane's serving certificate and a workload's, and the resources the tests push. */
final class PushFixture {
    static final String SERVER_NAME = "tollgate-control.tollgate-system.svc";
    static final Node SLEEP = Node.newBuilder().setKind(Node.Kind.SIDECAR).setNamespace("default")
            .setServiceAccount("sleep").putLabels("app", "sleep").setName("sleep-7d9f").build();

    final MeshCa ca = MeshCa.generate(MeshCa.DEFAULT_TRUST_DOMAIN);
    final IssuedCertificate serverCertificate = ca.issueServer(List.of(SERVER_NAME), Duration.ofHours(1));
    final IssuedCertificate workload = ca.issueWorkload("default", "sleep", Duration.ofHours(1));

    FakeConfigServer server(int port) throws java.io.IOException {
        return new FakeConfigServer(port, serverCertificate, List.of(ca.rootCertificate()));
    }

    ConfigClient client(int port, String authority, Backoff.Policy backoff, int maxMessageBytes) {
        return new ConfigClient(new ConfigClient.Connection("127.0.0.1:" + port, authority,
                () -> List.of(ca.rootCertificate()), () -> workload, SLEEP, backoff, maxMessageBytes),
                LoadOptions.DEFAULTS, SnapshotCompiler::compile, Clock.systemUTC());
    }

    static Resource serviceEntry(String name, String host) {
        return resource("cluster:ServiceEntry/default/" + name, """
                {"apiVersion": "networking.istio.io/v1", "kind": "ServiceEntry",
                 "metadata": {"name": "%s", "namespace": "default"},
                 "spec": {"hosts": ["%s"], "location": "MESH_EXTERNAL", "resolution": "DNS",
                          "ports": [{"number": 80, "name": "http", "protocol": "HTTP"}]}}""".formatted(name, host));
    }

    /** The default namespace may reach only what the registry holds. */
    static Resource registryOnly() {
        return resource("cluster:Sidecar/default/default", """
                {"apiVersion": "networking.istio.io/v1", "kind": "Sidecar",
                 "metadata": {"name": "default", "namespace": "default"},
                 "spec": {"egress": [{"hosts": ["*/*"]}], "outboundTrafficPolicy": {"mode": "REGISTRY_ONLY"}}}""");
    }

    /** Fails validation: {@code host} is not a ServiceEntry field. */
    static Resource misspelled() {
        return resource("cluster:ServiceEntry/default/typo", """
                {"apiVersion": "networking.istio.io/v1", "kind": "ServiceEntry",
                 "metadata": {"name": "typo", "namespace": "default"},
                 "spec": {"host": ["c.example"], "location": "MESH_EXTERNAL", "resolution": "DNS",
                          "ports": [{"number": 80, "name": "http", "protocol": "HTTP"}]}}""");
    }

    static Resource resource(String source, String json) {
        return Resource.newBuilder().setSource(source).setJson(json).setResourceVersion("1").build();
    }
}
