package dev.tollgate.core.registry;

import dev.tollgate.core.model.LabelSelector;
import dev.tollgate.core.model.Resource;
import dev.tollgate.core.model.ResourceKey;
import dev.tollgate.core.model.ServiceEndpoint;
import dev.tollgate.core.model.Workload;
import io.fabric8.istio.api.api.networking.v1alpha3.ServiceEntry;
import io.fabric8.istio.api.api.networking.v1alpha3.ServiceEntryResolution;
import io.fabric8.istio.api.api.networking.v1alpha3.WorkloadEntry;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The endpoints of each ServiceEntry, as Istio's ServiceEntry controller makes them
 * ({@code pilot/pkg/serviceregistry/serviceentry/conversion.go}, {@code services} and
 * {@code convertServiceEntryToInstances}):
 * <ul>
 *   <li>without {@code workloadSelector}: the entry's own {@code endpoints}, in order;</li>
 *   <li>with one: the WorkloadEntries of the entry's own namespace whose labels (spec labels merged with metadata
 *       labels, the metadata's winning) include the selector's, sorted by name. A WorkloadEntry whose address is a
 *       host name or a unix socket is selected only by a DNS or DNS_ROUND_ROBIN entry ({@code DNSServiceEntryOnly}).
 *       The selector selects the namespace's Pods too; the workloads among the files (Pods, Deployments, ...)
 *       stand for them, without addresses.</li>
 * </ul>
 * {@code endpoints} and {@code workloadSelector} together are refused by validation ("only one of WorkloadSelector or
 * Endpoints is allowed in Service Entry").
 */
public final class ServiceEndpoints {

    /**
     * One entry's endpoints.
     *
     * @param selector  the entry's {@code workloadSelector}, when it has one
     * @param endpoints the endpoints, in the order Istio lists them
     * @param notSelectable WorkloadEntries the selector matches that this entry cannot use: a host name or unix
     *                  address under a resolution other than DNS
     * @param pods      workloads among the files that the selector matches: Istio makes their Pods endpoints too
     */
    public record Selection(Optional<LabelSelector> selector, List<ServiceEndpoint> endpoints,
                            List<ServiceEndpoint> notSelectable, List<Workload> pods) {
        public Selection {
            endpoints = List.copyOf(endpoints);
            notSelectable = List.copyOf(notSelectable);
            pods = List.copyOf(pods);
        }
    }

    private final Map<String, List<ServiceEndpoint>> byNamespace;
    private final Map<String, List<Workload>> workloadsByNamespace;
    /** Selections by entry: the proxies ask on every request. Kept with the entry they were made for. */
    private final ConcurrentHashMap<ResourceKey, Map.Entry<Resource<ServiceEntry>, Selection>> selections =
            new ConcurrentHashMap<>();

    private ServiceEndpoints(Map<String, List<ServiceEndpoint>> byNamespace, List<Workload> workloads) {
        this.byNamespace = byNamespace;
        Map<String, List<Workload>> ws = new HashMap<>();
        workloads.forEach(w -> ws.computeIfAbsent(w.namespace(), k -> new ArrayList<>()).add(w));
        ws.replaceAll((k, v) -> List.copyOf(v));
        this.workloadsByNamespace = Map.copyOf(ws);
    }

    public static ServiceEndpoints of(List<Resource<WorkloadEntry>> workloadEntries, List<Workload> workloads) {
        Map<String, List<ServiceEndpoint>> out = new HashMap<>();
        List<Resource<WorkloadEntry>> sorted = new ArrayList<>(workloadEntries);
        sorted.sort(Comparator.comparing(Resource::name));
        for (Resource<WorkloadEntry> r : sorted) {
            Map<String, String> labels = new LinkedHashMap<>(nonNull(r.spec().getLabels()));
            labels.putAll(r.labels());
            out.computeIfAbsent(r.namespace(), k -> new ArrayList<>())
                    .add(endpoint(r.spec(), labels, Optional.of(r), r.origin()));
        }
        out.replaceAll((k, v) -> List.copyOf(v));
        return new ServiceEndpoints(Map.copyOf(out), workloads);
    }

    /** The endpoints of {@code entry}. */
    public Selection of(Resource<ServiceEntry> entry) {
        Map.Entry<Resource<ServiceEntry>, Selection> cached = selections.get(entry.key());
        if (cached != null && cached.getKey() == entry) {
            return cached.getValue();
        }
        Selection made = select(entry);
        selections.putIfAbsent(entry.key(), Map.entry(entry, made));
        return made;
    }

    private Selection select(Resource<ServiceEntry> entry) {
        ServiceEntry se = entry.spec();
        if (se.getWorkloadSelector() == null) {
            List<ServiceEndpoint> own = new ArrayList<>();
            List<WorkloadEntry> eps = se.getEndpoints() == null ? List.of() : se.getEndpoints();
            for (int i = 0; i < eps.size(); i++) {
                WorkloadEntry e = eps.get(i);
                own.add(endpoint(e, nonNull(e.getLabels()), Optional.empty(),
                        entry.originOf("spec.endpoints[" + i + "]")));
            }
            return new Selection(Optional.empty(), own, List.of(), List.of());
        }
        LabelSelector selector = LabelSelector.of(se.getWorkloadSelector().getLabels());
        boolean dns = se.getResolution() == ServiceEntryResolution.DNS
                || se.getResolution() == ServiceEntryResolution.DNS_ROUND_ROBIN;
        List<ServiceEndpoint> chosen = new ArrayList<>();
        List<ServiceEndpoint> refused = new ArrayList<>();
        for (ServiceEndpoint e : byNamespace.getOrDefault(entry.namespace(), List.of())) {
            if (selector.matches(e.labels())) {
                (e.dnsEntryOnly() && !dns ? refused : chosen).add(e);
            }
        }
        List<Workload> pods = workloadsByNamespace.getOrDefault(entry.namespace(), List.of()).stream()
                .filter(w -> selector.matches(w.labels())).toList();
        return new Selection(Optional.of(selector), chosen, refused, pods);
    }

    /** Labels as written; one written without a value ({@code app: ~}) has the empty value, as in LabelSelector. */
    private static Map<String, String> nonNull(Map<String, String> labels) {
        Map<String, String> out = new LinkedHashMap<>();
        if (labels != null) {
            labels.forEach((k, v) -> {
                if (k != null) {
                    out.put(k, v == null ? "" : v);
                }
            });
        }
        return out;
    }

    private static ServiceEndpoint endpoint(WorkloadEntry e, Map<String, String> labels,
                                            Optional<Resource<WorkloadEntry>> from, dev.tollgate.core.model.Origin where) {
        Map<String, Integer> ports = new LinkedHashMap<>();
        if (e.getPorts() != null) {
            e.getPorts().forEach((k, v) -> {
                if (k != null && v != null) {
                    ports.put(k, v.intValue());
                }
            });
        }
        return new ServiceEndpoint(e.getAddress(), ports, labels, e.getNetwork(), e.getLocality(),
                e.getWeight() == null ? 0 : e.getWeight().intValue(), e.getServiceAccount(),
                from.map(Resource::key), where);
    }
}
