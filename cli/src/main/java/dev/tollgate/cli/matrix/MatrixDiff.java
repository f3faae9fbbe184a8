package dev.tollgate.cli.matrix;

import dev.tollgate.cli.mentions.ConfigMentions;
import dev.tollgate.core.model.ConfigSet;
import dev.tollgate.core.model.MeshSettings;
import dev.tollgate.core.model.PolicyRef;
import dev.tollgate.core.model.Resource;
import dev.tollgate.core.model.ResourceKey;
import dev.tollgate.core.model.net.HostName;
import dev.tollgate.core.model.net.HostPattern;
import dev.tollgate.core.snapshot.CheckResult;
import dev.tollgate.core.snapshot.MeshSnapshot;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.UnaryOperator;
import java.util.stream.IntStream;

/**
 * {@code tollgate diff}: every probe of the union of both matrices asked of both snapshots; each one whose outcome
 * (or denying policy) differs, with the resources that caused it. A cause is a resource of either side's deciding
 * hops (or deciding and considered policies) that was added, removed or changed; failing that, a mesh setting that
 * changed, or the changed resources that name the host.
 */
public final class MatrixDiff {

    /** One configuration: its compiled snapshot, and how its file names print (a {@code --git} copy as REV:path). */
    public record Side(MeshSnapshot snapshot, UnaryOperator<String> display) {
        ConfigSet set() {
            return snapshot.config();
        }
    }

    /**
     * One request whose decision changes.
     *
     * @param method  the probe's method ("any" when no rule reads it, "-" for TLS and TCP)
     * @param request the probe's other conditions (path, headers), or ""
     */
    public record Change(MatrixRow row, MatrixColumn column, String method, String request, CheckResult before,
                         CheckResult after, List<String> causes) {
    }

    public record Result(List<Change> changes, long asked, int rows, int columns) {
    }

    private record Found(int row, int column, int probe, CheckResult before, CheckResult after) {
    }

    private MatrixDiff() {
    }

    public static Result diff(Side before, Side after, List<MatrixRow> rows, List<MatrixColumn> columns,
                              List<RequestSpace> spaces) {
        ConcurrentLinkedQueue<Found> found = new ConcurrentLinkedQueue<>();
        Map<PolicyRef, String> names = new ConcurrentHashMap<>();
        IntStream.range(0, rows.size()).parallel().forEach(r -> {
            var from = rows.get(r).workload();
            for (int c = 0; c < columns.size(); c++) {
                List<RequestSpace.Probe> probes = spaces.get(c).probes();
                for (int p = 0; p < probes.size(); p++) {
                    CheckResult a = before.snapshot().check(from, probes.get(p).request());
                    CheckResult b = after.snapshot().check(from, probes.get(p).request());
                    if (!Matrix.key(a, names).equals(Matrix.key(b, names))) {
                        found.add(new Found(r, c, p, a, b));
                    }
                }
            }
        });
        List<Found> sorted = new ArrayList<>(found);
        sorted.sort(Comparator.comparingInt(Found::row).thenComparingInt(Found::column).thenComparingInt(Found::probe));
        Causes causes = new Causes(before, after);
        List<Change> out = new ArrayList<>();
        for (Found f : sorted) {
            RequestSpace space = spaces.get(f.column());
            RequestSpace.Probe probe = space.probes().get(f.probe());
            out.add(new Change(rows.get(f.row()), columns.get(f.column()), space.method(probe),
                    space.conditionsBesidesMethod(probe), f.before(), f.after(),
                    causes.of(rows.get(f.row()), columns.get(f.column()), f.before(), f.after())));
        }
        long asked = 0;
        for (RequestSpace s : spaces) {
            asked += (long) s.probes().size() * rows.size();
        }
        return new Result(out, asked, rows.size(), columns.size());
    }

    /** What changed between the two sides, worked out once. */
    private static final class Causes {
        private final Side before;
        private final Side after;
        private final Map<ResourceKey, Resource<?>> old;
        private final Map<ResourceKey, Resource<?>> now;
        /** Every added, removed or changed resource, in words, in the configuration's order. */
        private final Map<ResourceKey, String> changed = new LinkedHashMap<>();
        private final String mesh;

        Causes(Side before, Side after) {
            this.before = before;
            this.after = after;
            this.old = index(before.set());
            this.now = index(after.set());
            Set<ResourceKey> keys = new LinkedHashSet<>(old.keySet());
            keys.addAll(now.keySet());
            for (ResourceKey k : keys) {
                Resource<?> a = old.get(k);
                Resource<?> b = now.get(k);
                if (a == null) {
                    changed.put(k, "added " + k + " (" + after.display().apply(ConfigMentions.where(b.origin())) + ")");
                } else if (b == null) {
                    changed.put(k, "removed " + k + " (" + before.display().apply(ConfigMentions.where(a.origin())) + ")");
                } else if (!Objects.equals(a.spec(), b.spec()) || !a.labels().equals(b.labels())) {
                    changed.put(k, "changed " + k + " (" + before.display().apply(ConfigMentions.where(a.origin()))
                            + " -> " + after.display().apply(ConfigMentions.where(b.origin())) + ")");
                }
            }
            this.mesh = mesh(before.set().mesh(), after.set().mesh());
        }

