package dev.tollgate.config.gatewayapi;

import dev.tollgate.core.model.Diagnostic;
import dev.tollgate.core.model.Diagnostic.Severity;
import dev.tollgate.core.model.Resource;
import io.fabric8.istio.api.api.networking.v1alpha3.Gateway;
import io.fabric8.istio.api.api.networking.v1alpha3.ServiceEntry;
import io.fabric8.istio.api.api.networking.v1alpha3.VirtualService;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewaySpec;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Gateway API resources to the Istio Gateways and VirtualServices istiod makes of them
 * ({@code pilot/pkg/config/kube/gateway}: gateway_collection.go, route_collections.go, conversion.go), so that one
 * implementation of Istio's routing rules decides for both APIs. Each produced resource keeps the origin of the
 * object it was made of, and its key names that object, so messages point at the user's HTTPRoute.
 */
public final class GatewayApiConversion {
    /** The cluster domain suffix that Service hosts are qualified with. */
    public static final String DOMAIN_SUFFIX = dev.tollgate.core.model.KubernetesService.CLUSTER_DOMAIN;
    /** The GatewayClass that Istio installs, and the controller name of Istio's classes. */
    static final String ISTIO_CLASS = "istio";
    static final String ISTIO_CONTROLLER = "istio.io/gateway-controller";
    /** Istio's other built-in classes, which make no egress gateway of the kind Tollgate runs. */
    private static final Map<String, String> OTHER_ISTIO_CLASSES = Map.of(
            "istio-waypoint", "Istio's ambient waypoint class (istio.io/mesh-controller); Tollgate models sidecar mode",
            "istio-east-west", "Istio's east-west gateway class for multi-network meshes",
            "istio-remote", "Istio's class for a gateway of another cluster");

    /** What the conversion made, and what it found wrong. */
    public record Result(List<Resource<Gateway>> gateways, List<Resource<VirtualService>> virtualServices,
                         List<Diagnostic> diagnostics) {
    }

    private GatewayApiConversion() {
    }

    /**
     * @param classes        the controller name of each GatewayClass the files declare
     * @param serviceEntries the loaded ServiceEntries, which mesh routes name as parents
     */
    public static Result convert(List<GatewayApiObject> objects, Map<String, String> classes,
                                 List<Resource<ServiceEntry>> serviceEntries) {
        Findings findings = new Findings();
        List<Resource<Gateway>> gateways = new ArrayList<>();
        Map<String, List<ListenerParent>> listeners = new HashMap<>();
        for (GatewayApiObject o : sorted(objects, "Gateway")) {
            String className = ((GatewaySpec) o.spec()).getGatewayClassName();
            String controller = classes.getOrDefault(className, className.equals(ISTIO_CLASS) ? ISTIO_CONTROLLER : "");
            if (!classes.containsKey(className) && OTHER_ISTIO_CLASSES.containsKey(className)) {
                findings.add(Severity.WARNING, "gateway-api-other-class", o.originOf("spec.gatewayClassName"),
                        "spec.gatewayClassName", o.label() + ": gatewayClassName " + className + " is "
                                + OTHER_ISTIO_CLASSES.get(className) + "; Tollgate ignores this Gateway");
                continue;
            }
            if (!controller.equals(ISTIO_CONTROLLER)) {
                findings.add(Severity.WARNING, "gateway-api-other-class", o.originOf("spec.gatewayClassName"),
                        "spec.gatewayClassName", o.label() + ": gatewayClassName " + className + " is not served by "
                                + "Istio (" + ISTIO_CONTROLLER + ")" + (controller.isEmpty() ? ", as far as the files "
                                + "show" : " but by " + controller) + "; Istio, and Tollgate, ignore this Gateway");
                continue;
            }
            GatewayConversion.Converted c = new GatewayConversion(o, className, findings).convert(DOMAIN_SUFFIX);
            gateways.addAll(c.gateways());
            listeners.put(o.namespace() + "/" + o.name(), c.listeners());
        }
        Map<String, Resource<ServiceEntry>> entries = new HashMap<>();
        serviceEntries.forEach(se -> entries.put(se.namespace() + "/" + se.name(), se));
        ParentRefs parents = new ParentRefs(listeners, entries, DOMAIN_SUFFIX, findings);
        Backends backends = new Backends(sorted(objects, "ReferenceGrant"), DOMAIN_SUFFIX, findings);
        RouteConversion routes = new RouteConversion(parents, backends, findings);
        List<Resource<VirtualService>> virtualServices = new ArrayList<>();
        virtualServices.addAll(routes.http(sorted(objects, "HTTPRoute")));
        for (GatewayApiObject o : sorted(objects, "TLSRoute")) {
            virtualServices.addAll(routes.tls(o));
        }
        for (GatewayApiObject o : sorted(objects, "TCPRoute")) {
            virtualServices.addAll(routes.tcp(o));
        }
        return new Result(List.copyOf(gateways), List.copyOf(virtualServices), findings.all());
    }

    /** Istio orders by creation time, then namespace and name; files carry no creation time. */
    private static List<GatewayApiObject> sorted(List<GatewayApiObject> objects, String kind) {
        return objects.stream().filter(o -> o.kind().equals(kind))
                .sorted(Comparator.comparing(GatewayApiObject::namespace).thenComparing(GatewayApiObject::name))
                .toList();
    }
}
