package dev.tollgate.cli.lab;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.cli.demo.DemoConfig;
import dev.tollgate.cli.demo.DemoWorkload;
import dev.tollgate.cli.demo.Observation;
import dev.tollgate.cli.demo.Outcome;
import dev.tollgate.cli.demo.Scenario;
import dev.tollgate.identity.MeshCa;
import dev.tollgate.identity.PemFiles;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static dev.tollgate.cli.lab.LabNetwork.Role.DNS;
import static dev.tollgate.cli.lab.LabNetwork.Role.EXTERNAL;
import static dev.tollgate.cli.lab.LabNetwork.Role.GATEWAY;
import static dev.tollgate.cli.lab.LabNetwork.Role.POD_DEFAULT;
import static dev.tollgate.cli.lab.LabNetwork.Role.POD_OTHERNS;

/**
 * {@code tollgate demo --lab}: the tutorial's warning and its cure, in network namespaces, with real curl.
 *
 * <ol>
 *   <li>The warning: with no rules, a pod that ignores its sidecar reaches the external hosts directly.</li>
 *   <li>{@code tollgate netpol -o nftables} in each pod: the same direct attempt fails, DNS still works.</li>
 *   <li>{@code tollgate capture-rules --apply} and a sidecar in capture mode in each pod: curl with no proxy
 *       settings at all is allowed or denied as the tutorial's part B says, and as {@code tollgate check} says.</li>
 *   <li>Evasion: other ports, UDP, IPv6 sockets, a process outside capture, the gateway without mTLS.</li>
 * </ol>
 */
public final class Lab {
    static final int RAW_TCP_PORT = 8080;
    static final int UDP_PORT = 9999;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final LabReport report;
    private final LabNetwork net;
    private final LabProcesses procs;
    private final DemoConfig config;
    private final LabProbes probes;
    private final LabMesh mesh;
    private final Path dir;
    private final InProcessCli cli;

    private Lab(LabReport report, LabNetwork net, LabProcesses procs, Path dir, InProcessCli cli) {
        this.cli = cli;
        this.report = report;
        this.net = net;
        this.procs = procs;
        this.dir = dir;
        this.config = new DemoConfig(dir.resolve("config"));
        Path meshCa = dir.resolve("mesh-ca");
        MeshCa.init(meshCa, MeshCa.DEFAULT_TRUST_DOMAIN);
        MeshCa.init(dir.resolve("public-ca"), "public.tollgate.lab");
        Path publicCaFile = dir.resolve("public-ca.pem");
        PemFiles.writeCertificates(publicCaFile, List.of(MeshCa.load(dir.resolve("public-ca")).rootCertificate()));
        readableByAll(publicCaFile, "rw-r--r--");
        this.probes = new LabProbes(net, publicCaFile);
        this.mesh = new LabMesh(net, procs, config, meshCa, publicCaFile);
    }

    /** Why the lab cannot run on this machine, or empty. */
    public static Optional<String> unavailable() {
        return LabNetwork.unavailable();
    }

    /**
     * Runs the whole lab, printing as it goes. @return 0 when every check passed, 1 when one failed, 2 when the lab
     * could not run or broke
     */
    public static int run(PrintWriter out, PrintWriter err, boolean keep, InProcessCli cli) {
        Optional<String> why = unavailable();
        if (why.isPresent()) {
            err.println("tollgate demo --lab: cannot run here: " + why.get());
            err.flush();
            return 2;
        }
        LabReport report = new LabReport(out);
        Path dir = null;
        try {
            dir = Files.createTempDirectory("tollgate-lab");
            // applications run unprivileged and must read the public CA
            readableByAll(dir, "rwxr-xr-x");
            Path logs = Files.createDirectories(dir.resolve("logs"));
            try (LabNetwork net = LabNetwork.create(); LabProcesses procs = new LabProcesses(logs)) {
                // Ctrl-C or SIGTERM mid-run must not leave namespaces, nftables and servers behind
                Thread cleanUp = new Thread(() -> {
                    procs.close();
                    net.close();
                }, "lab-clean-up");
                Runtime.getRuntime().addShutdownHook(cleanUp);
                try {
                    new Lab(report, net, procs, dir, cli).steps();
                } finally {
                    Runtime.getRuntime().removeShutdownHook(cleanUp);
                }
            }
            report.finish();
            return report.passed() ? 0 : 1;
        } catch (LabException | IOException | UncheckedIOException | IllegalStateException e) {
            err.println("tollgate demo --lab: " + e.getMessage());
            err.flush();
            report.finish();
            return 2;
        } finally {
            if (dir != null && !keep) {
                dev.tollgate.cli.demo.WorkFolders.deleteTree(dir);
            } else if (dir != null) {
                out.println("work folder kept: " + dir);
            }
            out.flush();
        }
    }

