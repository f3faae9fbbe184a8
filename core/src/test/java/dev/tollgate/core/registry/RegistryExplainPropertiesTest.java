package dev.tollgate.core.registry;

import dev.tollgate.core.model.Consideration;
import dev.tollgate.core.model.Kind;
import dev.tollgate.core.model.ResourceKey;
import dev.tollgate.core.model.WorkloadRef;
import dev.tollgate.core.model.net.HostPattern;
import dev.tollgate.core.testing.TestConfig;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The registry's explanation agrees with its decision, over generated registries and requests: the entry
 * {@link SidecarScope#lookup} returns is the one {@link Registry#explain} marks as applied, every other entry that
 * could have matched is marked not applied with a reason, and an explanation without an applied entry (what
 * {@code check} quotes for an unknown host) occurs exactly when the lookup is empty.
 */
class RegistryExplainPropertiesTest {
    private static final List<String> NAMESPACES = List.of("default", "aaa", "bbb");
    private static final List<String> HOSTS = List.of("api.example.com", "*.example.com", "*.api.example.com",
            "other.org", "db.internal", "*");
    private static final List<String> PORTS = List.of("80/HTTP", "443/TLS", "5432/TCP", "8443/HTTPS");
    private static final List<List<String>> EXPORT_TO = List.of(List.of(), List.of("."), List.of("*"), List.of("~"),
            List.of("default"), List.of(".", "bbb"), List.of("aaa"));
    private static final List<List<String>> ADDRESSES = List.of(List.of(), List.of("10.1.0.0/16"),
            List.of("10.1.2.3"), List.of("10.0.0.0/8", "192.168.1.1"));
    private static final List<String> REQUEST_HOSTS = List.of("api.example.com", "x.example.com",
            "a.api.example.com", "other.org", "db.internal", "unknown.net", "10.1.2.3", "10.2.0.1", "192.168.1.1");

    record Entry(String namespace, List<String> hosts, List<String> ports, List<String> exportTo,
                 List<String> addresses, String resolution) {
        String yaml(String name) {
            StringBuilder b = new StringBuilder("apiVersion: networking.istio.io/v1\nkind: ServiceEntry\n")
                    .append("metadata: {name: ").append(name).append("}\nspec:\n  hosts:\n");
            hosts.forEach(h -> b.append("  - \"").append(h).append("\"\n"));
            if (!exportTo.isEmpty()) {
                b.append("  exportTo:\n");
                exportTo.forEach(e -> b.append("  - \"").append(e).append("\"\n"));
            }
            if (!addresses.isEmpty()) {
                b.append("  addresses:\n");
                addresses.forEach(a -> b.append("  - \"").append(a).append("\"\n"));
            }
            b.append("  location: MESH_EXTERNAL\n  resolution: ").append(resolution).append('\n');
            if (!ports.isEmpty()) {
                b.append("  ports:\n");
                for (String p : ports) {
                    String[] np = p.split("/");
                    b.append("  - {number: ").append(np[0]).append(", name: p").append(np[0])
                            .append(", protocol: ").append(np[1]).append("}\n");
                }
            }
            return b.toString();
        }
    }

    /** A Sidecar in a workload namespace: an optional port listener first, then a catch-all listener. */
    record SidecarSpec(String namespace, Optional<Integer> portListener, List<String> portHosts,
                       List<String> hosts) {
        String yaml() {
            StringBuilder b = new StringBuilder("apiVersion: networking.istio.io/v1\nkind: Sidecar\n")
                    .append("metadata: {name: default}\nspec:\n  egress:\n");
            portListener.ifPresent(p -> {
                b.append("  - port: {number: ").append(p).append(", protocol: TLS, name: p").append(p)
                        .append("}\n    hosts:\n");
                portHosts.forEach(h -> b.append("    - \"").append(h).append("\"\n"));
            });
            b.append("  - hosts:\n");
            hosts.forEach(h -> b.append("    - \"").append(h).append("\"\n"));
            return b.toString();
        }
    }

    record Request(String namespace, String host, int port) {
    }

    @Provide
    Arbitrary<Entry> entries() {
        return Combinators.combine(Arbitraries.of(NAMESPACES), Arbitraries.of(HOSTS).set().ofMinSize(1).ofMaxSize(2)
                        .map(List::copyOf), Arbitraries.of(PORTS).set().ofMaxSize(2).map(List::copyOf),
                Arbitraries.of(EXPORT_TO), Arbitraries.of(ADDRESSES), Arbitraries.of("DNS", "NONE", "STATIC"))
                .as(Entry::new);
    }

    @Provide
    Arbitrary<List<String>> egressHosts() {
        Arbitrary<String> ns = Arbitraries.of(".", "*", "~", "aaa", "bbb", "default");
        Arbitrary<String> h = Arbitraries.of("*", "*.example.com", "api.example.com", "other.org", "db.internal");
        return Arbitraries.oneOf(Combinators.combine(ns, h).as((a, b) -> a + "/" + b),
                Arbitraries.of("other.org")).list().ofMinSize(1).ofMaxSize(3);
    }

    @Provide
    Arbitrary<Optional<SidecarSpec>> sidecars() {
        Arbitrary<SidecarSpec> s = Combinators.combine(Arbitraries.of(NAMESPACES),
                Arbitraries.of(443, 8443).optional(), egressHosts(), egressHosts()).as(SidecarSpec::new);
        return s.optional(0.6);
    }

    @Provide
    Arbitrary<Request> requests() {
        return Combinators.combine(Arbitraries.of(NAMESPACES), Arbitraries.of(REQUEST_HOSTS),
                Arbitraries.of(80, 443, 5432, 8443)).as(Request::new);
    }

    @Property(tries = 1000)
    void theExplanationMarksTheEntryTheLookupChose(@ForAll("registries") List<Entry> entries,
                                                  @ForAll("sidecars") Optional<SidecarSpec> sidecar,
                                                  @ForAll("requests") Request request) {
        TestConfig config = TestConfig.create();
        for (int i = 0; i < entries.size(); i++) {
            config.apply(entries.get(i).namespace(), entries.get(i).yaml("se" + i));
        }
        sidecar.ifPresent(s -> config.apply(s.namespace(), s.yaml()));
        Registry registry = Registry.compile(config.build());
        WorkloadRef from = new WorkloadRef(request.namespace(), "sleep", Map.of());

        Optional<ServiceMatch> chosen = registry.scopeFor(from).lookup(request.host(), request.port());
        List<Consideration> why = registry.explain(from, request.host(), request.port());

        String context = request + " over " + entries + " and " + sidecar + "\n" + String.join("\n",
                why.stream().map(c -> (c.applied() ? "+ " : "- ") + c.resource() + ": " + c.why()).toList());
        List<Consideration> aboutEntries = why.stream()
                .filter(c -> c.resource().kind() == Kind.SERVICE_ENTRY).toList();
        List<Consideration> applied = aboutEntries.stream().filter(Consideration::applied).toList();
        if (chosen.isPresent()) {
            assertThat(applied).as(context).singleElement().satisfies(c -> {
                assertThat(c.resource()).isEqualTo(chosen.get().entry().key());
                // "... decides" is the sentence for a host known on other ports only: the outbound policy decides
                assertThat(c.why().endsWith("decides")).isEqualTo(chosen.get().port().isEmpty());
            });
        } else {
            assertThat(applied).as(context).isEmpty();
        }
        assertThat(aboutEntries).as(context).allSatisfy(c -> assertThat(c.why()).isNotBlank());
        // every entry that names the host or holds the address is accounted for
        List<ResourceKey> explained = aboutEntries.stream().map(Consideration::resource).toList();
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            boolean candidate = e.hosts().stream().anyMatch(h -> HostPattern.matches(h, request.host()))
                    || e.addresses().stream().anyMatch(a -> Hosts.declaredAddress(request.host(), List.of(a)));
            if (candidate) {
                assertThat(explained).as(context).contains(new ResourceKey(Kind.SERVICE_ENTRY, e.namespace(),
                        "se" + i));
            }
        }
    }

    @Provide
    Arbitrary<List<Entry>> registries() {
        return entries().list().ofMaxSize(6).map(ArrayList::new);
    }

    /** A Sidecar for {@link #theExplanationNamesTheSidecarTheScopeUses}: where, and which workloadSelector. */
    record SidecarAt(String namespace, Optional<String> app) {
        String yaml(String name) {
            return "apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {name: " + name + "}\nspec:\n"
                    + app.map(a -> "  workloadSelector: {labels: {app: " + a + "}}\n").orElse("")
                    + "  egress:\n  - hosts: [\"*/*\"]\n";
        }
    }

    @Provide
    Arbitrary<List<SidecarAt>> sidecarSets() {
        return Combinators.combine(Arbitraries.of("default", "istio-system", "aaa"),
                Arbitraries.of("sleep", "other").optional(0.5)).as(SidecarAt::new).list().ofMaxSize(4);
    }

    @Property(tries = 500)
    void theExplanationNamesTheSidecarTheScopeUses(@ForAll("sidecarSets") List<SidecarAt> sidecars,
                                                   @ForAll boolean labelled) {
        TestConfig config = TestConfig.create();
        for (int i = 0; i < sidecars.size(); i++) {
            config.apply(sidecars.get(i).namespace(), sidecars.get(i).yaml("sc" + i));
        }
        Registry registry = Registry.compile(config.build());
        WorkloadRef from = new WorkloadRef("default", "sleep", labelled ? Map.of("app", "sleep") : Map.of());

        Optional<ResourceKey> used = registry.scopeFor(from).sidecar().map(r -> r.key());
        List<Consideration> why = registry.explain(from, "api.example.com", 443).stream()
                .filter(c -> c.resource().kind() == Kind.SIDECAR).toList();

        String context = sidecars + (labelled ? " app=sleep\n" : " no labels\n") + String.join("\n",
                why.stream().map(c -> (c.applied() ? "+ " : "- ") + c.resource() + ": " + c.why()).toList());
        List<ResourceKey> applied = why.stream().filter(Consideration::applied).map(Consideration::resource).toList();
        assertThat(applied).as(context).containsExactlyElementsOf(used.stream().toList());
        // every Sidecar of the workload's namespace and of the root namespace is accounted for, once
        List<ResourceKey> expected = new ArrayList<>();
        for (int i = 0; i < sidecars.size(); i++) {
            if (!sidecars.get(i).namespace().equals("aaa")) {
                expected.add(new ResourceKey(Kind.SIDECAR, sidecars.get(i).namespace(), "sc" + i));
            }
        }
        assertThat(why.stream().map(Consideration::resource).toList()).as(context)
                .containsExactlyInAnyOrderElementsOf(expected);
    }
}
