package dev.tollgate.config.gatewayapi;

import dev.tollgate.core.model.Origin;
import io.fabric8.istio.api.api.networking.v1alpha3.Destination;
import io.fabric8.istio.api.api.networking.v1alpha3.PortSelector;
import io.fabric8.istio.api.api.networking.v1alpha3.RouteDestination;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.BackendRef;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The destinations of a TLSRoute or TCPRoute rule: {@code convertTLSRoute}, {@code convertTCPRoute} and
 * {@code buildTCPDestination} (conversion.go).
 */
final class L4Rules {
    /** One rule's destinations, with where each came from. */
    record Rule(List<RouteDestination> route, Origin origin, Map<String, Origin> destinations) {
    }

    private L4Rules() {
    }

    static Optional<List<Rule>> convert(GatewayApiObject obj, List<List<BackendRef>> rules, Backends backends,
                                        boolean gatewayParent) {
        List<Rule> out = new ArrayList<>();
        boolean ok = true;
        for (int n = 0; n < rules.size(); n++) {
            String path = "spec.rules[" + n + "]";
            List<BackendRef> refs = rules.get(n) == null ? List.of() : rules.get(n);
            Map<String, Origin> origins = new LinkedHashMap<>();
            List<RouteDestination> dests = new ArrayList<>();
            int sum = refs.stream().mapToInt(b -> b.getWeight() == null ? 1 : b.getWeight()).sum();
            if (sum == 0) {
                // "The spec requires us to reject connections when there are no >0 weight backends": Istio routes
                // them to a cluster that does not exist
                Destination d = new Destination();
                d.setHost("internal.cluster.local");
                d.setSubset("zero-weight");
                PortSelector p = new PortSelector();
                p.setNumber(65535L);
                d.setPort(p);
                RouteDestination rd = new RouteDestination();
                rd.setDestination(d);
                rd.setWeight(0);
                dests.add(rd);
            }
            long weighted = refs.stream().filter(b -> b.getWeight() == null || b.getWeight() > 0).count();
            for (int i = 0; sum > 0 && i < refs.size(); i++) {
                BackendRef b = refs.get(i);
                int weight = b.getWeight() == null ? 1 : b.getWeight();
                if (weight == 0) {
                    continue;
                }
                String at = path + ".backendRefs[" + i + "]";
                Optional<Destination> d = backends.destination(obj, new Backends.Ref(b.getGroup(), b.getKind(),
                        b.getName(), b.getNamespace(), b.getPort(), b.getWeight()), at, gatewayParent);
                if (d.isEmpty()) {
                    ok = false;
                    continue;
                }
                RouteDestination rd = new RouteDestination();
                rd.setDestination(d.get());
                if (weighted > 1) {
                    rd.setWeight(weight);
                }
                origins.put("route[" + dests.size() + "]", obj.originOf(at));
                dests.add(rd);
            }
            out.add(new Rule(dests, obj.originOf(path), origins));
        }
        return ok ? Optional.of(out) : Optional.empty();
    }
}
