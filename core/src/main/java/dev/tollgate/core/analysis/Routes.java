package dev.tollgate.core.analysis;

import dev.tollgate.core.model.RouteKind;
import dev.tollgate.core.model.Resource;
import dev.tollgate.core.model.net.HostPattern;
import io.fabric8.istio.api.api.networking.v1alpha3.Destination;
import io.fabric8.istio.api.api.networking.v1alpha3.HTTPMatchRequest;
import io.fabric8.istio.api.api.networking.v1alpha3.HTTPRoute;
import io.fabric8.istio.api.api.networking.v1alpha3.HTTPRouteDestination;
import io.fabric8.istio.api.api.networking.v1alpha3.L4MatchAttributes;
import io.fabric8.istio.api.api.networking.v1alpha3.RouteDestination;
import io.fabric8.istio.api.api.networking.v1alpha3.TCPRoute;
import io.fabric8.istio.api.api.networking.v1alpha3.TLSMatchAttributes;
import io.fabric8.istio.api.api.networking.v1alpha3.TLSRoute;
import io.fabric8.istio.api.api.networking.v1alpha3.VirtualService;

import java.util.ArrayList;
import java.util.List;

/** A uniform view of a VirtualService's http, tls and tcp routes, with field paths for findings. */
final class Routes {


    record Match(String path, Long port, List<String> gateways, List<String> sniHosts) {
    }

    record Dest(String path, String host, String subset, Long port) {
    }

    record Section(Resource<VirtualService> vs, RouteKind kind, String path, List<Match> matches, List<Dest> dests) {
        List<String> vsGateways() {
            return vs.spec().getGateways() == null ? List.of() : vs.spec().getGateways();
        }

        List<String> vsHosts() {
            return vs.spec().getHosts() == null ? List.of() : vs.spec().getHosts();
        }
    }

    private Routes() {
    }

    static List<Section> of(Resource<VirtualService> vs) {
        List<Section> out = new ArrayList<>();
        VirtualService s = vs.spec();
        List<HTTPRoute> http = s.getHttp() == null ? List.of() : s.getHttp();
        for (int i = 0; i < http.size(); i++) {
            HTTPRoute r = http.get(i);
            if (r == null) {
                continue;
            }
            String path = "spec.http[" + i + "]";
            List<Match> matches = new ArrayList<>();
            List<HTTPMatchRequest> ms = r.getMatch() == null ? List.of() : r.getMatch();
            for (int j = 0; j < ms.size(); j++) {
                HTTPMatchRequest m = ms.get(j);
                if (m != null) {
                    matches.add(new Match(path + ".match[" + j + "]", m.getPort(), list(m.getGateways()), List.of()));
                }
            }
            List<Dest> dests = new ArrayList<>();
            List<HTTPRouteDestination> ds = r.getRoute() == null ? List.of() : r.getRoute();
            for (int j = 0; j < ds.size(); j++) {
                if (ds.get(j) != null) {
                    dest(path + ".route[" + j + "].destination", ds.get(j).getDestination(), dests);
                }
            }
            out.add(new Section(vs, RouteKind.HTTP, path, matches, dests));
        }
        List<TLSRoute> tls = s.getTls() == null ? List.of() : s.getTls();
        for (int i = 0; i < tls.size(); i++) {
            TLSRoute r = tls.get(i);
            if (r == null) {
                continue;
            }
            String path = "spec.tls[" + i + "]";
            List<Match> matches = new ArrayList<>();
            List<TLSMatchAttributes> ms = r.getMatch() == null ? List.of() : r.getMatch();
            for (int j = 0; j < ms.size(); j++) {
                TLSMatchAttributes m = ms.get(j);
                if (m != null) {
                    matches.add(new Match(path + ".match[" + j + "]", m.getPort(), list(m.getGateways()),
                            list(m.getSniHosts())));
                }
            }
            out.add(new Section(vs, RouteKind.TLS, path, matches, l4(path, r.getRoute())));
        }
        List<TCPRoute> tcp = s.getTcp() == null ? List.of() : s.getTcp();
        for (int i = 0; i < tcp.size(); i++) {
            TCPRoute r = tcp.get(i);
            if (r == null) {
                continue;
            }
            String path = "spec.tcp[" + i + "]";
            List<Match> matches = new ArrayList<>();
            List<L4MatchAttributes> ms = r.getMatch() == null ? List.of() : r.getMatch();
            for (int j = 0; j < ms.size(); j++) {
                L4MatchAttributes m = ms.get(j);
                if (m != null) {
                    matches.add(new Match(path + ".match[" + j + "]", m.getPort(), list(m.getGateways()), List.of()));
                }
            }
            out.add(new Section(vs, RouteKind.TCP, path, matches, l4(path, r.getRoute())));
        }
        return out;
    }

    private static List<Dest> l4(String path, List<RouteDestination> ds) {
        List<Dest> dests = new ArrayList<>();
        List<RouteDestination> l = ds == null ? List.of() : ds;
        for (int j = 0; j < l.size(); j++) {
            if (l.get(j) != null) {
                dest(path + ".route[" + j + "].destination", l.get(j).getDestination(), dests);
            }
        }
        return dests;
    }

    private static void dest(String path, Destination d, List<Dest> out) {
        if (d != null && d.getHost() != null) {
            out.add(new Dest(path, d.getHost(), d.getSubset(),
                    d.getPort() == null ? null : d.getPort().getNumber()));
        }
    }

    /**
     * Whether a section can apply to traffic bound to {@code gateway} ({@code mesh} or a Gateway reference that
     * {@code refersTo} accepts) on {@code port}: Istio takes match-level gateways over the VirtualService's.
     */
    static boolean applies(Section s, java.util.function.Predicate<String> refersTo, boolean mesh, int port,
                           String host) {
        List<String> vsGateways = s.vsGateways();
        boolean vsApplies = vsGateways.isEmpty() ? mesh : vsGateways.stream().anyMatch(refersTo);
        if (s.matches().isEmpty()) {
            return vsApplies;
        }
        for (Match m : s.matches()) {
            boolean gw = m.gateways().isEmpty() ? vsApplies : m.gateways().stream().anyMatch(refersTo);
            boolean sni = m.sniHosts().isEmpty() || host == null
                    || m.sniHosts().stream().anyMatch(h -> HostPattern.overlaps(h.trim(), host.trim()));
            if (gw && sni && (m.port() == null || m.port() == port)) {
                return true;
            }
        }
        return false;
    }

    private static List<String> list(List<String> l) {
        return l == null ? List.of() : l;
    }
}
