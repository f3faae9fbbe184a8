package dev.tollgate.config;

import dev.tollgate.core.model.Visibility;

import dev.tollgate.core.model.PortProtocol;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Istio's ValidateServiceEntry (pkg/config/validation/validation.go), on the YAML nodes. */
final class ServiceEntryRules {
    private ServiceEntryRules() {
    }

    static void validate(FieldNode spec, String namespace, Problems.Scoped p) {
        String resolution = spec.string("resolution").orElse("NONE");
        spec.get("workloadSelector").ifPresent(s -> CommonRules.selectorLabels(s, "labels", p));
        if (spec.has("workloadSelector") && spec.has("endpoints")) {
            p.error("invalid-field", spec.get("endpoints").orElseThrow(),
                    "only one of workloadSelector or endpoints is allowed in a ServiceEntry");
        }
        List<FieldNode> hosts = spec.list("hosts");
        if (hosts.isEmpty()) {
            p.error("missing-field", spec.get("hosts").orElse(spec), "service entry must have at least one host");
        }
        for (FieldNode host : hosts) {
            if (host.text().equals("*")) {
                p.error("invalid-field", host, "invalid host *: a ServiceEntry cannot match every host");
            } else {
                IstioNames.wildcardDomain(host.text()).ifPresent(m -> p.error("invalid-field", host, m));
                IstioNames.partialWildcard(host.text()).ifPresent(m -> p.warning("partial-wildcard", host, m));
            }
        }
        boolean cidr = false;
        for (FieldNode address : spec.list("addresses")) {
            cidr |= address.text().contains("/");
            if (!IstioNames.isIpOrCidr(address.text())) {
                p.error("invalid-field", address, address.text() + " is not a valid IP address or CIDR block");
            }
        }
        if (cidr && !resolution.equals("NONE") && !resolution.equals("STATIC")) {
            p.error("invalid-field", spec.get("resolution").orElseThrow(),
                    "CIDR addresses are allowed only for NONE/STATIC resolution types");
        }
        Set<String> portNames = new HashSet<>();
        Set<Long> portNumbers = new HashSet<>();
        for (FieldNode port : spec.list("ports")) {
            String name = port.string("name").orElse("");
            long number = port.number("number");
            FieldNode nameAt = port.get("name").orElse(port);
            FieldNode numberAt = port.get("number").orElse(port);
            if (!portNames.add(name)) {
                p.error("invalid-field", nameAt, "service entry port name \"" + name + "\" already defined");
            }
            if (!portNumbers.add(number)) {
                p.error("invalid-field", numberAt, "service entry port " + number + " already defined");
            }
            if (!IstioNames.isDnsLabel(name)) {
                p.error("invalid-field", nameAt, "invalid port name: \"" + name + "\"");
            }
            IstioNames.port(number).ifPresent(m -> p.error("invalid-field", numberAt, m));
            port.get("targetPort").filter(t -> port.number("targetPort") != 0)
                    .ifPresent(t -> IstioNames.port(port.number("targetPort")).ifPresent(m -> p.error("invalid-field", t, m)));
            port.get("protocol").filter(pr -> !IstioNames.isProtocol(pr.text()))
                    .ifPresent(pr -> p.error("invalid-field", pr, "unsupported protocol: " + pr.text()));
            String protocol = port.string("protocol").orElse("");
            if (spec.list("addresses").isEmpty() && (protocol.isEmpty() || protocol.equalsIgnoreCase("TCP"))) {
                // Istio: a TCP port without addresses becomes a listener on 0.0.0.0:<port>, so every destination
                // on that port matches this entry
                p.warning("tcp-without-addresses", port, "addresses are required for ports serving TCP (or unset) "
                        + "protocol: without them the entry captures all traffic to port " + number);
            }
        }
        List<FieldNode> endpoints = spec.list("endpoints");
        switch (resolution) {
            case "NONE" -> {
                if (!endpoints.isEmpty()) {
                    p.error("invalid-field", spec.get("endpoints").orElseThrow(),
                            "no endpoints should be provided for resolution type NONE");
                }
            }
            case "STATIC" -> {
                if (endpoints.isEmpty() && !spec.has("workloadSelector")) {
                    p.warning("no-endpoints", spec.get("resolution").orElseThrow(),
                            "resolution STATIC without endpoints or workloadSelector: there is nowhere to send traffic");
                }
                for (FieldNode endpoint : endpoints) {
                    WorkloadEntryRules.entry(endpoint, portNames, false, p);
                }
            }
            case "DNS", "DNS_ROUND_ROBIN" -> {
                if (endpoints.isEmpty()) {
                    for (FieldNode host : hosts) {
                        if (IstioNames.fqdn(host.text()).isPresent()) {
                            p.error("invalid-field", host, "hosts must be FQDN if no endpoints are provided for "
                                    + "resolution mode " + resolution + " (\"" + host.text() + "\" cannot be resolved)");
                        }
                    }
                }
                if (resolution.equals("DNS_ROUND_ROBIN") && endpoints.size() > 1) {
                    p.error("invalid-field", spec.get("endpoints").orElseThrow(),
                            "there must only be 0 or 1 endpoint for resolution mode DNS_ROUND_ROBIN");
                }
                for (FieldNode endpoint : endpoints) {
                    WorkloadEntryRules.entry(endpoint, portNames, true, p);
                }
            }
            default -> p.error("invalid-field", spec.get("resolution").orElse(spec),
                    "unsupported resolution type " + resolution);
        }
        if (!resolution.equals("NONE") && hosts.size() > 1) {
            for (FieldNode port : spec.list("ports")) {
                String protocol = port.string("protocol").orElse("");
                if (!PortProtocol.parse(protocol).isHttp() && !PortProtocol.parse(protocol).isTls()) {
                    p.error("invalid-field", port, "multiple hosts provided with non-HTTP, non-TLS ports");
                    break;
                }
            }
        }
        CommonRules.exportTo(spec, namespace, Visibility.Owner.SERVICE_ENTRY, p);
    }
}
