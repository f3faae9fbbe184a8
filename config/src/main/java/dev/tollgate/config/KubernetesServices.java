package dev.tollgate.config;

import dev.tollgate.core.model.Kind;
import dev.tollgate.core.model.KubernetesService;
import dev.tollgate.core.model.Origin;
import dev.tollgate.core.model.PortProtocol;
import dev.tollgate.core.model.Resource;
import dev.tollgate.core.model.ResourceKey;
import io.fabric8.istio.api.api.networking.v1alpha3.ServiceEntry;
import io.fabric8.istio.api.api.networking.v1alpha3.ServiceEntryLocation;
import io.fabric8.istio.api.api.networking.v1alpha3.ServiceEntryResolution;
import io.fabric8.istio.api.api.networking.v1alpha3.ServicePort;
import io.fabric8.kubernetes.api.model.ServiceSpec;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Validated {@code v1 Service} manifests into the registry's form, as Istio's {@code ConvertService}
 * (pilot/pkg/serviceregistry/kube/conversion.go) makes a {@code model.Service} of one: see
 * {@link KubernetesService} for what each field becomes.
 */
final class KubernetesServices {
    private KubernetesServices() {
    }

    static List<KubernetesService> convert(List<Resource<ServiceSpec>> services) {
        List<KubernetesService> out = new ArrayList<>(services.size());
        for (Resource<ServiceSpec> r : services) {
            out.add(convert(r));
        }
        return out;
    }

    static KubernetesService convert(Resource<ServiceSpec> r) {
        ServiceSpec spec = r.spec();
        ServiceEntry se = new ServiceEntry();
        se.setHosts(List.of(KubernetesService.host(r.name(), r.namespace())));
        List<ServicePort> ports = new ArrayList<>();
        for (io.fabric8.kubernetes.api.model.ServicePort p : spec.getPorts() == null
                ? List.<io.fabric8.kubernetes.api.model.ServicePort>of() : spec.getPorts()) {
            ServicePort sp = new ServicePort();
            sp.setNumber(p.getPort().longValue());
            sp.setName(p.getName() == null || p.getName().isEmpty() ? null : p.getName());
            // no targetPort: the proxy dials the Service's own port, which kube-proxy maps to the pod's
            sp.setProtocol(PortProtocol.ofKubernetesPort(p.getPort(), p.getName(), p.getProtocol(),
                    p.getAppProtocol()).istioName());
            ports.add(sp);
        }
        se.setPorts(ports);
        se.setExportTo(ServiceRules.exportTo(r.annotations().get(KubernetesService.EXPORT_TO_ANNOTATION)));
        se.setLocation(ServiceEntryLocation.MESH_INTERNAL);
        String clusterIp = spec.getClusterIP() == null ? "" : spec.getClusterIP();
        boolean externalName = "ExternalName".equals(spec.getType()) && spec.getExternalName() != null
                && !spec.getExternalName().isEmpty();
        // ConvertService: ClusterIPs (all of them when dual-stack) are the addresses; headless is Passthrough, which
        // for a ServiceEntry is resolution NONE (the caller's own destination); otherwise ClientSideLB, as STATIC
        if (clusterIp.equals("None")) {
            se.setResolution(ServiceEntryResolution.NONE);
        } else {
            se.setResolution(ServiceEntryResolution.STATIC);
            List<String> ips = spec.getClusterIPs() != null && spec.getClusterIPs().size() > 1 ? spec.getClusterIPs()
                    : clusterIp.isEmpty() ? List.of() : List.of(clusterIp);
            se.setAddresses(List.copyOf(ips));
        }
        if (externalName) {
            se.setLocation(ServiceEntryLocation.MESH_EXTERNAL);
        }
        Map<String, Origin> fields = new HashMap<>(r.fields());
        fields.put("spec.hosts[0]", r.originOf("metadata.name"));
        r.fields().forEach((path, origin) -> {
            if (path.endsWith(KubernetesService.EXPORT_TO_ANNOTATION)) {
                fields.put("spec.exportTo", origin);
            }
        });
        Resource<ServiceEntry> entry = new Resource<>(new ResourceKey(Kind.SERVICE, r.namespace(), r.name()), se,
                r.labels(), r.annotations(), r.origin(), fields);
        return new KubernetesService(entry, externalName ? Optional.of(spec.getExternalName()) : Optional.empty());
    }
}
