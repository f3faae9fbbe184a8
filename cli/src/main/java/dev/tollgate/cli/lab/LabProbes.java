package dev.tollgate.cli.lab;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The clients the lab runs inside a pod's namespace: real curl for HTTP and HTTPS, and a few lines of Python for
 * raw TCP, UDP and IPv4-mapped IPv6 sockets. Applications run as {@link Shell#APP_UID} (what capture applies to);
 * "as root" stands for a process that escapes capture, as Istio's proxy uid does.
 */
final class LabProbes {
    private static final String SOCKET_PROBE = String.join("\n",
            "import socket, sys",
            "family, host, port, proto, payload = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]",
            "af = socket.AF_INET6 if family == '6' else socket.AF_INET",
            "s = socket.socket(af, socket.SOCK_DGRAM if proto == 'udp' else socket.SOCK_STREAM)",
            "s.settimeout(3)",
            "try:",
            "    s.connect((host, port))",
            "    s.send(payload.encode())",
            "    data = s.recv(200)",
            "    print('reply: ' + data.decode('latin-1').splitlines()[0] if data else 'closed without a reply')",
            "except socket.timeout:",
            "    print('no reply (timed out)')",
            "except OSError as e:",
            "    print('no reply (' + (e.strerror or str(e)) + ')')");

    private final LabNetwork net;
    private final Path caFile;

    LabProbes(LabNetwork net, Path caFile) {
        this.net = net;
        this.caFile = caFile;
    }

    /** A curl run: its command text (as typed in the pod) and its result. */
    record Curl(String command, Shell.Result result) {
        /** The HTTP status curl printed, or 0 when there was none. */
        int status() {
            String s = result.out().strip();
            return s.matches("\\d{3}") ? Integer.parseInt(s) : 0;
        }

        String describe() {
            return status() > 0 ? "HTTP " + status() : "no response (curl " + result.describe() + ")";
        }
    }

    Curl curl(LabNetwork.Role pod, boolean asApplication, String url, int timeoutSeconds) {
        return curl(pod, asApplication, url, List.of(), timeoutSeconds);
    }

    /** curl with more options, e.g. {@code --resolve HOST:PORT:ADDR}: the name at an address of the caller's choosing. */
    Curl curlResolved(LabNetwork.Role pod, boolean asApplication, String url, List<String> options, int timeoutSeconds) {
        return curl(pod, asApplication, url, options, timeoutSeconds);
    }

    private Curl curl(LabNetwork.Role pod, boolean asApplication, String url, List<String> extra, int timeoutSeconds) {
        List<String> args = new ArrayList<>(List.of("curl", "-q", "-sS", "-o", "/dev/null", "-w", "%{http_code}",
                "--connect-timeout", Integer.toString(timeoutSeconds), "--max-time", Integer.toString(timeoutSeconds + 5),
                "--cacert", caFile.toString()));
        args.addAll(extra);
        args.add(url);
        List<String> command = asApplication ? Shell.asApplication(args) : args;
        Shell.Result r = Shell.run(Shell.inNamespace(net.ns(pod), command), null, timeoutSeconds + 15);
        String shown = "curl --cacert public-ca.pem " + (extra.isEmpty() ? "" : String.join(" ", extra) + " ") + url;
        return new Curl(shown, new Shell.Result(r.exit(), r.out().strip().equals("000") ? "" : r.out(), r.err()));
    }

    /** A raw socket: {@code tcp} or {@code udp}, IPv4 or (with {@code ipv6}) an IPv6 socket. */
    String socket(LabNetwork.Role pod, boolean asApplication, boolean ipv6, String proto, String host, int port,
                  String payload) {
        List<String> args = List.of(Shell.PYTHON, "-c", SOCKET_PROBE, ipv6 ? "6" : "4", host, Integer.toString(port), proto,
                payload);
        Shell.Result r = Shell.run(Shell.inNamespace(net.ns(pod), asApplication ? Shell.asApplication(args) : args),
                null, 20);
        return r.out().isBlank() ? "no reply (" + r.describe() + ")" : r.out().strip();
    }

    static String socketCommand(boolean ipv6, String proto, String host, int port) {
        return "python3 socket-probe " + (ipv6 ? "AF_INET6 " : "") + proto + " " + (ipv6 ? "[" + host + "]" : host)
                + ":" + port;
    }
}
