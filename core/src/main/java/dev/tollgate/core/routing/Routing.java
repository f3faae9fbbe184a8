package dev.tollgate.core.routing;

import dev.tollgate.core.model.ConfigSet;
import dev.tollgate.core.model.Consideration;
import dev.tollgate.core.model.GatewayListener;
import dev.tollgate.core.model.GatewayServerKind;
import dev.tollgate.core.model.HttpRequestInfo;
import dev.tollgate.core.model.ResourceKey;
import dev.tollgate.core.model.RouteKind;
import dev.tollgate.core.model.WorkloadRef;
import dev.tollgate.core.registry.SidecarScope;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Istio's routing semantics, compiled once, as the snapshot asks for them. Each concept has its own home, as in
 * Istio's pilot: {@link SidecarRouter} and {@link GatewayRouter} over the compiled {@link VirtualServices}
 * (which VirtualService route a request takes at a sidecar or a gateway server, httproute.go and gateway.go),
 * {@link RouteRules} (which rule of them matches, route.go), {@link DestinationRules} (which DestinationRules apply
 * upstream and the TLS they set) and {@link Gateways} (which Gateway servers a gateway workload has and which one
 * takes a connection).
 *
 * <p>Not modelled: VirtualService delegation ({@code delegate}), mirrors, faults, retries and timeouts (they change
 * no decision here), destination-level {@code headers} rewrites of weighted destinations.
 */
public final class Routing {
    private final VirtualServices virtualServices;
    private final SidecarRouter sidecars;
    private final GatewayRouter gatewayRoutes;
    private final DestinationRules destinationRules;
    private final Gateways gateways;

    private Routing(ConfigSet config) {
        this.virtualServices = new VirtualServices(config);
        this.sidecars = new SidecarRouter(virtualServices);
        this.destinationRules = new DestinationRules(config);
        this.gateways = new Gateways(config);
        this.gatewayRoutes = new GatewayRouter(virtualServices, gateways);
    }

    public static Routing compile(ConfigSet config) {
        return new Routing(config);
    }

    // ---------------------------------------------------------------- sidecar

    /**
     * The mesh VirtualService route for a request from {@code from}'s sidecar ({@link SidecarRouter}). The outcome's
     * {@link RouteOutcome#considerations()} explain it.
     *
     * @param scope          the sidecar's registry view; its Sidecar's egress hosts import VirtualServices
     * @param kind           the route list, from the ServiceEntry port's protocol
     * @param serviceHost    the registry host the request matched (its virtual host also answers to the service's
     *                       addresses, which the request may have used)
     * @param destinationIps what Tollgate knows of the destination address (an IP literal host, ServiceEntry
     *                       addresses), for destinationSubnets
     */
    public RouteOutcome meshRoute(WorkloadRef from, SidecarScope scope, String host, int port, RouteKind kind,
                                  Optional<String> sni, Optional<HttpRequestInfo> http, Optional<String> serviceHost,
                                  List<String> destinationIps) {
        return sidecars.meshRoute(from, scope, host, port, kind, sni, http, serviceHost, destinationIps);
    }

    /** {@link SidecarRouter#meshRouteOutsideRegistry}: an HTTP request to a host:port outside the registry. */
    public RouteOutcome meshRouteOutsideRegistry(WorkloadRef from, SidecarScope scope, String host, int port,
                                                 HttpRequestInfo http) {
        return sidecars.meshRouteOutsideRegistry(from, scope, host, port, http);
    }

    /** {@link VirtualServices#infersDestination}. */
    public boolean infersDestination(ResourceKey virtualService, String host, String clientNamespace) {
        return virtualServices.infersDestination(virtualService, host, clientNamespace);
    }

    /** Every compiled VirtualService in the configuration's order, as analyze reads them. */
    public List<VirtualServiceView> virtualServices() {
        return virtualServices.all().stream().map(VirtualServiceView::of).toList();
    }

    /**
     * The mesh VirtualServices {@code from}'s sidecar has: bound to mesh, exported to its namespace and imported by
     * an egress listener of its Sidecar, in the order it sees them (the rule {@link #meshRoute} follows).
     */
    public List<VirtualServiceView> sidecarVirtualServices(WorkloadRef from, SidecarScope scope) {
        return sidecars.imported(from, scope).stream().map(VirtualServiceView::of).toList();
    }

    /** The VirtualServices bound to {@code server} of {@code gateway}, in Istio's order (the rule {@link #gatewayRoute} follows). */
    public List<VirtualServiceView> gatewayVirtualServices(WorkloadRef gateway, GatewayServer server) {
        return gatewayRoutes.boundTo(gateway, server).stream().map(VirtualServiceView::of).toList();
    }

