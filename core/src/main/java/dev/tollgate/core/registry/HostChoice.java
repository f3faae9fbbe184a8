package dev.tollgate.core.registry;

import dev.tollgate.core.model.LabelSelector;
import io.fabric8.istio.api.api.networking.v1alpha3.ServicePort;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Istio's choice among the entries that define one host name, for one workload namespace and one egress listener
 * ({@code selectServices} then {@code appendSidecarServices}, with {@code PILOT_UNIFIED_SIDECAR_SCOPE}, the default):
 * <ol>
 *   <li>candidates in push-context order: private to the namespace, exported to it by name, public;</li>
 *   <li>only those the listener imports;</li>
 *   <li>one namespace per host: the workload's own namespace if it has one, else the first candidate's; the
 *       Kubernetes Service of the same name is preferred to entries unless that would override the own-namespace
 *       rule;</li>
 *   <li>within that namespace the first entry is kept; later entries add the ports it lacks when Istio can merge
 *       them (same resolution, exportTo, labels and workloadSelector); others are ignored.</li>
 * </ol>
 *
 * @param base   the entry that represents the host
 * @param merged the base followed by the entries whose ports were merged into it
 */
record HostChoice(ServiceHost base, List<ServiceHost> merged) {

    /** Why a candidate was not the one, for explain. */
    enum Outcome { NOT_IMPORTED, OTHER_NAMESPACE_CHOSEN, NOT_MERGEABLE, MERGED, BASE }

    interface Trace {
        void note(ServiceHost candidate, Outcome outcome, Optional<ServiceHost> winner);
    }

    static final Trace NO_TRACE = (c, o, w) -> { };

    static Optional<HostChoice> choose(VisibilityIndex index, String namespace, String host, EgressListener listener,
                                       Trace trace) {
        return choose(index, namespace, host, listener, true, trace);
    }

    /**
     * @param sidecar true for a sidecar ({@code selectServices}: the own namespace wins); false for a gateway
     *                ({@code DefaultSidecarScopeForGateway}: the first in push-context order wins, and a Kubernetes
     *                Service replaces entries of any namespace)
     */
    static Optional<HostChoice> choose(VisibilityIndex index, String namespace, String host, EgressListener listener,
                                       boolean sidecar, Trace trace) {
        if (index.all(host).isEmpty()) {
            return Optional.empty();
        }
        List<ServiceHost> priv = index.privateTo(namespace, host);
        List<ServiceHost> exported = index.exportedTo(namespace, host);
        List<ServiceHost> pub = index.publicHosts(host);
        if (priv.isEmpty() && exported.isEmpty() && pub.isEmpty()) {
            return Optional.empty();
        }
        // pass 1: which namespace, and whether a Kubernetes Service wins
        ServiceHost chosen = null;
        int total = priv.size() + exported.size() + pub.size();
        for (int i = 0; i < total; i++) {
            ServiceHost s = at(priv, exported, pub, i);
            if (!listener.imports(s)) {
                continue;
            }
            if (chosen == null) {
                chosen = s;
            } else if (!sidecar) {
                if (s.kubernetesService() && !chosen.kubernetesService()) {
                    chosen = s;
                }
            } else if (s.namespace().equals(namespace)) {
                if (!chosen.namespace().equals(namespace) || s.kubernetesService() && !chosen.kubernetesService()) {
                    chosen = s;
                }
            } else if (!chosen.kubernetesService() && s.kubernetesService() && !chosen.namespace().equals(namespace)) {
                chosen = s;
            }
        }
        if (chosen == null) {
            if (trace != NO_TRACE) {
                for (int i = 0; i < total; i++) {
                    trace.note(at(priv, exported, pub, i), Outcome.NOT_IMPORTED, Optional.empty());
                }
            }
            return Optional.empty();
        }
        String ns = chosen.namespace();
        boolean kubernetes = false;
        for (int i = 0; i < total; i++) {
            ServiceHost s = at(priv, exported, pub, i);
            kubernetes |= s.kubernetesService() && s.namespace().equals(ns) && listener.imports(s);
        }
        // pass 2: the kept entry of that namespace, and the ones merged into it
        ServiceHost base = null;
        List<ServiceHost> merged = new ArrayList<>(1);
        for (int i = 0; i < total; i++) {
            ServiceHost s = at(priv, exported, pub, i);
            if (!listener.imports(s)) {
                trace.note(s, Outcome.NOT_IMPORTED, Optional.empty());
                continue;
            }
            if (!s.namespace().equals(ns)) {
                trace.note(s, Outcome.OTHER_NAMESPACE_CHOSEN, Optional.of(chosen));
                continue;
            }
            if (kubernetes && !s.kubernetesService()) {
                // a Kubernetes Service replaces entries of the same name and is never merged with them
                trace.note(s, Outcome.NOT_MERGEABLE, Optional.of(chosen));
                continue;
            }
            if (base == null) {
                base = s;
                merged.add(s);
            } else if (!kubernetes && mergeable(base, s)) {
                merged.add(s);
            } else {
                trace.note(s, Outcome.NOT_MERGEABLE, Optional.of(base));
            }
        }
        HostChoice choice = new HostChoice(Objects.requireNonNull(base), List.copyOf(merged));
        if (trace != NO_TRACE) {
            for (ServiceHost m : merged) {
                trace.note(m, m == base ? Outcome.BASE : Outcome.MERGED, Optional.of(base));
            }
        }
        return Optional.of(choice);
    }

    private static ServiceHost at(List<ServiceHost> a, List<ServiceHost> b, List<ServiceHost> c, int i) {
        if (i < a.size()) {
            return a.get(i);
        }
        i -= a.size();
        return i < b.size() ? b.get(i) : c.get(i - b.size());
    }

    /** Istio's {@code canMergeServices} for two entries of the same host and namespace. */
    static boolean mergeable(ServiceHost a, ServiceHost b) {
        return a.namespace().equals(b.namespace())
                && a.resolution().equals(b.resolution())
                && a.kubernetesService() == b.kubernetesService()
                && a.entry().labels().equals(b.entry().labels())
                && Objects.equals(selectorOf(a), selectorOf(b))
                // Istio compares exportTo as written: [".", ...] and the namespace's own name differ here
                && Set.copyOf(a.exportTo().declared()).equals(Set.copyOf(b.exportTo().declared()));
    }

    private static LabelSelector selectorOf(ServiceHost s) {
        var sel = s.entry().spec().getWorkloadSelector();
        return LabelSelector.of(sel == null ? null : sel.getLabels());
    }

    /** The entry whose port {@code number} the merged service has: the first that declares it. */
    Optional<ServiceMatch> withPort(int number) {
        for (ServiceHost s : merged) {
            Optional<ServicePort> p = s.port(number);
            if (p.isPresent()) {
                return Optional.of(new ServiceMatch(s.entry(), s.host(), p));
            }
        }
        return Optional.empty();
    }

    ServiceMatch withoutPort() {
        return new ServiceMatch(base.entry(), base.host(), Optional.empty());
    }
}
