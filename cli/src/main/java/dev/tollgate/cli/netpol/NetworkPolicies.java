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

/** The allow-list as Kubernetes NetworkPolicies: one per application namespace, one for the gateway pods. */
public final class NetworkPolicies {
    public static final String APPLICATION_POLICY = "tollgate-egress-via-gateway";
    public static final String GATEWAY_POLICY = "tollgate-egress-gateway-upstream";
    /** Set by {@code kubernetes.io/metadata.name} on every namespace since Kubernetes 1.21. */
    static final String NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

    private NetworkPolicies() {
    }

    public static List<NetworkPolicy> build(EgressAllowList allow) {
        List<NetworkPolicy> policies = new ArrayList<>();
        for (String ns : allow.applicationNamespaces()) {
            List<NetworkPolicyEgressRule> egress = new ArrayList<>(List.of(dns()));
            // a rule without ports allows every port: with no listener, the gateway is simply not reachable
            if (!allow.gatewayPorts().isEmpty()) {
                egress.add(rule(pods(allow.gatewayNamespace(), allow.gatewayLabels()), tcp(allow.gatewayPorts())));
            }
            egress.add(controlPlane());
            policies.add(policy(APPLICATION_POLICY, ns, Map.of(), egress));
        }
        List<NetworkPolicyEgressRule> gateway = new ArrayList<>(List.of(dns(), controlPlane()));
        if (!allow.upstreamPorts().isEmpty()) {
            gateway.add(new NetworkPolicyEgressRuleBuilder()
                    .addNewTo().withNewIpBlock().withCidr("0.0.0.0/0").endIpBlock().endTo()
                    .addNewTo().withNewIpBlock().withCidr("::/0").endIpBlock().endTo()
                    .withPorts(tcp(allow.upstreamPorts())).build());
        }
        policies.add(policy(GATEWAY_POLICY, allow.gatewayNamespace(), allow.gatewayLabels(), gateway));
        return policies;
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