    // ---------------------------------------------------------------- destination rules

    /**
     * The DestinationRules that apply to traffic from a client to {@code host}, as {@link #upstreamPolicy} looks
     * them up and merges them, in merge order.
     */
    public List<DestinationRuleView> destinationRulesFor(String clientNamespace, Map<String, String> clientLabels,
                                                         String host, Optional<String> serviceNamespace) {
        return destinationRules.applying(clientNamespace, clientLabels, host, serviceNamespace).stream()
                .map(DestinationRuleView::of).toList();
    }

    /**
     * Every DestinationRule whose exportTo lets a client in {@code clientNamespace} use it: whatever host it asks for,
     * {@link #destinationRulesFor} merges only rules of this list, so a proxy that has these has every rule it can use.
     */
    public List<DestinationRuleView> destinationRulesVisibleFrom(String clientNamespace) {
        return destinationRules.all().stream().filter(dr -> dr.visibleFrom(clientNamespace))
                .map(DestinationRuleView::of).toList();
    }

    /** Every compiled DestinationRule in the configuration's order, as analyze reads them. */
    public List<DestinationRuleView> destinationRules() {
        return destinationRules.all().stream().map(DestinationRuleView::of).toList();
    }

    /** {@link DestinationRules#upstreamPolicy}. */
    public UpstreamPolicy upstreamPolicy(String clientNamespace, Map<String, String> clientLabels, RouteTarget target,
                                         int port, Optional<String> serviceNamespace, String autoSni) {
        return destinationRules.upstreamPolicy(clientNamespace, clientLabels, target, port, serviceNamespace, autoSni);
    }

    // ---------------------------------------------------------------- gateways

    /** The servers of every Gateway whose selector matches {@code gateway}'s labels, in Gateway order. */
    public List<GatewayServer> servers(WorkloadRef gateway) {
        return gateways.servers(gateway);
    }

    /** {@link Gateways#selectedByAnyGateway}. */
    public boolean selectedByAnyGateway(Map<String, String> labels) {
        return gateways.selectedByAnyGateway(labels);
    }

    /** {@link Gateways#listeners}. */
    public List<GatewayListener> listeners(WorkloadRef gateway) {
        return gateways.listeners(gateway);
    }

    /** {@link Gateways#connectionKind}. */
    public Optional<GatewayServerKind> connectionKind(WorkloadRef gateway, int port, Optional<String> sni) {
        return gateways.connectionKind(gateway, port, sni);
    }

    /** Every Gateway's servers (those with a port), in Gateway order, whichever workloads they select: for analyze. */
    public List<GatewayServer> allServers() {
        return gateways.allServers();
    }

    /** {@link Gateways#defines}. */
    public boolean definesGateway(String gatewayName) {
        return gateways.defines(gatewayName);
    }

    /** {@link Gateways#selectServer}. */
    public ServerSelection selectServer(WorkloadRef gateway, int port, Optional<String> sni,
                                        Optional<String> authorityHost) {
        return gateways.selectServer(gateway, port, sni, authorityHost);
    }

    /**
     * The route at a gateway server, with the VirtualServices bound to the server's Gateway ({@link GatewayRouter}).
     * The outcome's {@link RouteOutcome#considerations()} explain it.
     */
    public RouteOutcome gatewayRoute(WorkloadRef gateway, GatewayServer server, Optional<String> sni,
                                     Optional<HttpRequestInfo> http) {
        return gatewayRoutes.gatewayRoute(gateway, server, sni, http);
    }

    // ---------------------------------------------------------------- explain

    /**
     * For explain when the sidecar decided before it consulted its routes (registry, protocol): every VirtualService
     * naming {@code host}, and whether the sidecar has it. When it did consult them, the route outcome's
     * {@link RouteOutcome#considerations()} explain it.
     */
    public List<Consideration> notConsultedAtSidecar(WorkloadRef from, SidecarScope scope, String host, int port) {
        return sidecars.notConsulted(from, scope, host, port);
    }

    /** As {@link #notConsultedAtSidecar}, at a gateway server that decided before routing (authorization, TLS). */
    public List<Consideration> notConsultedAtGateway(WorkloadRef gateway, GatewayServer server, String host) {
        return gatewayRoutes.notConsulted(gateway, server, host);
    }

    /** Every Gateway, and whether it selects {@code gateway}. */
    public List<Consideration> explainGateways(WorkloadRef gateway) {
        return gateways.explainGateways(gateway);
    }
}
