package dev.tollgate.cli;

import dev.tollgate.cli.netpol.AllowListDeriver;
import dev.tollgate.cli.netpol.EgressAllowList;
import dev.tollgate.cli.netpol.NetworkPolicies;
import dev.tollgate.cli.netpol.NftablesRuleset;
import dev.tollgate.core.model.ConfigSet;
import dev.tollgate.core.model.net.IpAddress;
import dev.tollgate.core.snapshot.SnapshotCompiler;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "netpol", sortOptions = false, mixinStandardHelpOptions = true,
        headerHeading = "%n", header = "The network policy that makes the egress gateway the only way out.",
        description = {
                "A sidecar only stops applications that go through it; a pod that ignores it reaches the internet",
                "directly unless the network says no. This prints that 'no', derived from the same files as 'check':",
                "",
                "  * every application namespace the files mention (namespaces of workloads, Sidecars, ServiceEntries,",
                "    VirtualServices, DestinationRules and AuthorizationPolicies; not the mesh root namespace,",
                "    istio-system, nor the gateway's namespace) gets a NetworkPolicy 'tollgate-egress-via-gateway'",
                "    for all its pods (podSelector {}) allowing egress only to",
                "      - DNS: kube-system pods k8s-app=kube-dns, UDP and TCP 53,",
                "      - the egress gateway pods, on the ports of the Gateway servers that select them,",
                "      - istiod: istio-system pods app=istiod, TCP 15012 (xDS and certificates);",
                "  * the egress gateway pods (the gateway workload the files declare, labelled istio=egressgateway,",
                "    else Istio's istio-system/istio-egressgateway) get 'tollgate-egress-gateway-upstream': DNS, istiod,",
                "    and any address (0.0.0.0/0, ::/0) on TCP ports that are either a ServiceEntry's port or",
                "    targetPort, or the destination port of a route of a VirtualService bound to a Gateway (other",
                "    than a route to the gateway itself). A destination without a port adds none.",
                "",
                "Namespaces are matched by the label kubernetes.io/metadata.name (Kubernetes 1.21+). NetworkPolicies",
                "add up: any other policy selecting the same pods widens what these allow. The control plane's own",
                "egress (to the API server) is left to the Istio installation.",
                "",
                "-o nftables prints the same allow-list as one nftables ruleset (table inet tollgate_egress, output",
                "chain, policy drop) for a node, a VM or the lab's network namespaces, where peers are addresses",
                "rather than labels: give them with --dns-address, --gateway-address and --istiod-address. A peer",
                "without an address is unreachable (fail closed). Apply with 'nft -f FILE'; running it again",
                "replaces the table.",
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
            description = {"With -o nftables: app (the default: only DNS, the gateway and istiod) or gateway",
                    "(DNS, istiod and the upstream ports on any address)."})
    String role = "app";

    @Option(names = "--dns-address", paramLabel = "IP", description = "With -o nftables: a DNS server. Repeatable.")
    List<String> dns = new ArrayList<>();

    @Option(names = "--gateway-address", paramLabel = "IP",
            description = "With -o nftables: an egress gateway address. Repeatable.")
    List<String> gateway = new ArrayList<>();

    @Option(names = "--istiod-address", paramLabel = "IP",
            description = "With -o nftables: a control plane address. Repeatable.")
    List<String> istiod = new ArrayList<>();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        NftablesRuleset.Role nftRole = switch (role) {
            case "app" -> NftablesRuleset.Role.APP;
            case "gateway" -> NftablesRuleset.Role.GATEWAY;
            default -> throw new IllegalArgumentException("--role " + role + ": expected app or gateway");
        };
        NftablesRuleset.Peers peers = new NftablesRuleset.Peers(addresses("--dns-address", dns),
                addresses("--gateway-address", gateway), addresses("--istiod-address", istiod));
        ConfigSet set = ConfigLoading.load(config, spec.commandLine().getErr());
        EgressAllowList allow = AllowListDeriver.derive(SnapshotCompiler.compile(set));
        out.print(format == Format.yaml ? NetworkPolicies.yaml(NetworkPolicies.build(allow))
                : NftablesRuleset.render(allow, nftRole, peers));
        out.flush();
        return 0;
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
