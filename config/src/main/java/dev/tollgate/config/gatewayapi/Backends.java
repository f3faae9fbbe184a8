package dev.tollgate.config.gatewayapi;

import dev.tollgate.core.model.Diagnostic.Severity;
import io.fabric8.istio.api.api.networking.v1alpha3.Destination;
import io.fabric8.istio.api.api.networking.v1alpha3.PortSelector;
import io.fabric8.kubernetes.api.model.gatewayapi.v1beta1.ReferenceGrantFrom;
import io.fabric8.kubernetes.api.model.gatewayapi.v1beta1.ReferenceGrantSpec;
import io.fabric8.kubernetes.api.model.gatewayapi.v1beta1.ReferenceGrantTo;

import java.util.List;
import java.util.Optional;

/**
 * A route's {@code backendRefs} to Istio destinations: conversion.go {@code buildDestination}. Services become
 * {@code NAME.NS.svc.DOMAIN}; {@code Hostname} of group {@code networking.istio.io} is a ServiceEntry host as
 * written. Every other kind is refused, as Istio refuses it.
 */
final class Backends {
    private static final String GATEWAY_GROUP = "gateway.networking.k8s.io";
    private static final String ISTIO_GROUP = "networking.istio.io";

    /** A backendRef as all route kinds share it. */
    record Ref(String group, String kind, String name, String namespace, Integer port, Integer weight) {
    }

    private final List<GatewayApiObject> grants;
    private final String domainSuffix;
    private final Findings findings;

    Backends(List<GatewayApiObject> grants, String domainSuffix, Findings findings) {
        this.grants = grants;
        this.domainSuffix = domainSuffix;
        this.findings = findings;
    }

    /**
     * The destination, or empty after an error. {@code gatewayParent}: routes bound to a Gateway need a
     * ReferenceGrant for a backend in another namespace ({@code enforceRefGrant} is {@code !mesh}).
     */
    Optional<Destination> destination(GatewayApiObject route, Ref ref, String path, boolean gatewayParent) {
        String group = ref.group() == null ? "" : ref.group();
        String kind = ref.kind() == null ? "Service" : ref.kind();
        String namespace = ref.namespace() == null ? route.namespace() : ref.namespace();
        if (gatewayParent && !namespace.equals(route.namespace()) && !granted(route, group, kind, ref.name(), namespace)) {
            return error(route, path, "backendRef " + ref.name() + "/" + namespace + " not accessible to a "
                    + route.kind() + " in namespace \"" + route.namespace() + "\" (missing a ReferenceGrant?)");
        }
        String host;
        if (group.isEmpty() && kind.equals("Service")) {
            if (ref.name().contains(".")) {
                return error(route, path, "service name invalid; the name of the Service must be used, not the "
                        + "hostname.");
            }
            host = ref.name() + "." + namespace + ".svc." + domainSuffix;
        } else if (group.equals(ISTIO_GROUP) && kind.equals("Hostname")) {
            if (ref.namespace() != null) {
                return error(route, path, "namespace may not be set with Hostname type");
            }
            host = ref.name();
        } else {
            return error(route, path, "referencing unsupported backendRef: group \"" + group + "\" kind \"" + kind
                    + "\" (Istio routes to a Service, or to a ServiceEntry host with kind Hostname, group "
                    + ISTIO_GROUP + ")");
        }
        if (ref.port() == null) {
            return error(route, path, "port is required in backendRef");
        }
        Destination d = new Destination();
        d.setHost(host);
        PortSelector port = new PortSelector();
        port.setNumber(ref.port().longValue());
        d.setPort(port);
        return Optional.of(d);
    }

    /** A ReferenceGrant in the backend's namespace from the route's kind and namespace to it. */
    private boolean granted(GatewayApiObject route, String group, String kind, String name, String namespace) {
        for (GatewayApiObject g : grants) {
            if (!g.namespace().equals(namespace)) {
                continue;
            }
            ReferenceGrantSpec spec = (ReferenceGrantSpec) g.spec();
            boolean from = spec.getFrom() != null && spec.getFrom().stream().anyMatch((ReferenceGrantFrom f) ->
                    GATEWAY_GROUP.equals(f.getGroup()) && route.kind().equals(f.getKind())
                            && route.namespace().equals(f.getNamespace()));
            boolean to = spec.getTo() != null && spec.getTo().stream().anyMatch((ReferenceGrantTo t) ->
                    (t.getGroup() == null ? "" : t.getGroup()).equals(group) && kind.equals(t.getKind())
                            && (t.getName() == null || t.getName().isEmpty() || t.getName().equals(name)));
            if (from && to) {
                return true;
            }
        }
        return false;
    }

    private Optional<Destination> error(GatewayApiObject route, String path, String message) {
        findings.add(Severity.ERROR, "gateway-api-invalid-backend", route.originOf(path), path,
                route.label() + ": " + message);
        return Optional.empty();
    }
}
