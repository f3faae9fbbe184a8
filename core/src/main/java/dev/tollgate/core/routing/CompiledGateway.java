package dev.tollgate.core.routing;

import dev.tollgate.core.model.net.HostName;
import dev.tollgate.core.model.GatewayServerKind;
import dev.tollgate.core.model.LabelSelector;
import dev.tollgate.core.model.Resource;
import io.fabric8.istio.api.api.networking.v1alpha3.Gateway;
import io.fabric8.istio.api.api.networking.v1alpha3.Server;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** One Gateway: its selector and its servers. */
record CompiledGateway(Resource<Gateway> resource, int order, LabelSelector selector,
                       List<GatewayServer> servers) {

    static CompiledGateway compile(Resource<Gateway> r, int order) {
        Gateway g = r.spec();
        String name = r.namespace() + "/" + r.name();
        List<GatewayServer> servers = new ArrayList<>();
        List<Server> specServers = g.getServers() == null ? List.of() : g.getServers();
        for (int i = 0; i < specServers.size(); i++) {
            Server s = specServers.get(i);
            if (s.getPort() == null || s.getPort().getNumber() == null) {
                continue; // invalid: validation reports it; a server without a port listens nowhere
            }
            List<GatewayServer.ServerHost> hosts = new ArrayList<>();
            for (String h : s.getHosts() == null ? List.<String>of() : s.getHosts()) {
                int slash = h.indexOf('/');
                String ns = slash < 0 ? "*" : h.substring(0, slash);
                if (ns.equals(".")) {
                    ns = r.namespace();
                }
                hosts.add(new GatewayServer.ServerHost(ns, HostName.fold(
                        slash < 0 ? h : h.substring(slash + 1)), h));
            }
            servers.add(new GatewayServer(r.key(), name, i, s.getPort().getNumber().intValue(),
                    GatewayServerKind.of(s),
                    s.getPort().getName() == null ? "" : s.getPort().getName(), hosts,
                    r.originOf("spec.servers[" + i + "]")));
        }
        return new CompiledGateway(r, order, LabelSelector.of(g.getSelector()),
                List.copyOf(servers));
    }

    /** "selector: One or more labels that indicate a specific set of pods/VMs on which this gateway configuration
     * should be applied. By default workloads are searched across all namespaces based on label selectors." Without
     * one, every gateway workload ({@link LabelSelector}). */
    boolean selects(Map<String, String> labels) {
        return selector.matches(labels);
    }
}