    private void steps() {
        List<LabPhase> phases = LabPhase.all();
        config.apply(phases.getFirst().step());
        setUp();
        warning();
        networkPolicy(phases.getFirst());
        capture(phases);
        evasion(phases.getLast());
    }

    private void setUp() {
        report.section("Set-up: the lab's namespaces (" + net.prefix() + "-*), all on " + LabNetwork.SUBNET
                + " behind one bridge; IPv6 off, so no other address exists");
        report.note("pods: " + net.ns(POD_DEFAULT) + " (default/sleep, " + POD_DEFAULT.address() + "), "
                + net.ns(POD_OTHERNS) + " (otherns/sleep, " + POD_OTHERNS.address() + ")");
        report.note("egress gateway: " + net.ns(GATEWAY) + " (" + GATEWAY.address() + "); DNS: " + net.ns(DNS) + " ("
                + DNS.address() + ", dnsmasq)");
        report.note("external: " + net.ns(EXTERNAL) + ": " + Scenario.GOOGLE + " " + LabNetwork.GOOGLE_ADDRESS + ", "
                + Scenario.YAHOO + " " + LabNetwork.YAHOO_ADDRESS + " (HTTP 80 and HTTPS 443, certificates from the "
                + "lab's public CA), plus a raw TCP server on :" + RAW_TCP_PORT + " and a UDP echo on :" + UDP_PORT);
        procs.start("dns", net.ns(DNS), List.of("dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null",
                "--no-resolv", "--no-hosts", "--bind-interfaces", "--listen-address=" + DNS.address(), "--user=root",
                "--pid-file=" + dir.resolve("dnsmasq.pid"), "--log-facility=-",
                "--address=/" + Scenario.GOOGLE + "/" + LabNetwork.GOOGLE_ADDRESS,
                "--address=/" + Scenario.YAHOO + "/" + LabNetwork.YAHOO_ADDRESS));
        procs.await("dns", net.ns(POD_DEFAULT), List.of("getent", "hosts", Scenario.YAHOO), 20);
        for (String host : Scenario.HOSTS) {
            String address = host.equals(Scenario.GOOGLE) ? LabNetwork.GOOGLE_ADDRESS : LabNetwork.YAHOO_ADDRESS;
            String name = "stand-in-" + host;
            procs.tollgate(name, net.ns(EXTERNAL), List.of("stand-in", "--host", host, "--ca-dir",
                    dir.resolve("public-ca").toString(), "--http", address + ":80", "--https", address + ":443"));
            procs.await(name, net.ns(EXTERNAL), List.of("curl", "-q", "-sf", "-o", "/dev/null", "--max-time", "2",
                    "--resolve", host + ":80:" + address, "http://" + host + "/"), 60);
        }
        procs.start("raw-tcp", net.ns(EXTERNAL), List.of(Shell.PYTHON, "-m", "http.server", Integer.toString(RAW_TCP_PORT),
                "--bind", LabNetwork.GOOGLE_ADDRESS, "--directory", dir.resolve("logs").toString()));
        procs.start("udp-echo", net.ns(EXTERNAL), List.of(Shell.PYTHON, "-c", String.join("\n",
                "import socket",
                "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)",
                "s.bind(('" + LabNetwork.GOOGLE_ADDRESS + "', " + UDP_PORT + "))",
                "while True:",
                "    d, a = s.recvfrom(2048)",
                "    s.sendto(b'echo ' + d, a)")));
        procs.await("raw-tcp", net.ns(EXTERNAL), List.of("curl", "-q", "-sf", "-o", "/dev/null", "--max-time", "2",
                "http://" + LabNetwork.GOOGLE_ADDRESS + ":" + RAW_TCP_PORT + "/"), 20);
    }

