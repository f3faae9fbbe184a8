package dev.tollgate.core.snapshot;

import dev.tollgate.core.model.MeshSettings;
import dev.tollgate.core.model.Origin;
import dev.tollgate.core.model.Resource;
import dev.tollgate.core.model.ResourceKey;
import dev.tollgate.core.model.ServiceEndpoint;
import dev.tollgate.core.model.UpstreamTls;
import dev.tollgate.core.model.ProxyRef;
import dev.tollgate.core.model.Stage;
import dev.tollgate.core.model.TlsMode;
import dev.tollgate.core.model.Workload;
import dev.tollgate.core.model.WorkloadRef;
import dev.tollgate.core.model.net.IpAddress;
import dev.tollgate.core.registry.Hosts;
import dev.tollgate.core.registry.ServiceEndpoints;
import dev.tollgate.core.registry.ServiceMatch;
import dev.tollgate.core.routing.RouteTarget;
import dev.tollgate.core.routing.Routing;
import dev.tollgate.core.routing.UpstreamPolicy;
import io.fabric8.istio.api.api.networking.v1alpha3.ServiceEntry;
import io.fabric8.istio.api.api.networking.v1alpha3.ServiceEntryResolution;
import io.fabric8.istio.api.api.networking.v1alpha3.ServicePort;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiFunction;

/**
 * The last step of both proxies' decisions, once a route has chosen a destination: the service of the proxy's
 * registry behind it (Envoy's cluster), the DestinationRule that applies to that cluster, and the {@link Upstream}
 * to connect to (endpoint addresses and port, TLS settings). The sidecar and the egress gateway resolve their
 * routes' destinations the same way in Istio (one cluster per service port, one DestinationRule merge), so here too.
 */
final class UpstreamResolver {

    /** The outcome: where to connect, or why the route has no usable cluster (no route: Envoy's 503). */
    sealed interface Resolution {
        Optional<UpstreamPolicy> policy();

        /** @param viaGateway the upstream is the egress gateway's service (a sidecar's route to it) */
        record Resolved(Upstream upstream, UpstreamPolicy applied, boolean viaGateway) implements Resolution {
            @Override
            public Optional<UpstreamPolicy> policy() {
                return Optional.of(applied);
            }
        }

        /**
         * @param noCluster the route's destination has no cluster (Envoy's 503 no route); false when the cluster
         *                  exists but the connection cannot work (TLS inside TLS)
         */
        record Unresolved(String why, Optional<UpstreamPolicy> policy, boolean noCluster) implements Resolution {
        }
    }

    private final Routing routing;

    private final Set<String> gatewayServices;
    private final ServiceEndpoints endpoints;
    private final MeshSettings mesh;

    UpstreamResolver(Routing routing, Set<String> gatewayServices, ServiceEndpoints endpoints, MeshSettings mesh) {
        this.gatewayServices = Set.copyOf(gatewayServices);
        this.routing = routing;
        this.endpoints = endpoints;
        this.mesh = mesh;
    }

