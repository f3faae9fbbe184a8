package dev.tollgate.config;

import dev.tollgate.core.model.Visibility;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Istio's ValidateDestinationRule, validateTrafficPolicy and ValidateTLS (client side), on the YAML nodes. */
final class DestinationRuleRules {
    private static final List<String> POLICY_FIELDS = List.of("outlierDetection", "connectionPool", "loadBalancer",
            "tls", "portLevelSettings", "tunnel", "proxyProtocol");
    private static final List<String> PORT_POLICY_FIELDS = List.of("outlierDetection", "connectionPool",
            "loadBalancer", "tls");

    private DestinationRuleRules() {
    }

    static void validate(FieldNode spec, String namespace, Problems.Scoped p) {
        FieldNode hostAt = spec.get("host").orElse(spec);
        String host = spec.string("host").orElse("");
        if (host.isEmpty()) {
            p.error("missing-field", hostAt, "host is required");
        } else {
            IstioNames.wildcardDomain(host).ifPresent(m -> p.error("invalid-field", hostAt, m));
        }
        spec.get("trafficPolicy").ifPresent(tp -> trafficPolicy(tp, p));
        Set<String> names = new HashSet<>();
        for (FieldNode subset : spec.list("subsets")) {
            String name = subset.string("name").orElse("");
            FieldNode nameAt = subset.get("name").orElse(subset);
            if (name.isEmpty()) {
                p.error("missing-field", nameAt, "subset name cannot be empty");
            } else if (!IstioNames.isDnsLabel(name)) {
                p.error("invalid-field", nameAt, "subset name is invalid: \"" + name + "\"");
            }
            if (!names.add(name)) {
                p.error("invalid-field", nameAt, "duplicate subset names: " + name);
            }
            CommonRules.labelMap(subset.get("labels").map(FieldNode::entries).orElse(List.of()), p);
            subset.get("trafficPolicy").ifPresent(tp -> trafficPolicy(tp, p));
        }
        CommonRules.exportTo(spec, namespace, spec.has("workloadSelector")
                ? Visibility.Owner.DESTINATION_RULE_WITH_SELECTOR : Visibility.Owner.CONFIG, p);
        CommonRules.durations(spec, p);
        spec.get("workloadSelector").ifPresent(s -> CommonRules.selectorLabels(s, "matchLabels", p));
    }

    private static void trafficPolicy(FieldNode tp, Problems.Scoped p) {
        if (POLICY_FIELDS.stream().noneMatch(tp::has)) {
            p.error("invalid-field", tp, "traffic policy must have at least one field");
            return;
        }
        if (tp.has("tunnel") && tp.has("proxyProtocol")) {
            p.error("invalid-field", tp, "tunnel and proxyProtocol must not be set together");
        }
        tp.get("tls").ifPresent(tls -> clientTls(tls, p));
        for (FieldNode port : tp.list("portLevelSettings")) {
            if (!port.has("port")) {
                p.error("missing-field", port, "portTrafficPolicy must have valid port");
            } else {
                port.get("port").flatMap(pt -> pt.get("number")).ifPresentOrElse(n -> CommonRules.port(n, p),
                        () -> p.error("missing-field", port.get("port").orElseThrow(), "port number is required"));
            }
            if (PORT_POLICY_FIELDS.stream().noneMatch(port::has)) {
                p.error("invalid-field", port, "port traffic policy must have at least one field");
            }
            port.get("tls").ifPresent(tls -> clientTls(tls, p));
        }
        tp.get("connectionPool").filter(cp -> !cp.has("http") && !cp.has("tcp")).ifPresent(cp ->
                p.error("invalid-field", cp, "connection pool must have at least one field"));
    }

    /** Client-side TLS: MUTUAL needs a client certificate and key unless they come from credentialName. */
    static void clientTls(FieldNode tls, Problems.Scoped p) {
        String mode = tls.string("mode").orElse("DISABLE");
        boolean credential = !tls.string("credentialName").orElse("").isEmpty();
        boolean insecure = tls.get("insecureSkipVerify").map(v -> v.text().equals("true")).orElse(false);
        if (insecure && mode.equals("SIMPLE") && (tls.has("caCertificates") || credential || tls.has("subjectAltNames"))) {
            p.error("invalid-field", tls.get("insecureSkipVerify").orElseThrow(), "cannot specify CaCertificates or "
                    + "CredentialName or SubjectAltNames when InsecureSkipVerify is set true");
        }
        if (insecure && mode.equals("MUTUAL") && (tls.has("caCertificates") || tls.has("subjectAltNames"))) {
            p.error("invalid-field", tls.get("insecureSkipVerify").orElseThrow(),
                    "cannot specify CaCertificates or SubjectAltNames when InsecureSkipVerify is set true");
        }
        if ((mode.equals("SIMPLE") || mode.equals("MUTUAL")) && credential) {
            if (tls.has("clientCertificate") || tls.has("caCertificates") || tls.has("privateKey") || tls.has("caCrl")) {
                p.error("invalid-field", tls.get("credentialName").orElseThrow(), "cannot specify client certificates "
                        + "or CA certificate or CA CRL if credentialName is set");
            }
            return;
        }
        if (mode.equals("MUTUAL")) {
            if (tls.string("clientCertificate").orElse("").isEmpty()) {
                p.error("missing-field", tls, "client certificate required for mutual tls");
            }
            if (tls.string("privateKey").orElse("").isEmpty()) {
                p.error("missing-field", tls, "private key required for mutual tls");
            }
        }
        tls.get("sni").filter(s -> !s.text().isEmpty()).ifPresent(s ->
                IstioNames.wildcardDomain(s.text()).filter(m -> !IstioNames.isIpAddress(s.text()))
                        .ifPresent(m -> p.error("invalid-field", s, "invalid sni: " + m)));
    }
}