    /** 1: no rules; the pods reach the outside directly, ignoring any sidecar. */
    private void warning() {
        report.section("1. The tutorial's warning: without network rules, a pod that ignores its sidecar goes straight out");
        for (LabNetwork.Role pod : List.of(POD_DEFAULT, POD_OTHERNS)) {
            LabProbes.Curl c = probes.curl(pod, true, Scenario.https(Scenario.YAHOO), 5);
            report.check(new LabCheck(who(pod, true), "curl --noproxy '*' " + c.command().substring(5),
                    "HTTP 200 straight from " + Scenario.YAHOO + " (" + LabNetwork.YAHOO_ADDRESS + "): no proxy involved",
                    c.describe(), c.status() == 200));
        }
        String tcp = probes.socket(POD_DEFAULT, true, false, "tcp", LabNetwork.GOOGLE_ADDRESS, RAW_TCP_PORT,
                "GET / HTTP/1.0\r\n\r\n");
        report.check(new LabCheck(who(POD_DEFAULT, true), LabProbes.socketCommand(false, "tcp",
                LabNetwork.GOOGLE_ADDRESS, RAW_TCP_PORT), "the external raw TCP server answers (HTTP/1.0 200)",
                tcp, tcp.startsWith("reply: HTTP/1.0 200")));
        String udp = probes.socket(POD_DEFAULT, true, false, "udp", LabNetwork.GOOGLE_ADDRESS, UDP_PORT, "ping");
        report.check(new LabCheck(who(POD_DEFAULT, true), LabProbes.socketCommand(false, "udp",
                LabNetwork.GOOGLE_ADDRESS, UDP_PORT), "the external UDP echo answers", udp,
                udp.startsWith("reply: echo ping")));
    }

    /** 2: the generated network policy, as nftables in each pod; the direct path is gone, DNS stays. */
    private void networkPolicy(LabPhase phase) {
        report.section("2. The cure, part one: 'tollgate netpol -o nftables' in each pod (egress only to DNS, the "
                + "gateway's ports and loopback)");
        applyNetworkPolicy(phase, true);
        for (LabNetwork.Role pod : List.of(POD_DEFAULT, POD_OTHERNS)) {
            LabProbes.Curl c = probes.curl(pod, true, Scenario.https(Scenario.YAHOO), 3);
            report.check(new LabCheck(who(pod, true), "curl --noproxy '*' " + c.command().substring(5),
                    "no response: the packets are dropped", c.describe(), c.status() == 0 && !c.result().ok()));
        }
        Shell.Result dns = Shell.run(Shell.inNamespace(net.ns(POD_DEFAULT), Shell.asApplication(
                List.of("getent", "hosts", Scenario.YAHOO))));
        report.check(new LabCheck(who(POD_DEFAULT, true), "getent hosts " + Scenario.YAHOO,
                "DNS still answers: " + LabNetwork.YAHOO_ADDRESS, dns.ok() ? dns.out().strip() : dns.describe(),
                dns.ok() && dns.out().startsWith(LabNetwork.YAHOO_ADDRESS + " ")));
    }

    private void applyNetworkPolicy(LabPhase phase, boolean show) {
        List<String> args = new ArrayList<>(List.of("netpol", "-o", "nftables", "--role", "app", "--dns-address",
                DNS.address(), "--gateway-address", GATEWAY.address()));
        args.addAll(config.sourceArguments());
        InProcessCli.Result rules = cli.run(args.toArray(String[]::new));
        if (rules.exit() != 0) {
            throw new LabException("tollgate netpol failed: " + rules.err());
        }
        if (show) {
            report.note("$ tollgate netpol -o nftables --role app --dns-address " + DNS.address() + " --gateway-address "
                    + GATEWAY.address() + " -f ... | nft -f -   (in each pod; the files of " + phase.step().id() + ")");
        }
        for (LabNetwork.Role pod : List.of(POD_DEFAULT, POD_OTHERNS)) {
            Shell.require(Shell.inNamespace(net.ns(pod), List.of("nft", "-f", "-")), rules.out());
        }
    }