    /**
     * Resolves {@code target}, adding the UPSTREAM hop.
     *
     * @param proxy       the proxy deciding, whose registry and DestinationRules apply
     * @param workload    that proxy's workload (its namespace and labels choose DestinationRules)
     * @param lookup      the proxy's registry: the service for a host and port
     * @param defaultPort the port a destination without one takes, when its service has several (the request's, or
     *                    the gateway server's)
     * @param requested   the host the client asked for: when the destination is that very IP literal and the
     *                    ServiceEntry's {@code addresses} declare it, the operator vouches for the address
     * @param autoSni     the SNI a SIMPLE DestinationRule without {@code sni} sends
     * @param clientTls   the proxy forwards the client's own TLS on this connection (a sidecar's TLS connection, a
     *                    gateway's PASSTHROUGH server), rather than bytes it can originate TLS for
     * @param originalDestination a captured connection's original destination address: a direct upstream of a
     *                    {@code resolution: NONE} ServiceEntry goes there (Envoy's ORIGINAL_DST cluster), untrusted
     */
    Resolution resolve(ProxyRef proxy, WorkloadRef workload, BiFunction<String, Integer, Optional<ServiceMatch>> lookup,
                       RouteTarget target, int defaultPort, Optional<String> requested, String autoSni,
                       boolean clientTls, Optional<String> originalDestination, List<Hop> hops) {
        String host = target.host();
        int destPort = target.port();
        Optional<ServiceMatch> dm = lookup.apply(host, destPort > 0 ? destPort : defaultPort);
        if (destPort == 0) {
            destPort = dm.flatMap(d -> singlePort(d.entry().spec())).orElse(defaultPort);
            dm = lookup.apply(host, destPort);
        }
        if (dm.isEmpty() || dm.get().port().isEmpty()) {
            String why = "route destination " + host + ":" + destPort + " is not in the registry of "
                    + (proxy.kind() == ProxyRef.Kind.SIDECAR ? workload.toString() : "the " + proxy)
                    + " (Envoy has no such cluster: 503)";
            hops.add(new Hop(proxy, Stage.UPSTREAM, Hop.Outcome.DENY, why, Optional.empty(), Origin.UNKNOWN));
            return new Resolution.Unresolved(why, Optional.empty(), true);
        }
        ServiceMatch service = dm.get();
        // A sidecar reaches the egress gateway by its Gateway server port (its listeners, and destination.port in its
        // policies); the gateway's Kubernetes Service's targetPort is a container detail Tollgate does not reproduce.
        boolean viaGateway = proxy.kind() == ProxyRef.Kind.SIDECAR && isGatewayService(host);
        ServiceEndpoints.Selection selection = endpoints.of(service.entry());
        List<ServiceEndpoint> usable = usable(service.entry().spec(), selection);
        int connectPort = viaGateway ? destPort : connectPort(service, destPort, usable);
        List<String> addresses = usable.stream().map(ServiceEndpoint::address).toList();
        if (addresses.isEmpty() && requested.filter(host::equals).filter(IpAddress::isLiteral)
                .filter(h -> Hosts.declaredAddress(h, service.entry().spec().getAddresses())).isPresent()) {
            // the client's address is one the ServiceEntry declares (addresses): the operator vouches for it
            addresses = List.of(host);
        }
        RouteTarget resolved = new RouteTarget(host, target.subset(), destPort, target.weight());
        UpstreamPolicy policy = routing.upstreamPolicy(workload.namespace(), workload.labels(), resolved, destPort,
                Optional.of(service.entry().namespace()), autoSni);
        if (policy.missingSubset().isPresent()) {
            String why = "subset " + policy.missingSubset().get() + " of " + host + " is not defined: "
                    + policy.detail();
            hops.add(new Hop(proxy, Stage.UPSTREAM, Hop.Outcome.DENY, why, policy.rule(), policy.origin()));
            return new Resolution.Unresolved(why, Optional.of(policy), true);
        }
        if (clientTls && originatesTls(policy.tls().mode())) {
            String why = policy.rule().map(Object::toString).orElse("a DestinationRule")
                    + " originates TLS (tls.mode " + policy.tls().mode() + ") for " + host + ":" + destPort
                    + ", but the client sends its own TLS: TLS inside TLS fails at the server (istio.io, Double TLS)";
            hops.add(new Hop(proxy, Stage.UPSTREAM, Hop.Outcome.DENY, why, policy.rule(), policy.origin()));
            return new Resolution.Unresolved(why, Optional.of(policy), false);
        }
        ServiceEntryResolution res = service.entry().spec().getResolution();
        if (!viaGateway && selection.selector().isPresent() && usable.isEmpty() && selection.pods().isEmpty()
                && endpointsMatter(res)) {
            String why = service.entry().key() + " takes its endpoints from workloadSelector "
                    + selection.selector().get() + ", which selects no usable WorkloadEntry of namespace "
                    + service.entry().namespace() + notSelectable(selection)
                    + ": its cluster has no endpoints (Envoy: 503 no healthy upstream)";
            hops.add(new Hop(proxy, Stage.UPSTREAM, Hop.Outcome.DENY, why, Optional.of(service.entry().key()),
                    service.entry().originOf("spec.workloadSelector")));
            return new Resolution.Unresolved(why, Optional.of(policy), true);
        }
        String lead = proxy.kind() == ProxyRef.Kind.GATEWAY ? "" : viaGateway ? "to the egress gateway " : "direct to ";
        hops.add(new Hop(proxy, Stage.UPSTREAM, Hop.Outcome.PASS, lead + host + ":" + destPort
                + (connectPort != destPort ? " (endpoint port " + connectPort + ")" : "")
                + (!viaGateway && selection.selector().isPresent() && endpointsMatter(res) ? selected(usable, selection)
                : "")
                + "; " + policy.detail(), policy.rule(), policy.origin()));
        if (!viaGateway && originalDestination.isPresent()
                && (res == null || res == ServiceEntryResolution.NONE)) {
            // Envoy's cluster for a NONE entry is ORIGINAL_DST: the connection's own destination, never the
            // addresses vouched for above, and never a fresh DNS answer for the name
            return new Resolution.Resolved(Upstream.originalDestination(host, originalDestination.get(), defaultPort,
                    policy.tls()), policy, false);
        }
        return new Resolution.Resolved(new Upstream(host, connectPort, addresses,
                viaGateway ? policy.tls() : withServiceAccounts(policy.tls(), service.entry(), selection)), policy,
                viaGateway);
    }

