package dev.tollgate.core.registry;

import dev.tollgate.core.model.Visibility;
import dev.tollgate.core.model.Origin;
import dev.tollgate.core.model.Resource;
import dev.tollgate.core.model.WorkloadRef;
import dev.tollgate.core.model.Consideration;
import dev.tollgate.core.model.Stage;
import io.fabric8.istio.api.api.networking.v1alpha3.ServicePort;
import io.fabric8.istio.api.api.networking.v1alpha3.Sidecar;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * {@link Registry#explain}: says, for every Sidecar and every ServiceEntry host that could matter, why it did or did
 * not decide. The entries come from {@link SidecarScope#lookup}'s own record of its walk ({@link LookupTrace}), so
 * the explanation cannot tell a different story from the decision; this class only words it.
 */
final class RegistryExplainer {
    static final Stage STAGE = Stage.REGISTRY;

    private final Registry registry;
    private final WorkloadRef workload;
    private final String host;
    private final int port;
    private final SidecarTrace sidecars;
    private final SidecarScope scope;
    private final List<Consideration> out = new ArrayList<>();
    private Optional<LookupTrace.OtherName> otherName = Optional.empty();

    RegistryExplainer(Registry registry, WorkloadRef workload, String host, int port) {
        this.registry = registry;
        this.workload = workload;
        this.host = host;
        this.port = port;
        this.sidecars = SidecarTrace.recording();
        this.scope = registry.scopeFor(workload, sidecars);
    }

    /**
     * The Sidecars, then the entries. When the sidecar does not know host:port, the outbound traffic policy decides,
     * and the facts it rests on are marked deciding: the Sidecar's outboundTrafficPolicy when it sets one, and the
     * first entry fact of the walk that kept the host out (or the entry that has the host but not the port). The
     * sidecar's refusal is worded from that entry fact, so check's reason and explain name the same cause.
     */
    List<Consideration> explain() {
        new SidecarExplainer(registry, workload, port, scope, out).explain(sidecars);
        int modeFact = scope.outboundModeFromSidecar() ? out.size() - 1 : -1;
        int firstEntry = out.size();
        Optional<ServiceMatch> result = explainEntries();
        if (result.isEmpty() || result.get().port().isEmpty()) {
            if (modeFact >= 0) {
                out.set(modeFact, out.get(modeFact).asDeciding());
            }
            for (int i = firstEntry; i < out.size(); i++) {
                if (out.get(i).applied() == result.isPresent()) {
                    out.set(i, out.get(i).asDeciding());
                    break;
                }
            }
        }
        return List.copyOf(out);
    }

    // ---- ServiceEntries ---------------------------------------------------------------------------------------

    /**
     * One sentence per entry host the lookup considered, from the lookup's own record of its walk: what it decided
     * for each candidate is taken as recorded, and only put into words here.
     */
    private Optional<ServiceMatch> explainEntries() {
        if (!Hosts.plausible(host)) {
            return Optional.empty();
        }
        LookupTrace trace = LookupTrace.recording();
        scope.lookup(host, port, trace);
        otherName = trace.otherName();
        Optional<ServiceMatch> result = trace.result();
        EgressListener listener = trace.listener();
        // an entry met by name is not explained again for its addresses
        Set<ServiceHost> explained = Collections.newSetFromMap(new IdentityHashMap<>());
        boolean byAddress = trace.answeredBy().orElse(null) == LookupTrace.Via.ADDRESS;
        for (LookupTrace.Note n : trace.notes()) {
            if (byAddress && n.via() == LookupTrace.Via.NAME && trace.isAnswer(n.candidate())) {
                // the entry also covers the name, but its addresses are what made it the answer: say that
                continue;
            }
            if (!explained.add(n.candidate())) {
                continue;
            }
            if (n.via() == LookupTrace.Via.NAME) {
                explainEntry(n, result, byAddress, listener);
            } else {
                explainAddress(n, result, listener);
            }
        }
        return result;
    }

    private void explainEntry(LookupTrace.Note n, Optional<ServiceMatch> result, boolean byAddress,
                              EgressListener listener) {
        ServiceHost s = n.candidate();
        String ns = workload.namespace();
        String subject = subject(s, "'s host ");
        if (!n.outcome().inView()) {
            explainOutOfView(n, subject, listener);
            return;
        }
        switch (n.outcome()) {
            case OTHER_NAMESPACE_CHOSEN -> {
                ServiceHost winner = n.winner().orElseThrow();
                String why;
                if (winner.namespace().equals(ns)) {
                    why = subject + ", but so does " + entryName(winner) + " in the workload's own namespace " + ns
                            + ", and Istio uses the own namespace's entry for a host defined in several namespaces";
                } else if (winner.kubernetesService()) {
                    why = subject + ", but Istio prefers the Kubernetes Service of that name";
                } else {
                    why = subject + ", but so does " + entryName(winner) + ", which Istio takes first: for a host"
                            + " defined in several namespaces, none of them " + ns + ", it uses entries exported to "
                            + ns + " by name before public ones, then the first namespace by name";
                }
                add(s, false, why, hostOrigin(s));
            }
            case NOT_MERGEABLE -> add(s, false, subject + ", but " + entryName(n.winner().orElseThrow())
                    + " in the same namespace defines it first and Istio keeps that one: it adds a later entry's ports"
                    + " only when resolution, exportTo, labels and workloadSelector are equal", hostOrigin(s));
            case BASE, MERGED -> explainChosen(s, result, byAddress);
            default -> throw new IllegalStateException(n.outcome().name());
        }
    }

    /** Why the lookup left {@code n}'s entry out of the sidecar's view, as it recorded. */
    private void explainOutOfView(LookupTrace.Note n, String subject, EgressListener listener) {
        ServiceHost s = n.candidate();
        String ns = workload.namespace();
        Visibility e = s.exportTo();
        switch (n.outcome()) {
            case NOT_VISIBLE -> {
                String why = switch (e.scope()) {
                    case NONE -> entryName(s) + " exports " + s.host() + " to no namespace (" + describe(e) + ")";
                    case NAMESPACES -> entryName(s) + " exports " + s.host() + " only to "
                            + String.join(", ", e.namespaces(s.namespace()).stream().sorted().toList()) + " ("
                            + describe(e) + "); the workload is in " + ns;
                    case PUBLIC -> throw new IllegalStateException("public entries are visible");
                };
                add(s, false, why, exportOrigin(s));
            }
            case NO_LISTENER -> add(s, false, subject + ", but " + chosenName() + " has no egress listener for port "
                    + port + " and no catch-all listener", scope.sidecar().map(Resource::origin).orElse(Origin.UNKNOWN));
            case NOT_IMPORTED, PORT_NOT_DECLARED -> {
                if (scope.sidecar().isEmpty()) {
                    add(s, false, subject + ", but the sidecar did not import it", hostOrigin(s));
                    return;
                }
                Resource<Sidecar> sc = scope.sidecar().get();
                String at = "egress[" + listener.index() + "]";
                if (n.outcome() == HostChoice.Outcome.NOT_IMPORTED) {
                    add(s, false, name(sc) + " does not import " + s.namespace() + "/" + s.host() + ": its " + at
                            + ".hosts " + quoted(listener.hosts()) + " cover neither " + s.namespace() + "/"
                            + s.host() + " nor */" + s.host() + "; add \"" + s.namespace() + "/" + s.host()
                            + "\" to import it (" + subject + ")",
                            sc.originOf("spec.egress[" + listener.index() + "].hosts"));
                } else {
                    add(s, false, name(sc) + "'s " + at + " listens on port " + listener.port().orElse(0)
                            + " and imports only services that declare that port; " + subject + " with ports "
                            + portList(s), sc.originOf("spec.egress[" + listener.index() + "].port"));
                }
            }
            default -> throw new IllegalStateException(n.outcome().name());
        }
    }

    /** An IP literal request against an entry whose {@code addresses} contain it. */
    private void explainAddress(LookupTrace.Note n, Optional<ServiceMatch> result, EgressListener listener) {
        ServiceHost s = n.candidate();
        String subject = entryName(s) + "'s addresses " + s.entry().spec().getAddresses() + " contain " + host;
        if (!n.outcome().inView()) {
            explainOutOfView(n, subject, listener);
            return;
        }
        Origin at = s.entry().originOf("spec.addresses");
        boolean used = result.isPresent() && result.get().entry() == s.entry()
                && result.get().matchedHost().equals(s.host());
        if (used && result.get().port().isPresent()) {
            add(s, true, subject + " and it declares port " + port + " (" + describe(result.get().port()
                    .get()) + "): the sidecar treats " + host + ":" + port + " as " + s.host(), at);
        } else if (used) {
            add(s, true, subject + " but it does not declare port " + port + " (it declares "
                    + portList(s) + "): the outbound traffic policy (" + scope.outboundMode() + ") decides", at);
        } else {
            add(s, false, subject + ", but " + result.map(r -> (Registry.isEgressGatewayService(r.entry())
                    ? "the egress gateway's Kubernetes Service" : r.entry().key().toString())
                    + " (host " + r.matchedHost() + ")").orElse("no entry")
                    + " is used: a host name match, a longer prefix or the workload's own namespace comes"
                    + " first", at);
        }
    }

    private void explainChosen(ServiceHost s, Optional<ServiceMatch> result, boolean byAddress) {
        String subject = subject(s, "'s wildcard host ");
        Optional<ServicePort> own = s.port(port);
        if (result.isPresent() && result.get().entry() == s.entry() && result.get().matchedHost().equals(s.host())) {
            if (result.get().port().isPresent()) {
                ServicePort p = result.get().port().get();
                add(s, true, subject + " on port " + port + " (" + describe(p) + ") and is visible to "
                        + workload.namespace() + " (" + describe(s.exportTo()) + "): the sidecar knows " + host + ":"
                        + port, portOrigin(s, port));
            } else {
                add(s, true, subject + " but not port " + port + " (it declares " + portList(s) + "): Istio treats "
                        + host + ":" + port + " as an unknown destination, so the outbound traffic policy ("
                        + scope.outboundMode() + ") decides", hostOrigin(s));
            }
            return;
        }
        if (result.isEmpty()) {
            add(s, false, subject + ", but the sidecar found no entry for it", hostOrigin(s));
            return;
        }
        ServiceMatch r = result.get();
        String otherEntry = Registry.isEgressGatewayService(r.entry()) ? "the egress gateway's Kubernetes Service"
                : r.entry().key().toString();
        String other = otherEntry + "'s host " + r.matchedHost();
        if (byAddress) {
            // the name walk found this host only without the port, so the addresses were asked and answered
            add(s, false, subject + " but not port " + port + " (it declares " + portList(s) + "); " + otherEntry
                    + "'s addresses contain " + host + " and it declares port " + port + ", so it is used instead",
                    hostOrigin(s));
        } else if (r.matchedHost().equals(s.host())) {
            add(s, false, subject + own.map(p -> " on port " + port).orElse("")
                    + "; its ports are merged with " + other + ", which declares port " + port + " first",
                    hostOrigin(s));
        } else if (own.isEmpty() && r.port().isPresent()) {
            add(s, false, subject + " but not port " + port + " (it declares " + portList(s) + "); " + other
                    + " declares port " + port + " and is used instead", hostOrigin(s));
        } else {
            add(s, false, subject + ", but " + other + " is more specific and is used instead", hostOrigin(s));
        }
    }

    // ---- texts and origins ------------------------------------------------------------------------------------

    private static String name(Resource<?> r) {
        return SidecarExplainer.name(r);
    }

    private String chosenName() {
        return scope.sidecar().map(RegistryExplainer::name).orElse("no Sidecar");
    }

    /** What {@code s} has to do with the requested name: its own, a name it stands for, or a wildcard covering it. */
    private String subject(ServiceHost s, String wildcard) {
        if (s.host().equals(host)) {
            return entryName(s) + " defines " + host;
        }
        if (otherName.isPresent() && otherName.get().service().equals(s.host())) {
            LookupTrace.OtherName o = otherName.get();
            return entryName(s) + " defines " + s.host() + ", which " + host + " stands for" + o.alias()
                    .map(a -> " through the ExternalName " + a.entry().key() + " (" + a.entry().origin()
                            + "), an alias of it")
                    .orElse(" from namespace " + workload.namespace() + " (Istio's short names of a service:"
                            + " name.namespace and name.namespace.svc, and the bare name within its own namespace)");
        }
        return entryName(s) + wildcard + s.host() + " covers " + host;
    }

    static String entryName(ServiceHost s) {
        return s.kubernetesService() && Registry.isEgressGatewayService(s.entry())
                ? "the egress gateway's Kubernetes Service " + s.namespace() + "/" + s.entry().name()
                : s.entry().key().toString();
    }

    private static String quoted(List<String> values) {
        return Visibility.quoted(values);
    }

    /**
     * How a user would write it back, e.g. {@code exportTo: ["."]} or
     * {@code meshConfig.defaultServiceExportTo: ["*"]}.
     */
    private static String describe(Visibility e) {
        return e.fromMeshDefault()
                ? "no exportTo, so meshConfig.defaultServiceExportTo " + quoted(e.meshDefault()) + " applies"
                : "exportTo: " + quoted(e.declared());
    }

    private static String describe(ServicePort p) {
        StringBuilder b = new StringBuilder();
        if (p.getName() != null) {
            b.append("name ").append(p.getName());
        }
        if (p.getProtocol() != null) {
            b.append(b.isEmpty() ? "" : ", ").append("protocol ").append(p.getProtocol());
        }
        if (p.getTargetPort() != null) {
            b.append(b.isEmpty() ? "" : ", ").append("targetPort ").append(p.getTargetPort());
        }
        return b.isEmpty() ? "no name or protocol" : b.toString();
    }

    private static String portList(ServiceHost s) {
        if (s.ports().isEmpty()) {
            return "no ports";
        }
        return s.ports().stream().map(p -> String.valueOf(p.getNumber())).collect(Collectors.joining(", "));
    }

    private Origin exportOrigin(ServiceHost s) {
        if (s.exportTo().fromMeshDefault()) {
            Origin mesh = registry.mesh().origins().get("defaultServiceExportTo");
            return mesh != null ? mesh : s.entry().origin();
        }
        return s.entry().originOf("spec.exportTo");
    }

    private static Origin hostOrigin(ServiceHost s) {
        return s.entry().originOf("spec.hosts[" + s.hostIndex() + "]");
    }

    private static Origin portOrigin(ServiceHost s, int number) {
        for (int i = 0; i < s.ports().size(); i++) {
            Long n = s.ports().get(i).getNumber();
            if (n != null && n == number) {
                return s.entry().originOf("spec.ports[" + i + "]");
            }
        }
        return hostOrigin(s);
    }

    private void add(ServiceHost s, boolean applied, String why, Origin origin) {
        out.add(new Consideration(STAGE, s.entry().key(), applied, why, origin));
    }
}
