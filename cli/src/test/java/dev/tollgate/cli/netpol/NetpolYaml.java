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

    /** Every policy by {@code namespace/name}; two of one name in one namespace would replace each other. */
    public static Map<String, NetworkPolicy> parse(String yaml) {
        ObjectMapper mapper = new ObjectMapper(new YAMLFactory());
        Map<String, NetworkPolicy> byName = new TreeMap<>();
        try (var parser = mapper.getFactory().createParser(yaml)) {
            var it = mapper.readValues(parser, NetworkPolicy.class);
            while (it.hasNext()) {
                NetworkPolicy p = it.next();
                String key = p.getMetadata().getNamespace() + "/" + p.getMetadata().getName();
                if (byName.put(key, p) != null) {
                    throw new AssertionError("two policies " + key);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return byName;
    }

    /** The policy {@code name} of every namespace that has one. */
    public static Map<String, NetworkPolicy> named(String yaml, String name) {
        Map<String, NetworkPolicy> byNs = new TreeMap<>();
        parse(yaml).forEach((key, p) -> {
            if (p.getMetadata().getName().equals(name)) {
                byNs.put(p.getMetadata().getNamespace(), p);
            }
        });
        return byNs;
    }

    /** Each egress rule as "peer -> PROTO/port,..." so a test can compare the whole allow-list at once. */
    public static List<String> describe(NetworkPolicy p) {
        List<String> rules = new ArrayList<>();
        for (NetworkPolicyEgressRule r : p.getSpec().getEgress()) {
            List<String> peers = r.getTo().isEmpty() ? List.of("*") : r.getTo().stream().map(peer -> peer.getIpBlock() != null
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