    /**
     * Istio's "Double TLS (TLS origination for a TLS request)" (istio.io docs/ops/common-problems/network-issues):
     * a DestinationRule that originates TLS on a port where the application already sends TLS makes Envoy wrap the
     * application's TLS in its own, and the server answers the inner ClientHello as garbage ({@code curl: (35) ...
     * wrong version number}). Envoy forwards and the connection fails; a Tollgate proxy refuses it up front, and
     * {@code check} says so, from this one rule. ISTIO_MUTUAL is the mesh's tunnel to a peer that unwraps it (the egress
     * gateway), so TLS inside it is fine.
     */
    private static boolean originatesTls(TlsMode mode) {
        return mode == TlsMode.SIMPLE || mode == TlsMode.MUTUAL;
    }

    /**
     * The port the proxy connects to, by the first usable endpoint: Istio's priority in
     * {@code convertWorkloadInstanceToServiceInstance}, "we.ports > se.port.targetPort > se.port.number"
     * ({@link ServiceEndpoint#port}); with no endpoint (a DNS entry that resolves its host), the ServicePort's
     * targetPort, else its number ({@code convertServiceEntryToInstances}).
     */
    private static int connectPort(ServiceMatch m, int servicePort, List<ServiceEndpoint> usable) {
        if (m.port().isEmpty()) {
            return servicePort;
        }
        ServicePort p = m.port().get();
        int target = p.getTargetPort() == null ? 0 : p.getTargetPort().intValue();
        if (!usable.isEmpty()) {
            return usable.get(0).port(p.getName(), target, servicePort);
        }
        return target > 0 ? target : servicePort;
    }

    private static Optional<Integer> singlePort(ServiceEntry se) {
        return se.getPorts() != null && se.getPorts().size() == 1 && se.getPorts().get(0).getNumber() != null
                ? Optional.of(se.getPorts().get(0).getNumber().intValue()) : Optional.empty();
    }

    /** Whether the entry's cluster uses its endpoints: STATIC and DNS; NONE is Envoy's ORIGINAL_DST cluster. */
    private static boolean endpointsMatter(ServiceEntryResolution res) {
        return res == ServiceEntryResolution.STATIC || res == ServiceEntryResolution.DNS
                || res == ServiceEntryResolution.DNS_ROUND_ROBIN;
    }

