package dev.tollgate.config.gatewayapi;

import dev.tollgate.core.model.Diagnostic.Severity;
import dev.tollgate.core.model.Resource;
import dev.tollgate.core.model.net.HostPattern;
import io.fabric8.istio.api.api.networking.v1alpha3.ServiceEntry;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ParentReference;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Which parents a route attaches to, as {@code extractParentReferenceInfo} and {@code referenceAllowed}
 * (conversion.go) decide. A parent Istio does not accept is named in a warning: Istio reports it only in the route's
 * status, where a user reading the files would not see it.
 */
final class ParentRefs {
    private static final String GATEWAY_GROUP = "gateway.networking.k8s.io";
    private static final String ISTIO_GROUP = "networking.istio.io";

    private final Map<String, List<ListenerParent>> listenersByGateway;
    private final Map<String, Resource<ServiceEntry>> serviceEntries;
    private final String domainSuffix;
    private final Findings findings;

    ParentRefs(Map<String, List<ListenerParent>> listenersByGateway, Map<String, Resource<ServiceEntry>> serviceEntries,
               String domainSuffix, Findings findings) {
        this.listenersByGateway = listenersByGateway;
        this.serviceEntries = serviceEntries;
        this.domainSuffix = domainSuffix;
        this.findings = findings;
    }

    List<Attachment> attach(GatewayApiObject route, List<ParentReference> refs, List<String> hostnames) {
        List<Attachment> out = new ArrayList<>();
        for (int i = 0; i < refs.size(); i++) {
            ParentReference ref = refs.get(i);
            String path = "spec.parentRefs[" + i + "]";
            String group = ref.getGroup() == null ? GATEWAY_GROUP : ref.getGroup();
            String kind = ref.getKind() == null ? "Gateway" : ref.getKind();
            String ns = ref.getNamespace() == null ? route.namespace() : ref.getNamespace();
            Optional<Integer> port = Optional.ofNullable(ref.getPort());
            if (group.equals(ISTIO_GROUP) && kind.equals("ServiceEntry")) {
                Resource<ServiceEntry> se = serviceEntries.get(ns + "/" + ref.getName());
                if (se == null) {
                    warn(route, path, "parent ServiceEntry " + ns + "/" + ref.getName() + " is not in the "
                            + "configuration; Istio does not attach the route to it (parent service entry not found)");
                    continue;
                }
                List<String> hosts = se.spec().getHosts() == null ? List.of() : se.spec().getHosts();
                out.add(new Attachment(Attachment.MESH, hosts, port, Optional.empty(), Set.of(), path));
            } else if (group.isEmpty() && kind.equals("Service")) {
                // GAMMA: the route applies to sidecars calling the Service
                out.add(new Attachment(Attachment.MESH, List.of(ref.getName() + "." + ns + ".svc." + domainSuffix),
                        port, Optional.empty(), Set.of(), path));
            } else if (group.equals(GATEWAY_GROUP) && kind.equals("Gateway")) {
                gateway(route, ref, ns, path, hostnames, out);
            } else {
                // toInternalParentReference: "Cannot handle the reference. Maybe it is for another controller"
                warn(route, path, "parentRef kind " + group + "/" + kind + " is not one Istio attaches routes to "
                        + "(Gateway, Service, ServiceEntry); the route ignores it");
            }
        }
        // filteredReferences sorts by internal name for a deterministic order
        out.sort(Comparator.comparing(Attachment::internalName));
        return out;
    }

    private void gateway(GatewayApiObject route, ParentReference ref, String ns, String path, List<String> hostnames,
                         List<Attachment> out) {
        List<ListenerParent> listeners = listenersByGateway.get(ns + "/" + ref.getName());
        if (listeners == null) {
            warn(route, path, "parent Gateway " + ns + "/" + ref.getName() + " is not in the configuration (or not of "
                    + "an Istio GatewayClass); the route does not attach to it");
            return;
        }
        List<String> denied = new ArrayList<>();
        for (ListenerParent l : listeners) {
            Optional<String> why = denied(route, ref, l, hostnames);
            if (why.isPresent()) {
                denied.add("listener " + l.sectionName() + ": " + why.get());
                continue;
            }
            Set<String> banned = new LinkedHashSet<>();
            for (ListenerParent other : listeners) {
                if (other != l && other.port() == l.port() && other.protocol().equals(l.protocol())) {
                    banned.add(other.listenerHost());
                }
            }
            banned.remove(l.listenerHost());
            out.add(new Attachment(l.internalName(), List.of(), Optional.ofNullable(ref.getPort()), Optional.of(l),
                    banned, path));
        }
        if (out.stream().noneMatch(a -> a.refPath().equals(path))) {
            warn(route, path, "no listener of Gateway " + ns + "/" + ref.getName() + " accepts the route: "
                    + String.join("; ", denied));
        }
    }

    /** {@code referenceAllowed} for a Gateway listener: port, sectionName, hostnames with namespaces, route kind. */
    private static Optional<String> denied(GatewayApiObject route, ParentReference ref, ListenerParent l,
                                           List<String> routeHostnames) {
        if (ref.getPort() != null && ref.getPort() != l.port()) {
            return Optional.of("port " + ref.getPort() + " not found");
        }
        if (ref.getSectionName() != null && !ref.getSectionName().isEmpty()
                && !ref.getSectionName().equals(l.sectionName())) {
            return Optional.of("sectionName \"" + ref.getSectionName() + "\" not found");
        }
        List<String> hostnames = routeHostnames.isEmpty() ? List.of("*") : routeHostnames;
        boolean matched = false;
        boolean hostMatched = false;
        for (String routeHost : hostnames) {
            for (String parent : l.serverHosts()) {
                int slash = parent.indexOf('/');
                String parentNs = slash < 0 ? "*" : parent.substring(0, slash);
                String parentHost = slash < 0 ? parent : parent.substring(slash + 1);
                boolean hostMatch = HostPattern.overlaps(parentHost, routeHost);
                hostMatched |= hostMatch;
                if (hostMatch && (parentNs.equals("*") || parentNs.equals(route.namespace()))) {
                    matched = true;
                }
            }
        }
        String original = l.listenerHost();
        if (!matched) {
            return Optional.of(hostMatched
                    ? "hostnames matched parent hostname \"" + original + "\", but namespace \"" + route.namespace()
                    + "\" is not allowed by the parent (allowedRoutes)"
                    : "no hostnames matched parent hostname \"" + original + "\"");
        }
        if (!l.allowedKinds().contains(route.kind())) {
            return Optional.of("kind " + route.kind() + " is not allowed (the listener accepts " + l.allowedKinds()
                    + ")");
        }
        return Optional.empty();
    }

    private void warn(GatewayApiObject route, String path, String message) {
        findings.add(Severity.WARNING, "gateway-api-parent-not-accepted", route.originOf(path), path,
                route.label() + ": " + message);
    }
}
