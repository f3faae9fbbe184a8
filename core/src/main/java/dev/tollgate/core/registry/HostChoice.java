package dev.tollgate.core.registry;

import dev.tollgate.core.model.LabelSelector;
import io.fabric8.istio.api.api.networking.v1alpha3.ServicePort;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
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

    /**
     * What the walk made of one candidate, recorded for explain: the first four say why it was out of the
     * listener's view, the next two why another entry represents the host, the last two that it is the host's
     * service.
     */
    enum Outcome {
        /** Its exportTo does not reach the workload's namespace. */
        NOT_VISIBLE,
        /** The Sidecar has no egress listener for the port and no catch-all. */
        NO_LISTENER,
        /** No {@code ns/host} of the listener covers its host. */
        NOT_IMPORTED,
        /** A listener with a port imports only entries that declare that port, and it does not. */
        PORT_NOT_DECLARED,
        OTHER_NAMESPACE_CHOSEN,
        NOT_MERGEABLE,
        MERGED,
        BASE;

        boolean inView() {
            return compareTo(OTHER_NAMESPACE_CHOSEN) >= 0;
        }
    }

    /** Receives every entry of the host exactly once, in registry order, with what the walk made of it. */
    interface Trace {
        void note(ServiceHost candidate, Outcome outcome, Optional<ServiceHost> winner);
    }

    static final Trace NO_TRACE = (c, o, w) -> { };

    private record Note(Outcome outcome, Optional<ServiceHost> winner) {
    }

    /** Why {@code listener} (never null) does not import {@code s}, or empty when it does. */
    static Optional<Outcome> notImported(EgressListener listener, ServiceHost s) {
        if (listener.imports(s)) {
            return Optional.empty();
        }
        return Optional.of(listener.importsHost(s) ? Outcome.PORT_NOT_DECLARED : Outcome.NOT_IMPORTED);
    }

    /**
     * @param listener the egress listener for the port, or null when the Sidecar has none (nothing is imported;
     *                 only a trace is worth the call)
     * @param sidecar  true for a sidecar ({@code selectServices}: the own namespace wins); false for a gateway
     *                 ({@code DefaultSidecarScopeForGateway}: the first in push-context order wins, and a Kubernetes
     *                 Service replaces entries of any namespace)
     */
    static Optional<HostChoice> choose(VisibilityIndex index, String namespace, String host, EgressListener listener,
                                       boolean sidecar, Trace trace) {
        List<ServiceHost> all = index.all(host);
        if (all.isEmpty()) {
            return Optional.empty();
        }
        Map<ServiceHost, Note> notes = trace == NO_TRACE ? null : new IdentityHashMap<>();
        Optional<HostChoice> choice = choose(index, namespace, host, listener, sidecar, notes);
        if (notes != null) {
            // the visibility index holds only what the namespace can see: the rest of the host's entries were
            // never candidates
            for (ServiceHost s : all) {
                Note n = notes.getOrDefault(s, new Note(Outcome.NOT_VISIBLE, Optional.empty()));
                trace.note(s, n.outcome(), n.winner());
            }
        }
        return choice;
    }

    private static void note(Map<ServiceHost, Note> notes, ServiceHost s, Outcome o, ServiceHost winner) {
        if (notes != null) {
            notes.put(s, new Note(o, Optional.ofNullable(winner)));
        }
    }

    private static Optional<HostChoice> choose(VisibilityIndex index, String namespace, String host,
                                               EgressListener listener, boolean sidecar,
                                               Map<ServiceHost, Note> notes) {
        List<ServiceHost> priv = index.privateTo(namespace, host);
        List<ServiceHost> exported = index.exportedTo(namespace, host);
        List<ServiceHost> pub = index.publicHosts(host);
        int total = priv.size() + exported.size() + pub.size();
        if (listener == null) {
            for (int i = 0; i < total; i++) {
                note(notes, at(priv, exported, pub, i), Outcome.NO_LISTENER, null);
            }
            return Optional.empty();
        }
        if (total == 0) {
            return Optional.empty();
        }
        // pass 1: which namespace, and whether a Kubernetes Service wins
        ServiceHost chosen = null;
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
            if (notes != null) {
                for (int i = 0; i < total; i++) {
                    ServiceHost s = at(priv, exported, pub, i);
                    note(notes, s, notImported(listener, s).orElseThrow(), null);
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
                if (notes != null) {
                    note(notes, s, notImported(listener, s).orElseThrow(), null);
                }
                continue;
            }
            if (!s.namespace().equals(ns)) {
                note(notes, s, Outcome.OTHER_NAMESPACE_CHOSEN, chosen);
                continue;
            }
            if (kubernetes && !s.kubernetesService()) {
                // a Kubernetes Service replaces entries of the same name and is never merged with them
                note(notes, s, Outcome.NOT_MERGEABLE, chosen);
                continue;
            }
            if (base == null) {
                base = s;
                merged.add(s);
            } else if (!kubernetes && mergeable(base, s)) {
                merged.add(s);
            } else {
                note(notes, s, Outcome.NOT_MERGEABLE, base);
            }
        }
        for (ServiceHost m : merged) {
            note(notes, m, m == base ? Outcome.BASE : Outcome.MERGED, base);
        }
        return Optional.of(new HostChoice(Objects.requireNonNull(base), List.copyOf(merged)));
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
