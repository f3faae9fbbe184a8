package dev.tollgate.core.routing;

import dev.tollgate.core.model.net.HostPattern;
import dev.tollgate.core.model.net.HostName;
import dev.tollgate.core.model.net.IpAddress;
import dev.tollgate.core.model.net.IpPrefix;
import io.fabric8.istio.api.api.networking.v1alpha3.L4MatchAttributes;
import io.fabric8.istio.api.api.networking.v1alpha3.TLSMatchAttributes;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One compiled {@code TLSMatchAttributes} or {@code L4MatchAttributes}. Unlike HTTP matches, Istio ANDs every
 * static condition here (gateways, sourceLabels, port, sourceNamespace); sniHosts and destinationSubnets are
 * evaluated at runtime.
 */
record L4Match(long port, Set<String> gateways, Map<String, String> sourceLabels, String sourceNamespace,
               List<String> sniHosts, List<String> destinationSubnets, List<IpPrefix> subnets) {

    static L4Match tls(TLSMatchAttributes m, String vsNamespace) {
        return new L4Match(m.getPort() == null ? 0 : m.getPort(), GatewayNames.resolveAll(m.getGateways(), vsNamespace),
                m.getSourceLabels() == null ? Map.of() : Map.copyOf(m.getSourceLabels()),
                m.getSourceNamespace() == null ? "" : m.getSourceNamespace(),
                m.getSniHosts() == null ? List.of() : m.getSniHosts().stream().map(HostName::fold).toList(),
                subnetTexts(m.getDestinationSubnets()), subnets(m.getDestinationSubnets()));
    }

    static L4Match tcp(L4MatchAttributes m, String vsNamespace) {
        return new L4Match(m.getPort() == null ? 0 : m.getPort(), GatewayNames.resolveAll(m.getGateways(), vsNamespace),
                m.getSourceLabels() == null ? Map.of() : Map.copyOf(m.getSourceLabels()),
                m.getSourceNamespace() == null ? "" : m.getSourceNamespace(), List.of(),
                subnetTexts(m.getDestinationSubnets()), subnets(m.getDestinationSubnets()));
    }

    /** The subnets as written, an unparsable one marked: it matches nothing, and still makes the match need one. */
    private static List<String> subnetTexts(List<String> written) {
        return written == null ? List.of() : written.stream()
                .map(s -> IpPrefix.parse(s).isPresent() ? s : s + " (invalid)").toList();
    }

    private static List<IpPrefix> subnets(List<String> written) {
        return written == null ? List.of() : written.stream().flatMap(s -> IpPrefix.parse(s).stream()).toList();
    }

    Optional<String> staticMismatch(ProxyContext ctx) {
        if (!gateways.isEmpty() && gateways.stream().noneMatch(ctx.gatewayNames()::contains)) {
            return Optional.of("match gateways " + gateways + " do not include " + ctx.gatewayNames());
        }
        if (ctx.gateway()) {
            // Istio's l4SingleMatch at gateways reads only the gateways and the port of a tls/tcp match.
            return port != 0 && port != ctx.port() ? Optional.of("match port " + port + " is not " + ctx.port())
                    : Optional.empty();
        }
        if (!ctx.hasLabels(sourceLabels)) {
            return Optional.of("sourceLabels " + sourceLabels + " do not match the source workload");
        }
        if (port != 0 && port != ctx.port()) {
            return Optional.of("match port " + port + " is not " + ctx.port());
        }
        if (!sourceNamespace.isEmpty() && !sourceNamespace.equals(ctx.namespace())) {
            return Optional.of("sourceNamespace " + sourceNamespace + " is not " + ctx.namespace());
        }
        return Optional.empty();
    }

    /** The sniHost that matched {@code sni}, exact before wildcard, as Envoy's server_names selection. */
    Optional<String> sniMatch(Optional<String> sni) {
        if (sni.isEmpty()) {
            return Optional.empty();
        }
        String s = HostName.fold(sni.get());
        for (String h : sniHosts) {
            if (h.equals(s)) {
                return Optional.of(h);
            }
        }
        for (String h : sniHosts) {
            if (HostPattern.matches(h, s)) {
                return Optional.of(h);
            }
        }
        return Optional.empty();
    }

    /**
     * destinationSubnets: "IPv4 or IPv6 ip addresses of destination with optional subnet". The destination IP is
     * known only when the request names an IP literal or the ServiceEntry declares addresses.
     */
    boolean subnetsMatch(List<String> destinationIps, ProxyContext ctx) {
        if (destinationSubnets.isEmpty() || ctx.gateway()) {
            return true;
        }
        for (String text : destinationIps) {
            Optional<IpAddress> ip = IpAddress.parse(text);
            for (IpPrefix c : subnets) {
                if (ip.isPresent() && c.contains(ip.get())) {
                    return true;
                }
            }
        }
        return false;
    }
}
