package dev.tollgate.core.registry;

import dev.tollgate.core.model.MeshSettings;
import dev.tollgate.core.model.OutboundMode;
import dev.tollgate.core.model.WorkloadRef;
import dev.tollgate.core.testing.TestConfig;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.provider.Arguments;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * One conformance case: configuration, a workload, a host:port, and what its sidecar's registry must answer.
 * The name carries the Istio documentation statement (or source) it checks.
 */
final class RegistryCase {
    enum Expect { PORT, HOST_ONLY, NOTHING }

    private final String name;
    private final TestConfig config = TestConfig.create();
    private MeshSettings mesh = MeshSettings.DEFAULTS;
    private WorkloadRef from = new WorkloadRef("default", "sleep", Map.of("app", "sleep"));
    private String host;
    private int port;
    private Expect expect;
    private String entry;
    private String matchedHost;
    private Optional<OutboundMode> mode = Optional.empty();
    private Optional<String> sidecar = Optional.empty();
    private boolean sidecarNone;
    private boolean gateway;

    private RegistryCase(String name) {
        this.name = name;
    }

    /** {@code statement} is the Istio documentation sentence (or source rule) that the case checks. */
    static RegistryCase of(String id, String statement) {
        return new RegistryCase(id + " — " + statement);
    }

    RegistryCase apply(String namespace, String yaml) {
        config.apply(namespace, yaml);
        return this;
    }

    RegistryCase mesh(UnaryOperator<MeshSettings> change) {
        mesh = change.apply(mesh);
        return this;
    }

    RegistryCase from(String namespace, String... labels) {
        Map<String, String> l = new HashMap<>();
        for (String kv : labels) {
            int eq = kv.indexOf('=');
            l.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        from = new WorkloadRef(namespace, "sleep", l);
        return this;
    }

    /** Looks up as the gateway workload {@code from} ({@link Registry#gatewayScope}). */
    RegistryCase asGateway() {
        gateway = true;
        return this;
    }

    RegistryCase lookup(String h, int p) {
        host = h;
        port = p;
        return this;
    }

    /** Expects the entry {@code ns/name} with the port. */
    RegistryCase sees(String nsName) {
        return sees(nsName, null);
    }

    RegistryCase sees(String nsName, String matched) {
        expect = Expect.PORT;
        entry = nsName;
        matchedHost = matched;
        return this;
    }

    /** Expects the entry {@code ns/name} to have the host but not the port. */
    RegistryCase seesHostOnly(String nsName) {
        expect = Expect.HOST_ONLY;
        entry = nsName;
        return this;
    }

    RegistryCase seesNothing() {
        expect = Expect.NOTHING;
        return this;
    }

    RegistryCase mode(OutboundMode m) {
        mode = Optional.of(m);
        return this;
    }

    RegistryCase sidecar(String nsName) {
        sidecar = Optional.of(nsName);
        return this;
    }

    RegistryCase noSidecar() {
        sidecarNone = true;
        return this;
    }

    Arguments args() {
        return Arguments.of(Named.of(name, this));
    }

    Registry registry() {
        return Registry.compile(config.mesh(mesh).build());
    }

    /** Returns the failures, empty when the case holds. */
    List<String> check() {
        Registry registry = registry();
        SidecarScope scope = gateway ? registry.gatewayScope(from) : registry.scopeFor(from);
        List<String> failures = new ArrayList<>();
        if (host != null) {
            Optional<ServiceMatch> m = scope.lookup(host, port);
            String got = m.map(x -> x.entry().namespace() + "/" + x.entry().name() + " host " + x.matchedHost()
                    + " port " + x.port().map(p -> String.valueOf(p.getNumber())).orElse("-")).orElse("nothing");
            switch (expect) {
                case NOTHING -> {
                    if (m.isPresent()) {
                        failures.add("expected nothing for " + host + ":" + port + ", got " + got);
                    }
                }
                case PORT, HOST_ONLY -> {
                    boolean ok = m.isPresent()
                            && (m.get().entry().namespace() + "/" + m.get().entry().name()).equals(entry)
                            && m.get().port().isPresent() == (expect == Expect.PORT)
                            && (matchedHost == null || matchedHost.equals(m.get().matchedHost()));
                    if (ok && expect == Expect.PORT && m.get().port().get().getNumber() != port) {
                        ok = false;
                    }
                    if (!ok) {
                        failures.add("expected " + entry + (expect == Expect.PORT ? " with port " + port
                                : " without port " + port) + (matchedHost == null ? "" : " host " + matchedHost)
                                + " for " + host + ":" + port + ", got " + got);
                    }
                }
            }
        }
        mode.ifPresent(expected -> {
            if (scope.outboundMode() != expected) {
                failures.add("expected outbound mode " + expected + ", got " + scope.outboundMode());
            }
        });
        String gotSidecar = scope.sidecar().map(r -> r.namespace() + "/" + r.name()).orElse("none");
        sidecar.ifPresent(expected -> {
            if (!expected.equals(gotSidecar)) {
                failures.add("expected Sidecar " + expected + ", got " + gotSidecar);
            }
        });
        if (sidecarNone && scope.sidecar().isPresent()) {
            failures.add("expected no Sidecar, got " + gotSidecar);
        }
        return failures;
    }

    @Override
    public String toString() {
        return name;
    }

    // ---- YAML helpers ------------------------------------------------------------------------------------------

    /** A ServiceEntry; {@code ports} like {@code "443/TLS,80/HTTP"}; {@code exportTo} null for none. */
    static String se(String name, List<String> hosts, String ports, List<String> exportTo) {
        return se(name, hosts, ports, exportTo, "DNS");
    }

    static String se(String name, List<String> hosts, String ports, List<String> exportTo, String resolution) {
        StringBuilder b = new StringBuilder("apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n")
                .append("  name: ").append(name).append("\nspec:\n  hosts:\n");
        hosts.forEach(h -> b.append("  - \"").append(h).append("\"\n"));
        if (exportTo != null) {
            b.append("  exportTo:\n");
            exportTo.forEach(e -> b.append("  - \"").append(e).append("\"\n"));
        }
        b.append("  location: MESH_EXTERNAL\n  resolution: ").append(resolution).append('\n');
        if (!ports.isEmpty()) {
            b.append("  ports:\n");
            for (String p : ports.split(",")) {
                String[] np = p.split("/");
                b.append("  - number: ").append(np[0]).append("\n    name: ").append(np[1].toLowerCase())
                        .append('-').append(np[0]).append("\n    protocol: ").append(np[1]).append('\n');
            }
        }
        return b.toString();
    }

    static String se(String name, String host, String ports) {
        return se(name, List.of(host), ports, null);
    }

    static String se(String name, String host, String ports, String... exportTo) {
        return se(name, List.of(host), ports, List.of(exportTo));
    }
}
