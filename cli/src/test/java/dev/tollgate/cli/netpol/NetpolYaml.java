package dev.tollgate.cli.netpol;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Reads generated YAML back into fabric8 NetworkPolicies, as kubectl would, so tests assert on what a cluster gets. */
public final class NetpolYaml {
    private NetpolYaml() {
    }

    public static Map<String, NetworkPolicy> parseByNamespace(String yaml) {
        ObjectMapper mapper = new ObjectMapper(new YAMLFactory());
        Map<String, NetworkPolicy> byNs = new TreeMap<>();
        try (var parser = mapper.getFactory().createParser(yaml)) {
            var it = mapper.readValues(parser, NetworkPolicy.class);
            while (it.hasNext()) {
                NetworkPolicy p = it.next();
                if (byNs.put(p.getMetadata().getNamespace(), p) != null) {
                    throw new AssertionError("two policies in " + p.getMetadata().getNamespace());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return byNs;
    }

    /** Each egress rule as "peer -> PROTO/port,..." so a test can compare the whole allow-list at once. */
    public static List<String> describe(NetworkPolicy p) {
        List<String> rules = new ArrayList<>();
        for (NetworkPolicyEgressRule r : p.getSpec().getEgress()) {
            List<String> peers = r.getTo().stream().map(peer -> peer.getIpBlock() != null
                    ? peer.getIpBlock().getCidr() + (peer.getIpBlock().getExcept() == null
                    || peer.getIpBlock().getExcept().isEmpty() ? "" : " except " + peer.getIpBlock().getExcept())
                    : peer.getNamespaceSelector().getMatchLabels().get("kubernetes.io/metadata.name") + "/"
                    + new TreeMap<>(peer.getPodSelector().getMatchLabels())).toList();
            List<String> ports = r.getPorts().stream().map(NetpolYaml::port).toList();
            rules.add(String.join(" ", peers) + " -> " + String.join(",", ports));
        }
        return rules;
    }

    private static String port(NetworkPolicyPort p) {
        return p.getProtocol() + "/" + p.getPort().getIntVal() + (p.getEndPort() == null ? "" : "-" + p.getEndPort());
    }
}
