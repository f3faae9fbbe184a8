package dev.tollgate.cli.netpol;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRuleBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeerBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPortBuilder;

import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The allow-list as Kubernetes NetworkPolicies: one per application namespace, one per egress gateway, one for the
 * control plane.
 */
public final class NetworkPolicies {
    public static final String APPLICATION_POLICY = "tollgate-egress-via-gateway";
    public static final String GATEWAY_POLICY = "tollgate-egress-gateway-upstream";
    public static final String CONTROL_PLANE_POLICY = "tollgate-control-plane-egress";
    static final String ANY_API_SERVER_COMMENT = """
            # istiod may reach ANY address on the API server's ports: the files cannot say where the API server is.
            # Narrow it with --api-server-cidr (kubectl get endpoints kubernetes -n default lists its addresses).
            """;
    /** Set by {@code kubernetes.io/metadata.name} on every namespace since Kubernetes 1.21. */
    static final String NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

    private NetworkPolicies() {
    }

    public static List<NetworkPolicy> build(EgressAllowList allow) {
        List<NetworkPolicy> policies = new ArrayList<>();
        for (String ns : allow.applicationNamespaces()) {
            List<NetworkPolicyEgressRule> egress = new ArrayList<>(List.of(dns()));
            for (EgressAllowList.Gateway g : allow.gateways()) {
                // a rule without ports allows every port: a gateway without a listener is simply not reachable
                if (!g.listenerPorts().isEmpty()) {
                    egress.add(rule(pods(g.namespace(), g.labels()), tcp(g.listenerPorts())));
                }
            }
            egress.add(controlPlane());
            policies.add(policy(APPLICATION_POLICY, ns, Map.of(), egress));
        }
        for (EgressAllowList.Gateway g : allow.gateways()) {
            List<NetworkPolicyEgressRule> gateway = new ArrayList<>(List.of(dns(), controlPlane()));
            if (!g.upstreamPorts().isEmpty()) {
                gateway.add(new NetworkPolicyEgressRuleBuilder()
                        .addNewTo().withNewIpBlock().withCidr("0.0.0.0/0").endIpBlock().endTo()
                        .addNewTo().withNewIpBlock().withCidr("::/0").endIpBlock().endTo()
                        .withPorts(tcp(g.upstreamPorts())).build());
            }
            policies.add(policy(g.policyName(), g.namespace(), g.labels(), gateway));
        }
        policies.add(policy(CONTROL_PLANE_POLICY, EgressAllowList.CONTROL_PLANE_NAMESPACE,
                EgressAllowList.CONTROL_PLANE_LABELS, List.of(dns(), apiServer(allow.apiServer()))));
        return policies;
    }

    /**
     * The API server is no pod: only addresses name it. Without them, any address on its ports: istiod cut off
     * from the API server stops configuring every proxy, while istiod reaching some other host on 443 lets no
     * application out.
     */
    private static NetworkPolicyEgressRule apiServer(EgressAllowList.ApiServer api) {
        NetworkPolicyEgressRuleBuilder rule = new NetworkPolicyEgressRuleBuilder();
        for (var cidr : api.cidrs()) {
            rule.addNewTo().withNewIpBlock().withCidr(cidr.network() + "/" + cidr.bits()).endIpBlock().endTo();
        }
        return rule.withPorts(tcp(api.ports())).build();
    }

    /** The policies as YAML, with a comment where a policy is wider than it could be. */
    public static String yaml(EgressAllowList allow) {
        StringBuilder out = new StringBuilder();
        for (NetworkPolicy p : build(allow)) {
            String doc = yaml(List.of(p));
            if (p.getMetadata().getName().equals(CONTROL_PLANE_POLICY) && allow.apiServer().anyAddress()) {
                doc = "---\n" + ANY_API_SERVER_COMMENT + doc.substring("---\n".length());
            }
            out.append(doc);
        }
        return out.toString();
    }

    /** Multi-document YAML, one NetworkPolicy per document. */
    public static String yaml(List<NetworkPolicy> policies) {
        ObjectMapper mapper = new ObjectMapper(new YAMLFactory()
                .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
                .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES))
                .setSerializationInclusion(JsonInclude.Include.NON_EMPTY)
                .disable(SerializationFeature.WRITE_EMPTY_JSON_ARRAYS);
        StringBuilder out = new StringBuilder();
        try {
            for (NetworkPolicy p : policies) {
                out.append("---\n").append(mapper.writeValueAsString(p));
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    private static NetworkPolicy policy(String name, String namespace, Map<String, String> podLabels,
                                        List<NetworkPolicyEgressRule> egress) {
        return new NetworkPolicyBuilder()
                .withNewMetadata().withName(name).withNamespace(namespace)
                .addToLabels("app.kubernetes.io/managed-by", "tollgate").endMetadata()
                .withNewSpec()
                // an empty matchLabels selects every pod; it must be written, or the policy is invalid
                .withPodSelector(new LabelSelectorBuilder().withMatchLabels(new TreeMap<>(podLabels)).build())
                .withPolicyTypes("Egress")
                .withEgress(egress)
                .endSpec().build();
    }

    private static NetworkPolicyEgressRule dns() {
        List<NetworkPolicyPort> ports = List.of(port("UDP", EgressAllowList.DNS_PORT),
                port("TCP", EgressAllowList.DNS_PORT));
        return rule(pods(EgressAllowList.DNS_NAMESPACE, EgressAllowList.DNS_LABELS), ports);
    }

    private static NetworkPolicyEgressRule controlPlane() {
        return rule(pods(EgressAllowList.CONTROL_PLANE_NAMESPACE, EgressAllowList.CONTROL_PLANE_LABELS),
                List.of(port("TCP", EgressAllowList.CONTROL_PLANE_PORT)));
    }

    private static NetworkPolicyEgressRule rule(NetworkPolicyPeer to, List<NetworkPolicyPort> ports) {
        return new NetworkPolicyEgressRuleBuilder().withTo(to).withPorts(ports).build();
    }

    /** Pods with these labels in that namespace: both selectors in one peer, so both must match. */
    private static NetworkPolicyPeer pods(String namespace, Map<String, String> labels) {
        return new NetworkPolicyPeerBuilder()
                .withNewNamespaceSelector().addToMatchLabels(NAMESPACE_NAME_LABEL, namespace).endNamespaceSelector()
                .withNewPodSelector().withMatchLabels(new TreeMap<>(labels)).endPodSelector()
                .build();
    }

    private static List<NetworkPolicyPort> tcp(Collection<Integer> ports) {
        return ports.stream().map(p -> port("TCP", p)).toList();
    }

    private static NetworkPolicyPort port(String protocol, int port) {
        return new NetworkPolicyPortBuilder().withProtocol(protocol).withPort(new IntOrString(port)).build();
    }
}
