package dev.tollgate.cli.lab;

import dev.tollgate.cli.demo.DemoConfig;
import dev.tollgate.cli.demo.DemoWorkload;
import dev.tollgate.core.model.EgressGatewayIdentity;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The lab's proxies, each a {@code tollgate} JVM in its own namespace: the egress gateway, and a sidecar in capture
 * mode in each pod. They read the same files (the {@link DemoConfig} layout) and reload them when a phase rewrites
 * them, as they would in production.
 */
final class LabMesh {
    static final int CAPTURE_PORT = 15001;
    static final int EXPLICIT_PORT = 15080;
    static final int ADMIN_PORT = 15000;
    static final Map<LabNetwork.Role, DemoWorkload> PODS = Map.of(
            LabNetwork.Role.POD_DEFAULT, DemoWorkload.DEFAULT_SLEEP,
            LabNetwork.Role.POD_OTHERNS, DemoWorkload.OTHERNS_SLEEP);
    private static final Pattern RELOADS = Pattern.compile("(?m)^tollgate_config_reloads_total(?:\\{[^}]*})? (\\d+)");

    private final LabNetwork net;
    private final LabProcesses procs;
    private final DemoConfig config;
    private final Path meshCaDir;
    private final Path publicCaFile;

    LabMesh(LabNetwork net, LabProcesses procs, DemoConfig config, Path meshCaDir, Path publicCaFile) {
        this.net = net;
        this.procs = procs;
        this.config = config;
        this.meshCaDir = meshCaDir;
        this.publicCaFile = publicCaFile;
    }

    static String sidecarName(LabNetwork.Role pod) {
        return "sidecar-" + PODS.get(pod).namespace();
    }

    void startGateway() {
        List<String> args = new ArrayList<>(List.of("gateway"));
        args.addAll(config.sourceArguments());
        args.addAll(List.of("--ca-dir", meshCaDir.toString(), "--ca-bundle", publicCaFile.toString(),
                "--allow-destination-cidr", LabNetwork.EXTERNAL_BLOCK, "--admin", "127.0.0.1:" + ADMIN_PORT,
                "--watch-interval", "250ms"));
        procs.tollgate("gateway", net.ns(LabNetwork.Role.GATEWAY), args);
        procs.awaitHttp("gateway", net.ns(LabNetwork.Role.GATEWAY), adminUrl("/ready"), 60);
    }

    void startSidecar(LabNetwork.Role pod) {
        DemoWorkload w = PODS.get(pod);
        List<String> args = new ArrayList<>(List.of("sidecar", "--namespace", w.namespace(), "--service-account",
                w.serviceAccount(), "--labels", "app=" + w.serviceAccount()));
        args.addAll(config.sourceArguments());
        args.addAll(List.of("--ca-dir", meshCaDir.toString(), "--ca-bundle", publicCaFile.toString(),
                "--listen", "127.0.0.1:" + EXPLICIT_PORT, "--capture", Integer.toString(CAPTURE_PORT),
                "--admin", "127.0.0.1:" + ADMIN_PORT, "--watch-interval", "250ms"));
        // the gateway's service name is the operator's to map, as kube-proxy does in a cluster
        for (int port : List.of(80, 443)) {
            args.addAll(List.of("--resolve", EgressGatewayIdentity.SERVICE_HOST + ":" + port + ":"
                    + LabNetwork.Role.GATEWAY.address()));
        }
        procs.tollgate(sidecarName(pod), net.ns(pod), args);
        procs.awaitHttp(sidecarName(pod), net.ns(pod), adminUrl("/ready"), 60);
    }

    /** Every proxy's reload count, in the order gateway, sidecars. */
    List<Long> reloads() {
        List<Long> out = new ArrayList<>();
        out.add(reloads(LabNetwork.Role.GATEWAY));
        for (LabNetwork.Role pod : PODS.keySet().stream().sorted().toList()) {
            out.add(reloads(pod));
        }
        return out;
    }

    private long reloads(LabNetwork.Role role) {
        Shell.Result r = Shell.run(Shell.inNamespace(net.ns(role), List.of("curl", "-q", "-sf", "--max-time", "3",
                adminUrl("/metrics"))), null, 10);
        Matcher m = RELOADS.matcher(r.out());
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    /** Waits until every proxy has reloaded since {@code before} and is ready again. */
    void awaitReload(List<Long> before, long timeoutSeconds) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        while (System.nanoTime() < deadline) {
            List<Long> now = reloads();
            boolean all = true;
            for (int i = 0; i < now.size(); i++) {
                all &= now.get(i) > before.get(i);
            }
            if (all && ready(LabNetwork.Role.GATEWAY)) {
                return;
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new LabException("interrupted");
            }
        }
        throw new LabException("the proxies did not reload the new configuration within " + timeoutSeconds
                + " s (reloads before " + before + ", now " + reloads() + ")");
    }

    private boolean ready(LabNetwork.Role role) {
        return Shell.run(Shell.inNamespace(net.ns(role), List.of("curl", "-q", "-sf", "-o", "/dev/null", "--max-time",
                "3", adminUrl("/ready"))), null, 10).ok();
    }

    private static String adminUrl(String path) {
        return "http://127.0.0.1:" + ADMIN_PORT + path;
    }

    /** The size of a proxy's log now, so that a later look reads only what came after. */
    long mark(String proxy) {
        try {
            return Files.exists(procs.log(proxy)) ? Files.size(procs.log(proxy)) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    /**
     * Whether the proxy logged a decision ({@code refused}, {@code denied}) for {@code host} after {@code mark}: the
     * access log is JSON lines on the proxy's standard output. Waits a little, since a tunnel is logged when it closes.
     */
    boolean logged(String proxy, long mark, String decision, String host) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        String want = "\"decision\":\"" + decision + "\"";
        while (true) {
            String text = procs.logText(proxy);
            String recent = text.length() > mark ? text.substring((int) Math.min(mark, text.length())) : "";
            for (String line : recent.split("\n")) {
                if (line.contains(want) && (line.contains("\"sni\":\"" + host + "\"")
                        || line.contains("\"destination_host\":\"" + host + "\""))) {
                    return true;
                }
            }
            if (System.nanoTime() > deadline) {
                return false;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }
}
