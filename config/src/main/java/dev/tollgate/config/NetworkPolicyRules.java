package dev.tollgate.config;

import dev.tollgate.core.model.net.IpPrefix;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The parts of Kubernetes' {@code ValidateNetworkPolicy} (pkg/apis/networking/validation) that decide what a policy
 * lets out: selectors, ports, peers and ipBlocks. A policy the API server would refuse is an error here too, so that
 * {@code analyze} never judges a policy the cluster would not hold.
 */
final class NetworkPolicyRules {
    private static final Set<String> PROTOCOLS = Set.of("TCP", "UDP", "SCTP");
    private static final Set<String> POLICY_TYPES = Set.of("Ingress", "Egress");

    private NetworkPolicyRules() {
    }

    static void validate(FieldNode spec, Problems.Scoped p) {
        Optional<FieldNode> pods = spec.get("podSelector");
        if (pods.isEmpty()) {
            p.error("missing-field", spec, "podSelector is required ({} selects every pod of the namespace)");
        } else {
            selector(pods.get(), p);
        }
        List<FieldNode> types = spec.list("policyTypes");
        if (types.size() > 2) {
            p.error("invalid-field", spec.get("policyTypes").orElseThrow(), "may not specify more than two policyTypes");
        }
        for (FieldNode t : types) {
            if (!POLICY_TYPES.contains(t.text())) {
                p.error("invalid-field", t, "unsupported value \"" + t.text() + "\", must be one of [Egress, Ingress]");
            }
        }
        for (FieldNode rule : spec.list("egress")) {
            rule.list("ports").forEach(port -> port(port, p));
            rule.list("to").forEach(peer -> peer(peer, p));
        }
        for (FieldNode rule : spec.list("ingress")) {
            rule.list("ports").forEach(port -> port(port, p));
            rule.list("from").forEach(peer -> peer(peer, p));
        }
    }

    private static void port(FieldNode port, Problems.Scoped p) {
        String protocol = port.string("protocol").orElse("TCP");
        if (!PROTOCOLS.contains(protocol)) {
            p.error("invalid-field", port.get("protocol").orElse(port), "unsupported protocol \"" + protocol
                    + "\", must be one of [SCTP, TCP, UDP]");
        }
        Optional<FieldNode> number = port.get("port");
        boolean numeric = number.isPresent() && number.get().node() instanceof YamlNode.Scalar s
                && s.type() == YamlNode.Scalar.Type.INTEGER;
        if (numeric) {
            IstioNames.port(port.number("port")).ifPresent(m -> p.error("invalid-field", number.get(), m));
        } else if (number.isPresent() && !isPortName(number.get().text())) {
            p.error("invalid-field", number.get(), "port \"" + number.get().text()
                    + "\" is neither a number (1-65535) nor a port name (IANA_SVC_NAME)");
        }
        port.get("endPort").ifPresent(end -> {
            if (!numeric) {
                p.error("invalid-field", end, "endPort needs a numeric port");
            } else if (port.number("endPort") < port.number("port") || port.number("endPort") > 65535) {
                p.error("invalid-field", end, "endPort must be at least port (" + port.number("port")
                        + ") and at most 65535");
            }
        });
    }

    /** Kubernetes' IsValidPortName (IANA_SVC_NAME): 1-15 of [a-z0-9-], a letter among them, no edge or double '-'. */
    static boolean isPortName(String s) {
        if (s.isEmpty() || s.length() > 15 || s.startsWith("-") || s.endsWith("-") || s.contains("--")) {
            return false;
        }
        boolean letter = false;
        for (char c : s.toCharArray()) {
            if (c >= 'a' && c <= 'z') {
                letter = true;
            } else if (!(c >= '0' && c <= '9') && c != '-') {
                return false;
            }
        }
        return letter;
    }

    private static void peer(FieldNode peer, Problems.Scoped p) {
        Optional<FieldNode> block = peer.get("ipBlock");
        boolean selectors = peer.has("namespaceSelector") || peer.has("podSelector");
        if (block.isPresent() && selectors) {
            p.error("invalid-field", block.get(), "may not specify both ipBlock and another peer");
        } else if (block.isEmpty() && !selectors) {
            p.error("missing-field", peer, "must specify a peer (podSelector, namespaceSelector or ipBlock)");
        }
        peer.get("namespaceSelector").ifPresent(s -> selector(s, p));
        peer.get("podSelector").ifPresent(s -> selector(s, p));
        block.ifPresent(b -> ipBlock(b, p));
    }

    /** A CIDR, and excepts that lie strictly inside it, as Kubernetes' ValidateIPBlock. */
    private static void ipBlock(FieldNode block, Problems.Scoped p) {
        Optional<FieldNode> cidrAt = block.get("cidr");
        if (cidrAt.isEmpty()) {
            p.error("missing-field", block, "ipBlock needs a cidr");
            return;
        }
        Optional<IpPrefix> cidr = cidr(cidrAt.get(), p);
        for (FieldNode e : block.list("except")) {
            Optional<IpPrefix> hole = cidr(e, p);
            if (cidr.isPresent() && hole.isPresent() && (hole.get().isIpv4() != cidr.get().isIpv4()
                    || hole.get().bits() <= cidr.get().bits() || !cidr.get().contains(hole.get().network()))) {
                p.error("invalid-field", e, "except " + e.text() + " must be strictly within cidr "
                        + cidrAt.get().text());
            }
        }
    }

    private static Optional<IpPrefix> cidr(FieldNode at, Problems.Scoped p) {
        Optional<IpPrefix> parsed = at.text().contains("/") ? IpPrefix.parse(at.text()) : Optional.empty();
        if (parsed.isEmpty()) {
            p.error("invalid-field", at, "\"" + at.text() + "\" is not a CIDR (address/length)");
        }
        return parsed;
    }

    private static void selector(FieldNode selector, Problems.Scoped p) {
        for (FieldNode r : selector.list("matchExpressions")) {
            String op = r.string("operator").orElse("");
            int values = r.list("values").size();
            switch (op) {
                case "In", "NotIn" -> {
                    if (values == 0) {
                        p.error("invalid-field", r, "operator " + op + " needs values");
                    }
                }
                case "Exists", "DoesNotExist" -> {
                    if (values > 0) {
                        p.error("invalid-field", r.get("values").orElse(r), "operator " + op + " takes no values");
                    }
                }
                default -> p.error("invalid-field", r.get("operator").orElse(r), "unsupported operator \"" + op
                        + "\", must be one of [DoesNotExist, Exists, In, NotIn]");
            }
        }
    }
}
