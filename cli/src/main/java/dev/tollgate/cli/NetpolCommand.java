package dev.tollgate.cli;

import dev.tollgate.cli.netpol.EgressAllowList;
import dev.tollgate.cli.netpol.NetworkPolicies;
import dev.tollgate.cli.netpol.NftablesRuleset;
import dev.tollgate.core.model.ConfigSet;
import dev.tollgate.core.model.net.IpAddress;
import dev.tollgate.core.model.net.IpPrefix;
import dev.tollgate.core.snapshot.SnapshotCompiler;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.Callable;

@Command(name = "netpol", sortOptions = false, mixinStandardHelpOptions = true,
        headerHeading = "%n", header = "The network policy that makes the egress gateway the only way out.",
        description = {
                "A sidecar only stops applications that go through it; a pod that ignores it reaches the internet",
                "directly unless the network says no. This prints that 'no', derived from the same files as 'check'",
                "(and the same derivation 'analyze' checks your own NetworkPolicies against, TG0110 and TG0111):",
                "",
                "  * every application namespace the files mention (namespaces of workloads, Sidecars,",
                "    ServiceEntries, VirtualServices, DestinationRules and AuthorizationPolicies; not the mesh root",
                "    namespace, istio-system, nor a gateway's namespace) gets a NetworkPolicy",
                "    'tollgate-egress-via-gateway' for all its pods (podSelector {}) allowing egress only to",
                "      - DNS: kube-system pods k8s-app=kube-dns, UDP and TCP 53,",
                "      - each egress gateway's pods, on the ports of the Gateway servers that select them,",
                "      - istiod: istio-system pods app=istiod, TCP 15012 (xDS and certificates);",
                "  * each egress gateway (every workload labelled istio=egressgateway or selected by a Gateway, one per",
                "    namespace and labels; else Istio's istio-system/istio-egressgateway) gets",
                "    'tollgate-egress-gateway-upstream' (with '-<workload>' when its namespace holds several): DNS,",
                "    istiod, and any address (0.0.0.0/0, ::/0) on the TCP ports its own routes go to: the destination",
                "    ports of the VirtualService routes bound to a Gateway that selects it, plus the ports and",
                "    targetPorts of the ServiceEntries of those destinations (a route to a gateway's own service adds",
                "    none);",
                "  * the control plane (istio-system pods app=istiod) gets 'tollgate-control-plane-egress': DNS and the",
                "    Kubernetes API server, on TCP 443 and 6443 (--api-server-port replaces them). The API server is no",
                "    pod, so give its addresses with --api-server-cidr. Without them the policy allows those ports to",
                "    ANY address, says so in a YAML comment and on stderr: istiod cut off from the API server stops",
                "    configuring every proxy, while istiod reaching another host on 443 lets no application out.",
                "    istiod also fetches the JWKS of RequestAuthentications from their issuers: allow those yourself.",
                "",
                "Namespaces are matched by the label kubernetes.io/metadata.name (Kubernetes 1.21+). NetworkPolicies",
                "add up: any other policy selecting the same pods widens what these allow.",
                "",
                "-o nftables prints the same allow-list as one nftables ruleset (table inet tollgate_egress, output",
                "chain, policy drop) for a node, a VM or the lab's network namespaces, where peers are addresses",
                "rather than labels: give them with --dns-address, --gateway-address, --istiod-address and, for",
                "--role control-plane, --api-server-address. A peer without an address is unreachable (fail closed),",
                "except the API server, as above. Gateway addresses carry no labels: an application may reach them",
                "on every gateway's ports, and --role gateway opens every gateway's upstream ports, unless --gateway",
                "NS/NAME picks one. Apply with 'nft -f FILE'; running it again replaces the table.",
                ""},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:printed", "2:usage or configuration error (the file and line are printed)"},
        footerHeading = "%nExamples:%n",
        footer = {
                "  # the tutorial's part B: both namespaces may reach only DNS, istiod and the gateway",
                "  cd examples/tutorial",
                "  tollgate netpol -f default=sleep.yaml -f otherns=sleep.yaml \\",
                "      -f istio-system=external-google-https.yaml | kubectl apply -f -",
                "",
                "  # with the API server's addresses, so that istiod reaches only them",
                "  tollgate netpol -f default=sleep.yaml -f istio-system=external-google-https.yaml \\",
                "      --api-server-cidr 198.18.0.10/32",
                "",
                "  # the same for a VM whose gateway is 198.18.0.2, DNS and istiod on 198.18.0.3",
                "  tollgate netpol -f default=sleep.yaml -f istio-system=external-google-https.yaml -o nftables \\",
                "      --gateway-address 198.18.0.2 --dns-address 198.18.0.3 --istiod-address 198.18.0.3 \\",
                "      | nft -f -"})
final class NetpolCommand implements Callable<Integer> {
    enum Format { yaml, nftables }

