package dev.tollgate.cli;

import dev.tollgate.api.config.v1.Node;
import dev.tollgate.core.model.EgressGatewayIdentity;
import dev.tollgate.core.model.WorkloadRef;
import dev.tollgate.proxy.EgressGateway;
import dev.tollgate.proxy.GatewaySettings;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code tollgate gateway}: the egress gateway, listening on the ports of the Gateway servers that select it. */
@Command(name = "gateway", sortOptions = false, mixinStandardHelpOptions = true,
        headerHeading = "%n", header = "Run the egress gateway.",
        description = {
                "It listens on the port of every Gateway server whose selector matches its labels (plus",
                "--port-offset; destination.port stays the server's port), and follows configuration changes.",
                "ISTIO_MUTUAL servers require a client certificate from the mesh CA; the caller's principal and",
                "namespace come from it, connection.sni from the TLS handshake. Then every AuthorizationPolicy that",
                "applies to the gateway workload decides (root namespace, and its own namespace by selector) and the",
                "VirtualService bound to the Gateway routes: HTTP with TLS origination when the DestinationRule says",
                "SIMPLE, or TLS/TCP passthrough. A denied HTTP request gets 403 'RBAC: access denied' and the log",
                "names the policy (rbac_access_denied_matched_policy[...]); a denied tunnel is closed.",
                ""},
        footerHeading = "%nExample:%n",
        footer = {
                "  tollgate gateway -f istio-system=external-google.yaml --ca-dir ./ca --port-offset 10000 \\",
                "      --admin 127.0.0.1:15010"})
final class GatewayCommand implements Callable<Integer> {

    @Option(names = "--namespace", paramLabel = "NS", defaultValue = "${env:POD_NAMESPACE:-" + EgressGatewayIdentity.NAMESPACE + "}",
            description = "The gateway workload's namespace. Default: env POD_NAMESPACE (in a pod, from the downward API's metadata.namespace), else " + EgressGatewayIdentity.NAMESPACE + ".")
    String namespace;

    @Option(names = "--service-account", paramLabel = "SA", defaultValue = "${env:SERVICE_ACCOUNT:-" + EgressGatewayIdentity.SERVICE_ACCOUNT + "}",
            description = "The gateway workload's service account. Default: env SERVICE_ACCOUNT (in a pod, from the downward API's spec.serviceAccountName), else " + EgressGatewayIdentity.SERVICE_ACCOUNT + ".")
    String serviceAccount;

    @Option(names = "--labels", paramLabel = "K=V[,K=V...]", defaultValue = EgressGatewayIdentity.LABELS_TEXT,
            description = "The gateway workload's labels, which Gateway selectors match (default: ${DEFAULT-VALUE}).")
    String labels;

    @Option(names = "--gateway-name", paramLabel = "NAME",
            description = "Serve the Gateway API Gateway NAME (gatewayClassName istio) of --namespace, as the deployment Istio makes for it: service account NAME-istio and label gateway.networking.k8s.io/gateway-name=NAME, instead of --service-account and --labels.")
    String gatewayName;

    @Option(names = "--bind", paramLabel = "ADDR", defaultValue = "0.0.0.0",
            description = "The address the listeners bind (default: ${DEFAULT-VALUE}).")
    String bind;

    @Option(names = "--port-offset", paramLabel = "N", defaultValue = "0",
            description = "Listen on server port + N, e.g. 10000 to run without privileges (default: ${DEFAULT-VALUE}).")
    int portOffset;

    @Mixin
    SidecarCommand.ProxyOptions proxy;

    @Mixin
    LimitOptions limits;

    @Option(names = "--max-connections-per-principal", paramLabel = "N", defaultValue = "16384",
            description = "mTLS connections from one SPIFFE principal (all replicas of a service account together); a new one beyond it is answered 429 after the handshake, or closed on TLS/TCP servers. 0: no limit (default: ${DEFAULT-VALUE}).")
    int maxConnectionsPerPrincipal;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        if (portOffset < 0) {
            throw new IllegalArgumentException("--port-offset must not be negative");
        }
        SidecarCommand.requireFlagOrEnv(spec, namespace, "--namespace NS", "POD_NAMESPACE");
        SidecarCommand.requireFlagOrEnv(spec, serviceAccount, "--service-account SA", "SERVICE_ACCOUNT");
        if (gatewayName != null) {
            if (spec.commandLine().getParseResult().hasMatchedOption("--service-account")
                    || spec.commandLine().getParseResult().hasMatchedOption("--labels")) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "--gateway-name sets the service account and labels; give it without --service-account and --labels");
            }
            // Istio's deployment controller: NAME-CLASS for the Service and service account (GetDefaultName), the
            // gateway-name label on the pods, which the converted Gateways select
            serviceAccount = gatewayName + "-istio";
            labels = "gateway.networking.k8s.io/gateway-name=" + gatewayName;
        }
        WorkloadRef workload = new WorkloadRef(namespace, serviceAccount, proxy.labels(labels,
                spec.commandLine().getParseResult().hasMatchedOption("--labels") || gatewayName != null));
        try (SidecarCommand.ProxyOptions.Running run = proxy.open(err, workload, Node.Kind.GATEWAY)) {
            GatewaySettings settings = GatewaySettings.defaults(run.identity())
                    .withWorkload(workload)
                    .withBind(bind, portOffset)
                    .withHosts(proxy.hostMap())
                    .withCaBundle(Optional.ofNullable(proxy.caBundle))
                    .withAdmin(proxy.adminAddress())
                    .withAccessLog(proxy.accessLog())
                    .withIdleTimeout(CaCommand.parseDuration(proxy.idleTimeout))
                    .withReloads(run.reloadStats())
                    .withConnect(proxy.connectSettings())
                    .withLimits(limits.limits().withMaxConnectionsPerPrincipal(maxConnectionsPerPrincipal))
                    .withUpstreamPool(proxy.upstreamPool());
            EgressGateway gateway = EgressGateway.start(settings, run.config()::current);
            run.config().addListener(s -> gateway.refresh());
            proxy.serveHealth(gateway, err);
            err.println("tollgate gateway " + workload.displayName() + ": listening on " + gateway.listeners()
                    + gateway.adminAddress().map(a -> ", admin on " + a).orElse(""));
            err.flush();
            return run.serveUntilSignal(gateway);
        }
    }
}