    /**
     * The endpoints the proxy may connect to: those of a STATIC or DNS entry with an address (unix sockets are not
     * addresses a proxy reaches, and an address-less one stands for another network's gateway).
     */
    private static List<ServiceEndpoint> usable(ServiceEntry se, ServiceEndpoints.Selection selection) {
        if (!endpointsMatter(se.getResolution())) {
            return List.of();
        }
        List<ServiceEndpoint> out = new ArrayList<>();
        for (ServiceEndpoint e : selection.endpoints()) {
            if (!e.address().isEmpty() && !e.isUnix()) {
                out.add(e);
            }
        }
        return List.copyOf(out);
    }

    /** The UPSTREAM hop's words for the endpoints a workloadSelector chose. */
    private static String selected(List<ServiceEndpoint> usable, ServiceEndpoints.Selection selection) {
        if (usable.isEmpty()) {
            // Istio's endpoints are the Pods' IPs, which no file holds: the proxy can only resolve the host
            return "; endpoints: Pods of " + String.join(", ", selection.pods().stream()
                    .map(w -> w.namespace() + "/" + w.name() + " (" + w.origin() + ")").toList())
                    + ", whose addresses Tollgate does not know: the host is resolved";
        }
        return "; endpoint " + usable.get(0).address() + " of " + usable.get(0).describe()
                + (usable.size() > 1 ? " (first of " + usable.size() + " selected)" : "");
    }

    private static String notSelectable(ServiceEndpoints.Selection selection) {
        if (selection.notSelectable().isEmpty()) {
            return "";
        }
        return " (" + String.join(", ", selection.notSelectable().stream().map(e -> e.describe() + " has address "
                + e.address()).toList()) + ": only a DNS entry selects a WorkloadEntry whose address is not an IP)";
    }

    /**
     * Istio's ISTIO_MUTUAL without {@code subjectAltNames} checks the server's identity against the service's
     * accounts ({@code cluster_tls.go buildUpstreamTLSSettings}: "Use Service Accounts if Subject Alt names are not
     * specified"): the entry's {@code subjectAltNames} and each endpoint's {@code serviceAccount} as a SPIFFE ID of
     * its namespace ({@code push_context.go addServiceAccounts}), with the trust domain aliases
     * ({@code spiffe.ExpandWithTrustDomains}).
     */
    private UpstreamTls withServiceAccounts(UpstreamTls tls, Resource<ServiceEntry> entry,
                                            ServiceEndpoints.Selection selection) {
        if (tls.mode() != TlsMode.ISTIO_MUTUAL || !tls.subjectAltNames().isEmpty()) {
            return tls;
        }
        Set<String> accounts = new TreeSet<>();
        if (entry.spec().getSubjectAltNames() != null) {
            accounts.addAll(entry.spec().getSubjectAltNames());
        }
        for (ServiceEndpoint e : selection.endpoints()) {
            String ns = e.workloadEntry().map(ResourceKey::namespace).orElse(entry.namespace());
            e.spiffeId(mesh.trustDomain(), ns).ifPresent(accounts::add);
        }
        for (Workload pod : selection.pods()) {
            accounts.add("spiffe://" + pod.ref().principal(mesh.trustDomain()));
        }
        Set<String> expanded = new TreeSet<>(accounts);
        String prefix = "spiffe://" + mesh.trustDomain() + "/";
        for (String a : accounts) {
            if (a.startsWith(prefix)) {
                for (String alias : mesh.trustDomainAliases()) {
                    expanded.add("spiffe://" + alias + "/" + a.substring(prefix.length()));
                }
            }
        }
        return expanded.isEmpty() ? tls
                : new UpstreamTls(tls.mode(), tls.sni(), List.copyOf(expanded), tls.caCertificates());
    }

    /** The namespace of a Kubernetes service host ({@code name.namespace.svc...}). */
    /** Whether {@code host} is the Kubernetes Service of an egress gateway, Istio's default one or a Gateway API one. */
    boolean isGatewayService(String host) {
        return gatewayServices.contains(host);
    }

    static String serviceNamespaceOf(String svcHost) {
        String[] parts = svcHost.split("\\.");
        return parts.length > 1 ? parts[1] : "";
    }
}