    @Mixin
    ConfigOptions config;

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "yaml",
            description = "yaml (Kubernetes NetworkPolicy, the default) or nftables (a node, VM or the lab).")
    Format format = Format.yaml;

    @Option(names = "--role", paramLabel = "ROLE", defaultValue = "app",
            description = {"With -o nftables: app (the default: only DNS, the gateway and istiod), gateway",
                    "(DNS, istiod and the upstream ports on any address) or control-plane (DNS and the API server)."})
    String role = "app";

    @Option(names = "--gateway", paramLabel = "NS/NAME",
            description = "With -o nftables: only this egress gateway workload's ports (when the files declare several).")
    String gatewayName;

    @Option(names = "--dns-address", paramLabel = "IP", description = "With -o nftables: a DNS server. Repeatable.")
    List<String> dns = new ArrayList<>();

    @Option(names = "--gateway-address", paramLabel = "IP",
            description = "With -o nftables: an egress gateway address. Repeatable.")
    List<String> gateway = new ArrayList<>();

    @Option(names = "--istiod-address", paramLabel = "IP",
            description = "With -o nftables: a control plane address. Repeatable.")
    List<String> istiod = new ArrayList<>();

    @Option(names = "--api-server-address", paramLabel = "IP",
            description = "With -o nftables --role control-plane: a Kubernetes API server address. Repeatable.")
    List<String> apiServerAddresses = new ArrayList<>();

    @Option(names = "--api-server-cidr", paramLabel = "CIDR",
            description = "The Kubernetes API server's addresses, for the control plane's policy. Repeatable.")
    List<String> apiServerCidrs = new ArrayList<>();

    @Option(names = "--api-server-port", paramLabel = "PORT",
            description = "The API server's ports (default: 443 and 6443). Repeatable.")
    List<Integer> apiServerPorts = new ArrayList<>();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        NftablesRuleset.Role nftRole = switch (role) {
            case "app" -> NftablesRuleset.Role.APP;
            case "gateway" -> NftablesRuleset.Role.GATEWAY;
            case "control-plane" -> NftablesRuleset.Role.CONTROL_PLANE;
            default -> throw new IllegalArgumentException("--role " + role + ": expected app, gateway or control-plane");
        };
        NftablesRuleset.Peers peers = new NftablesRuleset.Peers(addresses("--dns-address", dns),
                addresses("--gateway-address", gateway), addresses("--istiod-address", istiod),
                addresses("--api-server-address", apiServerAddresses));
        EgressAllowList.ApiServer apiServer = apiServer();
        ConfigSet set = ConfigLoading.load(config, err);
        EgressAllowList allow = EgressAllowList.of(SnapshotCompiler.compile(set).egressTopology(), apiServer);
        if (format == Format.yaml) {
            if (apiServer.anyAddress()) {
                err.println("note: no --api-server-cidr: " + NetworkPolicies.CONTROL_PLANE_POLICY + " lets istiod"
                        + " reach any address on TCP " + apiServer.ports() + "; give the API server's addresses"
                        + " (kubectl get endpoints kubernetes -n default) to narrow it");
            }
            out.print(NetworkPolicies.yaml(allow));
        } else {
            if (nftRole == NftablesRuleset.Role.CONTROL_PLANE && peers.apiServer().isEmpty()) {
                err.println("note: no --api-server-address: the control plane may reach any address on TCP "
                        + apiServer.ports());
            }
            out.print(NftablesRuleset.render(gatewayName == null ? allow : only(allow, gatewayName), nftRole, peers));
        }
        out.flush();
        err.flush();
        return 0;
    }

    private EgressAllowList.ApiServer apiServer() {
        List<IpPrefix> cidrs = new ArrayList<>();
        for (String c : apiServerCidrs) {
            cidrs.add(IpPrefix.parse(c).orElseThrow(() -> new IllegalArgumentException(
                    "--api-server-cidr " + c + ": expected an IPv4 or IPv6 address or CIDR")));
        }
        for (int p : apiServerPorts) {
            if (p < 1 || p > 65535) {
                throw new IllegalArgumentException("--api-server-port " + p + ": expected 1-65535");
            }
        }
        return new EgressAllowList.ApiServer(cidrs, new TreeSet<>(apiServerPorts));
    }

    /** The allow-list with only the gateway named {@code ns/name}; a name the files do not declare is an error. */
    private static EgressAllowList only(EgressAllowList allow, String nsName) {
        List<EgressAllowList.Gateway> picked = allow.gateways().stream()
                .filter(g -> (g.namespace() + "/" + g.name()).equals(nsName)).toList();
        if (picked.isEmpty()) {
            throw new IllegalArgumentException("--gateway " + nsName + ": no such egress gateway; the files have "
                    + allow.gateways().stream().map(g -> g.namespace() + "/" + g.name()).toList());
        }
        return new EgressAllowList(allow.applicationNamespaces(), picked, allow.apiServer());
    }

    private static List<IpAddress> addresses(String flag, List<String> texts) {
        List<IpAddress> result = new ArrayList<>();
        for (String t : texts) {
            result.add(IpAddress.parse(t).orElseThrow(
                    () -> new IllegalArgumentException(flag + " " + t + ": expected an IPv4 or IPv6 address")));
        }
        return result;
    }
}
