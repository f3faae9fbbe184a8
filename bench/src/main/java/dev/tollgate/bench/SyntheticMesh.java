package dev.tollgate.bench;

import dev.tollgate.core.model.ConfigSet;
import dev.tollgate.core.model.Kind;
import dev.tollgate.core.model.MeshSettings;
import dev.tollgate.core.model.OutboundMode;
import dev.tollgate.core.model.Origin;
import dev.tollgate.core.model.Resource;
import dev.tollgate.core.model.ResourceKey;
import dev.tollgate.core.model.Workload;
import io.fabric8.istio.api.api.networking.v1alpha3.ServiceEntry;
import io.fabric8.istio.api.api.networking.v1alpha3.ServiceEntryLocation;
import io.fabric8.istio.api.api.networking.v1alpha3.ServiceEntryResolution;
import io.fabric8.istio.api.api.networking.v1alpha3.ServicePort;
import io.fabric8.istio.api.api.security.v1beta1.AuthorizationPolicy;
import io.fabric8.istio.api.api.security.v1beta1.AuthorizationPolicyAction;
import io.fabric8.istio.api.api.security.v1beta1.Condition;
import io.fabric8.istio.api.api.security.v1beta1.Rule;
import io.fabric8.istio.api.api.security.v1beta1.RuleFrom;
import io.fabric8.istio.api.api.security.v1beta1.RuleTo;
import io.fabric8.istio.api.api.security.v1beta1.Operation;
import io.fabric8.istio.api.api.security.v1beta1.Source;
import io.fabric8.istio.api.api.type.v1beta1.WorkloadSelector;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A large, regular mesh for benchmarks: N namespaces (the first is the root namespace, istio-system), each with
 * the same number of ServiceEntries and AuthorizationPolicies. Policies in application namespaces select their
 * own workloads; those in istio-system apply to the egress gateway, so the gateway's decisions evaluate them.
 */
public final class SyntheticMesh {
    public final ConfigSet config;
    public final List<String> hosts = new ArrayList<>();
    public final List<String> namespaces = new ArrayList<>();

    public SyntheticMesh(int namespaceCount, int serviceEntries, int policies) {
        List<Resource<ServiceEntry>> ses = new ArrayList<>(serviceEntries);
        List<Resource<AuthorizationPolicy>> aps = new ArrayList<>(policies);
        List<Workload> workloads = new ArrayList<>();
        for (int n = 0; n < namespaceCount; n++) {
            namespaces.add(n == 0 ? "istio-system" : "ns-" + n);
        }
        for (int i = 0; i < serviceEntries; i++) {
            String ns = namespaces.get(i % namespaceCount);
            String host = "svc-" + i + "." + ns + ".example.com";
            hosts.add(host);
            ServiceEntry se = new ServiceEntry();
            se.setHosts(List.of(host));
            se.setLocation(ServiceEntryLocation.MESH_EXTERNAL);
            se.setResolution(ServiceEntryResolution.DNS);
            se.setExportTo(i % 3 == 0 ? List.of(".") : List.of("*"));
            se.setPorts(List.of(new ServicePort("https", 443L, "TLS", null), new ServicePort("http", 80L, "HTTP", null)));
            ses.add(resource(Kind.SERVICE_ENTRY, ns, "se-" + i, se));
        }
        for (int i = 0; i < policies; i++) {
            String ns = namespaces.get(i % namespaceCount);
            AuthorizationPolicy ap = new AuthorizationPolicy();
            ap.setAction(i % 2 == 0 ? AuthorizationPolicyAction.DENY : AuthorizationPolicyAction.ALLOW);
            if (!ns.equals("istio-system")) {
                ap.setSelector(new WorkloadSelector(Map.of("app", "app-" + (i % 7))));
            }
            Source source = new Source();
            source.setNamespaces(List.of(namespaces.get((i * 7 + 1) % namespaceCount)));
            source.setPrincipals(List.of("cluster.local/ns/" + namespaces.get((i * 13 + 3) % namespaceCount) + "/sa/sa-" + i));
            Operation op = new Operation();
            op.setPorts(List.of("443", "80"));
            Rule rule = new Rule(List.of(new RuleFrom(source)), List.of(new RuleTo(op)),
                    List.of(new Condition("connection.sni", null, List.of(hosts.get(i % hosts.size())))));
            ap.setRules(List.of(rule));
            aps.add(resource(Kind.AUTHORIZATION_POLICY, ns, "ap-" + i, ap));
        }
        for (String ns : namespaces) {
            workloads.add(new Workload(ns, "app-1", "sleep", Map.of("app", "app-1"), Origin.UNKNOWN));
        }
        workloads.add(new Workload("istio-system", "istio-egressgateway", "istio-egressgateway-service-account",
                Map.of("istio", "egressgateway", "app", "istio-egressgateway"), Origin.UNKNOWN));
        config = new ConfigSet(ses, List.of(), List.of(), List.of(), List.of(), aps, workloads,
                MeshSettings.DEFAULTS.withOutboundMode(OutboundMode.REGISTRY_ONLY));
    }

    private static <S> Resource<S> resource(Kind kind, String ns, String name, S spec) {
        return new Resource<>(new ResourceKey(kind, ns, name), spec, Map.of(), Map.of(), Origin.UNKNOWN, Map.of());
    }
}
