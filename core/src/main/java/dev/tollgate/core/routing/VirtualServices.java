package dev.tollgate.core.routing;

import dev.tollgate.core.model.ConfigSet;
import dev.tollgate.core.model.Consideration;
import dev.tollgate.core.model.Resource;
import dev.tollgate.core.model.ResourceKey;
import dev.tollgate.core.model.net.HostName;
import io.fabric8.istio.api.api.networking.v1alpha3.VirtualService;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The compiled VirtualServices, indexed for the two routers ({@link SidecarRouter}, {@link GatewayRouter}): by host
 * pattern, by the gateway names they bind to, by key.
 *
 * <p>Files carry no creation timestamps, so every resource is equally old. VirtualServices are then in Istio's order
 * for equal creation times (config.go configCompareByCreationTime: by name, then namespace), which decides which of
 * two VirtualServices for one host a sidecar uses and in which order a gateway merges their routes.
 */
final class VirtualServices {
    /** Every VirtualService by host pattern, whatever it is bound to. */
    private final HostIndex<CompiledVirtualService> byHost = new HostIndex<>();
    /** Gateway name ({@code mesh} or {@code ns/name}) -> VirtualServices bound to it, in order. */
    private final Map<String, List<CompiledVirtualService>> byGateway = new HashMap<>();
    private final Map<ResourceKey, CompiledVirtualService> byKey = new HashMap<>();
    /** In the configuration's order, for analyze. */
    private final List<CompiledVirtualService> written;

    VirtualServices(ConfigSet config) {
        int order = 0;
        Map<Resource<VirtualService>, CompiledVirtualService> byResource = new IdentityHashMap<>();
        List<Resource<VirtualService>> byAge = new ArrayList<>(config.virtualServices());
        byAge.sort(Comparator.comparing((Resource<VirtualService> r) -> r.name()).thenComparing(Resource::namespace));
        for (Resource<VirtualService> r : byAge) {
            CompiledVirtualService vs = CompiledVirtualService.compile(r, order++, config.mesh());
            byKey.put(r.key(), vs);
            byResource.put(r, vs);
            for (String host : vs.hosts()) {
                byHost.add(host, vs);
            }
            for (String gw : vs.gateways()) {
                byGateway.computeIfAbsent(gw, k -> new ArrayList<>()).add(vs);
            }
        }
        written = config.virtualServices().stream().map(byResource::get).toList();
    }

    /** Every VirtualService in the configuration's order. */
    List<CompiledVirtualService> all() {
        return written;
    }

    /** Every VirtualService with a host matching {@code host}, most specific pattern first (a VirtualService once per
     * pattern it matches by). */
    List<HostIndex.Hit<CompiledVirtualService>> naming(String host) {
        return byHost.lookup(host);
    }

    /** Every VirtualService with exactly the host {@code pattern}, in order. */
    List<CompiledVirtualService> withHost(String pattern) {
        return byHost.exact(pattern);
    }

    /** See {@link HostIndex#wildcardsEnding}. */
    List<String> wildcardHostsEnding(String text) {
        return byHost.wildcardsEnding(text);
    }

    List<CompiledVirtualService> boundTo(String gatewayName) {
        return byGateway.getOrDefault(gatewayName, List.of());
    }

    /**
     * True when a sidecar of {@code clientNamespace} that imports {@code virtualService} gets {@code host} as a
     * service through it (Istio's collectImportedServices; see {@link CompiledVirtualService#infersDestination}).
     */
    boolean infersDestination(ResourceKey virtualService, String host, String clientNamespace) {
        CompiledVirtualService vs = byKey.get(virtualService);
        return vs != null && vs.infersDestination(HostName.fold(host), clientNamespace);
    }

    /** The order a proxy of {@code namespace} sees VirtualServices in: its own, exported to it by name, public. */
    static Comparator<CompiledVirtualService> precedence(String namespace) {
        return Comparator.<CompiledVirtualService>comparingInt(v -> v.precedenceFor(namespace))
                .thenComparingInt(CompiledVirtualService::order);
    }

    /**
     * {@code decided}, able to explain itself: explain walks the same path again with a recording trace, and the
     * walk must reach the same outcome, or the explanation would be of another decision.
     */
    static RouteOutcome explainable(RouteOutcome decided, Supplier<RouteTrace> trace,
                                    java.util.function.Function<RouteTrace, RouteOutcome> walk) {
        return decided.explainedBy(() -> {
            RouteTrace t = trace.get();
            RouteOutcome again = walk.apply(t);
            if (!again.detail().equals(decided.detail())) {
                throw new IllegalStateException("explain walked to \"" + again.detail() + "\" but the decision was \""
                        + decided.detail() + "\"");
            }
            return t.considerations();
        });
    }

    /** For {@link Consideration}s of a walk that never reached the routes. */
    static void notConsulted(RouteTrace trace, String why) {
        trace.withoutVerdict().forEach(vs -> trace.notReached(vs, why));
    }
}
