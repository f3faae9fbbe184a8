package dev.tollgate.config;

import dev.tollgate.core.model.KubernetesNames;
import dev.tollgate.core.model.KubernetesService;
import dev.tollgate.core.model.Visibility;
import dev.tollgate.core.model.net.IpAddress;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The parts of Kubernetes' {@code ValidateService} (pkg/apis/core/validation) that decide what Istio's registry makes
 * of a Service: its name (the host's first label), type, ports and their names, ClusterIP and ExternalName; and the
 * {@value KubernetesService#EXPORT_TO_ANNOTATION} annotation, checked as a ServiceEntry's exportTo. A Service the
 * API server would refuse is an error here, so that no decision rests on one the cluster would not hold.
 */
final class ServiceRules {
    private static final Set<String> TYPES = Set.of("ClusterIP", "NodePort", "LoadBalancer", "ExternalName");
    private static final Set<String> PROTOCOLS = Set.of("TCP", "UDP", "SCTP");

    private ServiceRules() {
    }

    static void validate(FieldNode spec, Problems.Scoped p) {
        String type = spec.string("type").orElse("ClusterIP");
        if (!TYPES.contains(type)) {
            p.error("invalid-field", spec.get("type").orElseThrow(), "unsupported value \"" + type
                    + "\", must be one of [ClusterIP, ExternalName, LoadBalancer, NodePort]");
        }
        String clusterIp = spec.string("clusterIP").orElse("");
        boolean externalName = type.equals("ExternalName");
        if (externalName) {
            externalName(spec, p);
            if (!clusterIp.isEmpty()) {
                p.error("invalid-field", spec.get("clusterIP").orElseThrow(), "clusterIP must not be set for type"
                        + " ExternalName");
            }
        } else {
            spec.get("externalName").ifPresent(n -> p.error("invalid-field", n, "externalName may only be set for"
                    + " type ExternalName"));
            clusterIps(spec, clusterIp, p);
        }
        List<FieldNode> ports = spec.list("ports");
        if (ports.isEmpty() && !externalName && !clusterIp.equals("None")) {
            p.error("missing-field", spec.get("ports").orElse(spec), "ports: Required value (only a headless or an"
                    + " ExternalName Service may have none)");
        }
        Set<String> names = new HashSet<>();
        Set<String> numbers = new HashSet<>();
        for (FieldNode port : ports) {
            port(port, ports.size() > 1, names, numbers, p);
        }
    }

    private static void externalName(FieldNode spec, Problems.Scoped p) {
        Optional<FieldNode> at = spec.get("externalName");
        if (at.isEmpty()) {
            p.error("missing-field", spec, "externalName is required for type ExternalName");
            return;
        }
        String name = at.get().text();
        String bare = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
        if (!KubernetesNames.isSubdomain(bare) || IpAddress.isLiteral(bare)) {
            p.error("invalid-field", at.get(), "externalName \"" + name + "\" must be a DNS-1123 subdomain (lower"
                    + " case, e.g. api.example.com), not an IP address");
        }
    }

    private static void clusterIps(FieldNode spec, String clusterIp, Problems.Scoped p) {
        if (!clusterIp.isEmpty() && !clusterIp.equals("None") && IpAddress.parse(clusterIp).isEmpty()) {
            p.error("invalid-field", spec.get("clusterIP").orElseThrow(), "clusterIP \"" + clusterIp
                    + "\" must be None, empty or an IP address");
        }
        List<FieldNode> all = spec.list("clusterIPs");
        for (int i = 0; i < all.size(); i++) {
            String ip = all.get(i).text();
            if (i == 0 && !clusterIp.isEmpty() && !ip.equals(clusterIp)) {
                p.error("invalid-field", all.get(i), "clusterIPs[0] must be clusterIP (" + clusterIp + ")");
            } else if (!(i == 0 && ip.equals("None")) && IpAddress.parse(ip).isEmpty()) {
                p.error("invalid-field", all.get(i), "clusterIPs entry \"" + ip + "\" must be an IP address");
            }
        }
    }

    private static void port(FieldNode port, boolean several, Set<String> names, Set<String> numbers,
                             Problems.Scoped p) {
        Optional<FieldNode> nameAt = port.get("name");
        String name = nameAt.map(FieldNode::text).orElse("");
        if (name.isEmpty() && several) {
            p.error("missing-field", port, "ports[].name is required when a Service has more than one port");
        } else if (!name.isEmpty() && !NetworkPolicyRules.isPortName(name)) {
            p.error("invalid-field", nameAt.orElseThrow(), "port name \"" + name + "\" must be an IANA_SVC_NAME: at"
                    + " most 15 of a-z, 0-9 and '-', with a letter, no '-' at either end or twice in a row");
        } else if (!name.isEmpty() && !names.add(name)) {
            p.error("duplicate-field", nameAt.orElseThrow(), "duplicate port name \"" + name + "\"");
        }
        Optional<FieldNode> numberAt = port.get("port");
        String protocol = port.string("protocol").orElse("TCP");
        if (numberAt.isEmpty()) {
            p.error("missing-field", port, "ports[].port is required");
        } else if (!isInteger(numberAt.get())) {
            p.error("invalid-field", numberAt.get(), "port must be a number, got \"" + numberAt.get().text() + "\"");
        } else {
            long n = port.number("port");
            IstioNames.port(n).ifPresent(m -> p.error("invalid-field", numberAt.get(), m));
            if (!numbers.add(n + "/" + protocol)) {
                p.error("duplicate-field", numberAt.get(), "duplicate port " + n + "/" + protocol);
            }
        }
        if (!PROTOCOLS.contains(protocol)) {
            p.error("invalid-field", port.get("protocol").orElseThrow(), "unsupported protocol \"" + protocol
                    + "\", must be one of [SCTP, TCP, UDP]");
        }
        port.get("targetPort").ifPresent(t -> {
            if (isInteger(t) ? IstioNames.port(port.number("targetPort")).isPresent()
                    : !NetworkPolicyRules.isPortName(t.text())) {
                p.error("invalid-field", t, "targetPort \"" + t.text() + "\" must be a port number (1-65535) or a"
                        + " port name (IANA_SVC_NAME)");
            }
        });
        port.get("appProtocol").ifPresent(a -> {
            if (!isQualifiedName(a.text())) {
                p.error("invalid-field", a, "appProtocol \"" + a.text() + "\" must be a qualified name such as"
                        + " http, grpc or kubernetes.io/h2c (an optional DNS subdomain prefix and '/', then at most"
                        + " 63 of A-Z, a-z, 0-9, '-', '_' and '.', starting and ending alphanumeric)");
            }
        });
    }

    private static boolean isInteger(FieldNode n) {
        return n.node() instanceof YamlNode.Scalar s && s.type() == YamlNode.Scalar.Type.INTEGER;
    }

    /** Kubernetes' {@code IsQualifiedName}: {@code [prefix/]name}, the prefix a DNS-1123 subdomain. */
    static boolean isQualifiedName(String s) {
        int slash = s.indexOf('/');
        if (slash >= 0 && (s.indexOf('/', slash + 1) >= 0 || !KubernetesNames.isSubdomain(s.substring(0, slash))
                || slash == 0)) {
            return false;
        }
        String name = s.substring(slash + 1);
        if (name.isEmpty() || name.length() > 63 || !alnum(name.charAt(0)) || !alnum(name.charAt(name.length() - 1))) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!alnum(c) && c != '-' && c != '_' && c != '.') {
                return false;
            }
        }
        return true;
    }

    private static boolean alnum(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9';
    }

    /**
     * The exportTo annotation's entries as Istio's {@code ConvertService} reads them: split at commas, spaces
     * trimmed. Empty when the annotation is absent or empty (Istio then applies the mesh default).
     */
    static List<String> exportTo(String annotation) {
        List<String> out = new ArrayList<>();
        if (annotation == null || annotation.isEmpty()) {
            return out;
        }
        for (String e : annotation.split(",", -1)) {
            out.add(e.trim());
        }
        return out;
    }

    /**
     * The annotation checked as a ServiceEntry's exportTo ({@code validateExportTo}): Istio's ConvertService takes
     * any text, but an entry that is no namespace name, or {@code *} beside others, would widen or narrow the
     * Service's reach in ways its author did not write, so Tollgate refuses it with the annotation's line.
     */
    static void exportToAnnotation(FieldNode metadata, String namespace, Problems.Scoped p) {
        Optional<FieldNode> at = metadata.get("annotations").flatMap(a -> a.get(KubernetesService.EXPORT_TO_ANNOTATION));
        if (at.isEmpty()) {
            return;
        }
        List<String> entries = exportTo(at.get().text());
        for (Visibility.Problem problem : Visibility.problems(entries, namespace, Visibility.Owner.SERVICE_ENTRY)) {
            p.error("invalid-field", at.get(), "annotation " + KubernetesService.EXPORT_TO_ANNOTATION + " \""
                    + at.get().text() + "\": " + problem.message());
        }
    }
}