    /** 3: capture on; plain curl with no proxy settings, through the sidecar and the gateway. */
    private void capture(List<LabPhase> phases) {
        report.section("3. The cure, part two: sidecars in capture mode; curl with no proxy settings at all");
        mesh.startGateway();
        for (LabNetwork.Role pod : List.of(POD_DEFAULT, POD_OTHERNS)) {
            mesh.startSidecar(pod);
            List<String> apply = new ArrayList<>(LabProcesses.tollgateCommand());
            apply.addAll(List.of("capture-rules", "--apply", "--capture-port", Integer.toString(LabMesh.CAPTURE_PORT),
                    "--proxy-uid", "0"));
            Shell.require(Shell.inNamespace(net.ns(pod), apply));
        }
        report.note("$ tollgate sidecar ... --capture " + LabMesh.CAPTURE_PORT + "   and   tollgate capture-rules --apply "
                + "--capture-port " + LabMesh.CAPTURE_PORT + " --proxy-uid 0   (in each pod; the sidecar runs as root, "
                + "the applications as uid " + Shell.APP_UID + ")");
        boolean first = true;
        for (LabPhase phase : phases) {
            if (!first) {
                List<Long> before = mesh.reloads();
                config.apply(phase.step());
                applyNetworkPolicy(phase, false);
                mesh.awaitReload(before, 30);
            }
            report.note("");
            report.note("-- " + phase.title() + (first ? "" : " (files rewritten; the proxies reloaded them)"));
            first = false;
            for (LabNetwork.Role pod : List.of(POD_DEFAULT, POD_OTHERNS)) {
                for (String url : phase.urls()) {
                    request(phase, pod, url);
                }
            }
        }
    }

    private void request(LabPhase phase, LabNetwork.Role pod, String url) {
        DemoWorkload w = LabMesh.PODS.get(pod);
        Outcome tutorial = phase.expected(w, url);
        Outcome check = check(w, url);
        String host = url.replaceFirst("^https?://", "").replaceFirst("/.*$", "");
        long sidecarMark = mesh.mark(LabMesh.sidecarName(pod));
        long gatewayMark = mesh.mark("gateway");
        LabProbes.Curl c = probes.curl(pod, true, url, 5);
        Outcome actual = observed(c, url.startsWith("https://"), pod, host, sidecarMark, gatewayMark);
        String source = url.startsWith(phase.scheme() + "://") ? "tutorial " + phase.step().id()
                : "REGISTRY_ONLY: no ServiceEntry port for " + url.substring(0, url.indexOf(':'));
        report.check(new LabCheck(who(pod, true), c.command(),
                tutorial.label() + " (" + source + "), " + check.label() + " (tollgate check)",
                actual.label() + " (" + c.describe() + ")", actual == tutorial && check == tutorial));
    }

    /**
     * What curl saw, in the tutorial's words. A refused TLS connection is closed in either proxy (curl exit 35), so
     * the access logs tell which one refused it.
     */
    private Outcome observed(LabProbes.Curl c, boolean tls, LabNetwork.Role pod, String host, long sidecarMark,
                             long gatewayMark) {
        if (!tls || c.status() != 0) {
            // a response came back: read as the demo reads one (no CONNECT here, the connection was captured)
            return new Observation(c.result().exit(), c.status(), 0, c.result().err()).outcome();
        }
        if (mesh.logged(LabMesh.sidecarName(pod), sidecarMark, "refused", host)) {
            return Outcome.BLOCKED;
        }
        return mesh.logged("gateway", gatewayMark, "denied", host) ? Outcome.FORBIDDEN : Outcome.ERROR;
    }

    /** {@code tollgate check} on the same files, in this process. */
    private Outcome check(DemoWorkload w, String url) {
        List<String> args = new ArrayList<>(List.of("check", "--from", w.name(), "--labels", "app=" + w.serviceAccount(),
                "-o", "json"));
        args.addAll(config.sourceArguments());
        args.add(url);
        InProcessCli.Result r = cli.run(args.toArray(String[]::new));
        try {
            JsonNode node = JSON.readTree(r.out());
            return switch (node.path("outcome").asText()) {
                case "allowed" -> Outcome.OK;
                case "denied" -> Outcome.FORBIDDEN;
                case "blocked" -> Outcome.BLOCKED;
                default -> Outcome.ERROR;
            };
        } catch (IOException e) {
            throw new LabException("tollgate check " + url + " printed no JSON: " + r.err(), e);
        }
    }