        List<String> of(MatrixRow row, MatrixColumn column, CheckResult a, CheckResult b) {
            Set<ResourceKey> deciding = new LinkedHashSet<>();
            Set<ResourceKey> considered = new LinkedHashSet<>();
            for (CheckResult r : List.of(a, b)) {
                r.hops().forEach(h -> h.resource().ifPresent(deciding::add));
                r.policy().ifPresent(p -> deciding.add(p.resource()));
                r.policiesConsidered().forEach(p -> considered.add(p.resource()));
            }
            List<String> out = new ArrayList<>();
            deciding.stream().filter(changed::containsKey).forEach(k -> out.add(changed.get(k)));
            // the policies the gateway evaluated without one deciding (no ALLOW matched): only when nothing that
            // decided changed, or a hundred gateway policies would each be named
            if (out.isEmpty()) {
                considered.stream().filter(changed::containsKey).forEach(k -> out.add(changed.get(k)));
            }
            if (out.isEmpty() && mesh != null) {
                out.add(mesh);
            }
            if (out.isEmpty()) {
                String host = HostName.fold(column.probeHost());
                changed.forEach((k, text) -> {
                    Resource<?> r = now.containsKey(k) ? now.get(k) : old.get(k);
                    if (namesHost(r, host) || k.kind() == dev.tollgate.core.model.Kind.SIDECAR
                            && k.namespace().equals(row.workload().namespace())) {
                        out.add(text);
                    }
                });
            }
            if (out.isEmpty()) {
                out.add("no single resource on the path: " + (changed.isEmpty() ? "no resource changed"
                        : String.join("; ", changed.values().stream().limit(3).toList())
                        + (changed.size() > 3 ? "; ..." : "")));
            }
            return out;
        }

        private static boolean namesHost(Resource<?> r, String host) {
            List<String> hosts = new ArrayList<>();
            switch (r.spec()) {
                case io.fabric8.istio.api.api.networking.v1alpha3.ServiceEntry se ->
                        hosts.addAll(se.getHosts() == null ? List.of() : se.getHosts());
                case io.fabric8.istio.api.api.networking.v1alpha3.VirtualService vs ->
                        hosts.addAll(vs.getHosts() == null ? List.of() : vs.getHosts());
                case io.fabric8.istio.api.api.networking.v1alpha3.DestinationRule dr -> hosts.add(dr.getHost());
                case io.fabric8.istio.api.api.networking.v1alpha3.Gateway gw -> (gw.getServers() == null
                        ? List.<io.fabric8.istio.api.api.networking.v1alpha3.Server>of() : gw.getServers())
                        .forEach(s -> hosts.addAll(s.getHosts() == null ? List.of() : s.getHosts().stream()
                                .map(h -> h.substring(h.indexOf('/') + 1)).toList()));
                default -> {
                    return false;
                }
            }
            return hosts.stream().filter(Objects::nonNull).anyMatch(h -> HostPattern.matches(HostName.fold(h), host));
        }

        private static Map<ResourceKey, Resource<?>> index(ConfigSet set) {
            Map<ResourceKey, Resource<?>> out = new HashMap<>();
            List<List<? extends Resource<?>>> kinds = List.of(set.serviceEntries(), set.sidecars(), set.gateways(),
                    set.virtualServices(), set.destinationRules(), set.authorizationPolicies());
            kinds.forEach(list -> list.forEach(r -> out.putIfAbsent(r.key(), r)));
            return out;
        }

        private static String mesh(MeshSettings a, MeshSettings b) {
            List<String> parts = new ArrayList<>();
            if (a.outboundMode() != b.outboundMode()) {
                parts.add("outboundTrafficPolicy " + a.outboundMode() + " -> " + b.outboundMode());
            }
            if (!a.trustDomain().equals(b.trustDomain()) || !a.trustDomainAliases().equals(b.trustDomainAliases())) {
                parts.add("trustDomain " + a.trustDomain() + " -> " + b.trustDomain());
            }
            if (!a.rootNamespace().equals(b.rootNamespace())) {
                parts.add("rootNamespace " + a.rootNamespace() + " -> " + b.rootNamespace());
            }
            if (!a.defaultServiceExportTo().equals(b.defaultServiceExportTo())
                    || !a.defaultVirtualServiceExportTo().equals(b.defaultVirtualServiceExportTo())
                    || !a.defaultDestinationRuleExportTo().equals(b.defaultDestinationRuleExportTo())) {
                parts.add("default exportTo");
            }
            if (a.pathNormalization() != b.pathNormalization()) {
                parts.add("pathNormalization " + a.pathNormalization() + " -> " + b.pathNormalization());
            }
            return parts.isEmpty() ? null : "mesh settings: " + String.join(", ", parts);
        }
    }
}
