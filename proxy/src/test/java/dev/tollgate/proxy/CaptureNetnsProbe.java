package dev.tollgate.proxy;

import com.sun.net.httpserver.HttpServer;

import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/**
 * Run by {@link CaptureNetnsTest} inside a fresh network namespace whose nftables redirect 198.18.0.0/24 ports 80
 * and 443 to :15001: a plain HTTP stand-in on loopback, a sidecar capturing on 15001 with the kernel's original
 * destination and the tutorial's fake routes (plain.example direct, blocked.example refused), and real curl with no
 * proxy settings. Prints one {@code curl <case> exit=<n> <output>} line per case.
 */
public final class CaptureNetnsProbe {
    private CaptureNetnsProbe() {
    }

    public static void main(String[] args) throws Exception {
        HttpServer plain = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        plain.createContext("/", x -> {
            byte[] body = ("hello " + x.getRequestHeaders().getFirst("Host") + " " + x.getRequestURI() + "\n")
                    .getBytes(StandardCharsets.UTF_8);
            x.sendResponseHeaders(200, body.length);
            try (OutputStream o = x.getResponseBody()) {
                o.write(body);
            }
        });
        plain.start();
        TestPki mesh = TestPki.create("mesh-ca");
        SidecarSettings s = SidecarSettings.defaults(Rig.DEFAULT_SLEEP,
                        mesh.identity(mesh.workload(Rig.TD, "default", "sleep")))
                .withListen(new InetSocketAddress("127.0.0.1", 0))
                .withHosts(HostMap.parse(List.of(), List.of("plain.example::127.0.0.1:" + plain.getAddress().getPort())))
                .withAccessLog(e -> System.out.println("log " + e.json()))
                .withIoThreads(1)
                .withCapture(Optional.of(15001));
        Sidecar sidecar = Sidecar.start(s, Rig::tutorial);
        try {
            System.out.println("capturing on " + sidecar.captureAddresses());
            curl("allowed", "-H", "Host: plain.example", "http://198.18.0.5/netns");
            curl("refused", "-H", "Host: blocked.example", "http://198.18.0.5/netns");
            curl("tls-refused", "--insecure", "https://198.18.0.6/");
        } finally {
            sidecar.close();
            plain.stop(0);
        }
    }

    private static void curl(String name, String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("curl", "-q", "-sS", "--max-time", "10", "--noproxy", "*",
                "-w", " code=%{http_code}"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        for (String v : List.of("http_proxy", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY")) {
            pb.environment().remove(v);
        }
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).replace('\n', ' ');
        System.out.println("curl " + name + " exit=" + p.waitFor() + " " + out);
    }
}