    /** 4: what a process that tries to get around the sidecar gets. */
    private void evasion(LabPhase phase) {
        report.section("4. Evasion: every way around the sidecar is captured or dropped (files of " + phase.step().id() + ")");
        String raw = LabNetwork.GOOGLE_ADDRESS;
        LabProbes.Curl other = probes.curl(POD_DEFAULT, true, "http://" + raw + ":" + RAW_TCP_PORT + "/", 5);
        report.check(new LabCheck(who(POD_DEFAULT, true), other.command(),
                "captured and refused by the sidecar: HTTP 502 (REGISTRY_ONLY knows no " + raw + ":" + RAW_TCP_PORT + ")",
                other.describe(), other.status() == 502));
        String tcp = probes.socket(POD_DEFAULT, true, false, "tcp", raw, RAW_TCP_PORT, "hello, not HTTP\n");
        report.check(new LabCheck(who(POD_DEFAULT, true), LabProbes.socketCommand(false, "tcp", raw, RAW_TCP_PORT),
                "captured; raw TCP to an address no ServiceEntry declares is closed, never answered by the server",
                tcp, !tcp.startsWith("reply: HTTP/1.0")));
        String mapped = "::ffff:" + raw;
        String v6 = probes.socket(POD_DEFAULT, true, true, "tcp", mapped, RAW_TCP_PORT,
                "GET / HTTP/1.1\r\nHost: " + raw + ":" + RAW_TCP_PORT + "\r\n\r\n");
        report.check(new LabCheck(who(POD_DEFAULT, true), LabProbes.socketCommand(true, "tcp", mapped, RAW_TCP_PORT),
                "an IPv6 socket to an IPv4-mapped address is IPv4 on the wire: captured, and the sidecar answers 502",
                v6, v6.startsWith("reply: HTTP/1.1 502")));
        String udp = probes.socket(POD_DEFAULT, true, false, "udp", raw, UDP_PORT, "ping");
        report.check(new LabCheck(who(POD_DEFAULT, true), LabProbes.socketCommand(false, "udp", raw, UDP_PORT),
                "UDP other than DNS is not captured but dropped by the network policy: no echo", udp,
                !udp.startsWith("reply:")));
        LabProbes.Curl escaped = probes.curl(POD_DEFAULT, false, Scenario.https(Scenario.YAHOO), 3);
        report.check(new LabCheck(who(POD_DEFAULT, false), escaped.command(),
                "a process outside capture (the proxy's uid) still cannot go direct: dropped", escaped.describe(),
                escaped.status() == 0 && !escaped.result().ok()));
        String rootV6 = probes.socket(POD_DEFAULT, false, true, "tcp", mapped, RAW_TCP_PORT, "GET / HTTP/1.0\r\n\r\n");
        report.check(new LabCheck(who(POD_DEFAULT, false), LabProbes.socketCommand(true, "tcp", mapped, RAW_TCP_PORT),
                "dropped by the network policy", rootV6, !rootV6.startsWith("reply:")));
        String gatewayUrl = "https://" + Scenario.YAHOO + "/";
        LabProbes.Curl noMtls = probes.curlResolved(POD_DEFAULT, false, gatewayUrl, List.of("--insecure", "--resolve",
                Scenario.YAHOO + ":443:" + GATEWAY.address()), 5);
        // curl trusts whatever the gateway shows (--insecure): a failure is then the gateway refusing the client
        report.check(new LabCheck(who(POD_DEFAULT, false), noMtls.command(),
                "the gateway's port is reachable, but without a mesh certificate the gateway ends the handshake "
                        + "(curl exit 35 or 56, not a timeout)",
                noMtls.describe(), noMtls.status() == 0 && (noMtls.result().exit() == 35 || noMtls.result().exit() == 56)));
        DemoWorkload w = LabMesh.PODS.get(POD_DEFAULT);
        Outcome check = check(w, gatewayUrl);
        long sidecarMark = mesh.mark(LabMesh.sidecarName(POD_DEFAULT));
        long gatewayMark = mesh.mark("gateway");
        LabProbes.Curl viaApp = probes.curlResolved(POD_DEFAULT, true, gatewayUrl, List.of("--resolve",
                Scenario.YAHOO + ":443:" + GATEWAY.address()), 5);
        Outcome actual = observed(viaApp, true, POD_DEFAULT, Scenario.YAHOO, sidecarMark, gatewayMark);
        report.check(new LabCheck(who(POD_DEFAULT, true), viaApp.command(),
                "captured and decided by its SNI like any other request: " + check.label() + " (tollgate check)",
                actual.label() + " (" + viaApp.describe() + ")", actual == check && check != Outcome.ERROR));
    }

    private static String who(LabNetwork.Role pod, boolean application) {
        return LabMesh.PODS.get(pod).name() + (application ? " (uid " + Shell.APP_UID + ")" : " (root, not captured)");
    }

    private static void readableByAll(Path p, String permissions) {
        try {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(permissions));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
