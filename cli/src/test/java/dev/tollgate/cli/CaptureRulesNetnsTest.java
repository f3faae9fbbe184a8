package dev.tollgate.cli;

import dev.tollgate.cli.capture.Commands;
import dev.tollgate.cli.capture.Netns;
import dev.tollgate.cli.capture.ReplyListener;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * capture-rules against the real kernel, only ever inside network namespaces this test creates ({@code ip netns}
 * ones it deletes in finally, or {@code unshare -n} ones that vanish with their process): never the machine's own.
 * Needs root, iproute2, nftables and util-linux; without them each test aborts with the reason. CI has them all.
 * Addresses are only from 198.18.0.0/15 and loopback.
 */
class CaptureRulesNetnsTest {
    private static final String LIST = "list table inet tollgate_capture";

    @TempDir
    static Path tmp;

    @BeforeAll
    static void usable() {
        Netns.assumeUsable();
    }

    static String printed(String args) {
        List<String> all = new ArrayList<>(List.of("capture-rules"));
        if (!args.isBlank()) {
            all.addAll(List.of(args.split(" ")));
        }
        CliRun r = CliRun.of(all.toArray(String[]::new));
        assertThat(r.exitCode()).as(r.err()).isZero();
        return r.out();
    }

    /** Each printed ruleset passes nft's check, applies, applies again (replacing itself), and lists back. */
    @ParameterizedTest(name = "capture-rules {0}")
    @ValueSource(strings = {
            "",
            "--capture-port 15006 --proxy-uid 1337,0 --proxy-gid 1337 --proxy-mark 0x539",
            "--exclude-cidr 10.96.0.0/12 --exclude-cidr fd00:10:96::/112 --exclude-cidr 169.254.169.254",
            "--exclude-cidr 10.1.2.3/16,10.0.0.0/8,::ffff:10.0.0.0/104 --exclude-port 22,80-90,85-100",
            "--include-cidr 198.18.0.0/15",
            "--include-cidr 2001:db8::/32 --include-cidr 0.0.0.0/0 --exclude-port 65535 --proxy-mark 4294967295",
            "--proxy-uid 4294967294 --proxy-gid 0 --exclude-port 1-65535",
    })
    void nftAcceptsTheRulesetAndItReplacesItself(String args) throws IOException {
        String ruleset = printed(args);
        Commands.Result check = Commands.run(ruleset, "unshare", "-n", "nft", "-c", "-f", "-");
        assertThat(check.ok()).as(check.describe() + "\n" + ruleset).isTrue();

        Path file = Files.writeString(Files.createTempFile(tmp, "rules", ".nft"), ruleset);
        Commands.Result twice = Commands.run(null, "unshare", "-n", "sh", "-ec",
                "nft -f \"$1\"; nft -f \"$1\"; nft " + LIST, "sh", file.toString());
        assertThat(twice.ok()).as(twice.describe()).isTrue();
        String listed = twice.out();
        assertThat(listed).contains("type nat hook output priority -100; policy accept;");
        assertThat(listed.lines().filter(l -> l.contains("redirect to :"))).isNotEmpty()
                .allMatch(l -> l.contains("meta l4proto tcp"));
        // applied twice, listed once: the second application replaced the first
        assertThat(listed.lines().filter(l -> l.contains("oifname \"lo\" return"))).hasSize(1);
    }

    /** A ruleset that nft refuses is refused: the check above can fail. */
    @Test
    void nftsCheckRefusesABrokenRuleset() {
        String broken = printed("").replace("redirect to :15001", "redirect to :70000");
        Commands.Result check = Commands.run(broken, "unshare", "-n", "nft", "-c", "-f", "-");
        assertThat(check.ok()).as(check.describe()).isFalse();
    }

    /**
     * --apply and --remove act on the namespace they run in, so they run as a separate JVM under ip netns exec,
     * never in this test's (the machine's) namespace.
     */
    @Test
    void applyThenRemoveInsideANamespace() {
        Commands.Result hostBefore = Commands.run(null, "nft", "list", "tables");
        try (Netns ns = Netns.create()) {
            Commands.Result absent = ns.exec(null, "nft", "list", "table", "inet", "tollgate_capture");
            assertThat(absent.ok()).as(absent.describe()).isFalse();

            Commands.Result applied = tollgate(ns, "--apply", "--exclude-port", "22");
            assertThat(applied.ok()).as(applied.describe()).isTrue();
            assertThat(applied.out()).contains("applied table inet tollgate_capture");
            String listed = ns.exec(null, "nft", "list", "table", "inet", "tollgate_capture").out();
            assertThat(listed).contains("tcp dport 22 return").contains("meta skuid 1337 return")
                    .contains("meta l4proto tcp redirect to :15001");

            Commands.Result again = tollgate(ns, "--apply", "--capture-port", "15006");
            assertThat(again.ok()).as(again.describe()).isTrue();
            listed = ns.exec(null, "nft", "list", "table", "inet", "tollgate_capture").out();
            assertThat(listed).contains("redirect to :15006").doesNotContain("redirect to :15001")
                    .doesNotContain("dport 22");

            Commands.Result removed = tollgate(ns, "--remove");
            assertThat(removed.ok()).as(removed.describe()).isTrue();
            Commands.Result gone = ns.exec(null, "nft", "list", "table", "inet", "tollgate_capture");
            assertThat(gone.ok()).as(gone.describe()).isFalse();

            Commands.Result removedAgain = tollgate(ns, "--remove");
            assertThat(removedAgain.ok()).as(removedAgain.describe()).isTrue();
        }
        assertThat(Commands.run(null, "nft", "list", "tables").out()).isEqualTo(hostBefore.out());
    }

    /**
     * nft's own refusal reaches the user with exit 1 and its message: the real nft, run without privileges through
     * --nft, still inside a namespace of the test's (were it to succeed, it would change only that).
     */
    @Test
    void nftsRefusalIsReportedWithItsMessage() throws IOException {
        Path unprivileged = tmp.resolve("nft-unprivileged");
        Files.writeString(unprivileged, "#!/bin/sh\nexec setpriv --reuid=65534 --regid=65534 --clear-groups "
                + "--inh-caps=-all --bounding-set=-all nft \"$@\"\n");
        unprivileged.toFile().setExecutable(true);
        try (Netns ns = Netns.create()) {
            Commands.Result r = tollgate(ns, "--apply", "--nft", unprivileged.toString());
            assertThat(r.exitCode()).as(r.describe()).isEqualTo(1);
            assertThat(r.err()).contains("failed with exit status").contains("nothing was applied")
                    .containsIgnoringCase("Operation not permitted");
            Commands.Result absent = ns.exec(null, "nft", "list", "table", "inet", "tollgate_capture");
            assertThat(absent.ok()).as(absent.describe()).isFalse();
        }
    }

    /**
     * Namespace "pod" (198.18.0.1) runs a capture listener on 127.0.0.1:15001 answering "captured"; namespace
     * "outside" (198.18.0.9 and .10, over a veth pair) answers "direct" on TCP 80 and 22 and UDP 53. A connection
     * from the pod lands on one or the other.
     */
    static final class PodAndOutside implements AutoCloseable {
        final Netns pod;
        final Netns outside;
        private final List<Process> listeners = new ArrayList<>();

        PodAndOutside() throws IOException {
            pod = Netns.create();
            try {
                outside = Netns.create();
            } catch (RuntimeException | Error e) {
                pod.close();
                throw e;
            }
            try {
                pod.sh("ip link set lo up\n"
                        + "ip link add va type veth peer name vb netns " + outside.name + "\n"
                        + "ip addr add 198.18.0.1/24 dev va\nip link set va up");
                outside.sh("ip link set lo up\nip addr add 198.18.0.9/24 dev vb\n"
                        + "ip addr add 198.18.0.10/24 dev vb\nip link set vb up");
                listeners.add(listen(pod, "127.0.0.1:15001:captured", "127.0.0.1:8080:local",
                        "198.18.0.1:81:self"));
                listeners.add(listen(outside, "0.0.0.0:80:direct", "0.0.0.0:22:direct", "udp:0.0.0.0:53:direct"));
            } catch (IOException | RuntimeException e) {
                close();
                throw e;
            }
        }

        @Override
        public void close() {
            listeners.forEach(p -> {
                p.destroyForcibly();
                p.onExit().join();
            });
            try {
                outside.close();
            } finally {
                pod.close();
            }
        }
    }

    @Test
    void outboundTcpLandsOnTheCaptureListenerUnlessExcluded() throws Exception {
        try (PodAndOutside lab = new PodAndOutside()) {
            Netns pod = lab.pod;
            // without rules everything goes where it was sent
            assertThat(connect(pod, 65534, 65534, "198.18.0.9", 80)).isEqualTo("direct");

            Commands.Result applied = tollgate(pod, "--apply", "--exclude-port", "22", "--exclude-cidr",
                    "198.18.0.10");
            assertThat(applied.ok()).as(applied.describe()).isTrue();

            assertThat(connect(pod, 65534, 65534, "198.18.0.9", 80)).as("an application").isEqualTo("captured");
            assertThat(connect(pod, 0, 0, "198.18.0.9", 80)).as("root is not the proxy").isEqualTo("captured");
            assertThat(connect(pod, 1337, 1337, "198.18.0.9", 80)).as("the proxy's uid").isEqualTo("direct");
            assertThat(connect(pod, 1337, 65534, "198.18.0.9", 80)).as("the proxy's uid, another gid")
                    .isEqualTo("direct");
            assertThat(connect(pod, 65534, 1337, "198.18.0.9", 80)).as("the proxy's gid (the uid's number)")
                    .isEqualTo("direct");
            assertThat(connect(pod, 65534, 65534, "198.18.0.9", 22)).as("an excluded port").isEqualTo("direct");
            assertThat(connect(pod, 65534, 65534, "198.18.0.10", 80)).as("an excluded address")
                    .isEqualTo("direct");
            assertThat(connect(pod, 65534, 65534, "127.0.0.1", 8080)).as("loopback").isEqualTo("local");
            assertThat(connect(pod, 65534, 65534, "198.18.0.1", 81)).as("the pod's own address")
                    .isEqualTo("self");
            assertThat(udp(pod, 65534, "198.18.0.9", 53)).as("UDP (DNS) is not captured").isEqualTo("direct");

            Commands.Result removed = tollgate(pod, "--remove");
            assertThat(removed.ok()).as(removed.describe()).isTrue();
            assertThat(connect(pod, 65534, 65534, "198.18.0.9", 80)).as("after --remove").isEqualTo("direct");
        }
    }

    @Test
    void includeCidrsCaptureOnlyThoseDestinations() throws Exception {
        try (PodAndOutside lab = new PodAndOutside()) {
            Commands.Result applied = tollgate(lab.pod, "--apply", "--include-cidr", "198.18.0.9");
            assertThat(applied.ok()).as(applied.describe()).isTrue();

            assertThat(connect(lab.pod, 65534, 65534, "198.18.0.9", 80)).isEqualTo("captured");
            assertThat(connect(lab.pod, 65534, 65534, "198.18.0.10", 80)).isEqualTo("direct");
        }
    }

    /** A socket mark needs a client that can set SO_MARK: python3 as root (root is not excluded by uid here). */
    @Test
    void aSocketWithTheProxyMarkIsNotCaptured() throws Exception {
        String python = Commands.which("python3");
        assumeTrue(python != null, "needs python3 to set SO_MARK on a client socket");
        try (PodAndOutside lab = new PodAndOutside()) {
            Commands.Result applied = tollgate(lab.pod, "--apply", "--proxy-uid", "1337", "--proxy-mark", "0x539");
            assertThat(applied.ok()).as(applied.describe()).isTrue();

            assertThat(marked(lab.pod, python, 0x539)).as("the proxy's mark").isEqualTo("direct");
            assertThat(marked(lab.pod, python, 0x53a)).as("another mark").isEqualTo("captured");
        }
    }

    private static String marked(Netns ns, String python, int mark) {
        Commands.Result r = ns.exec(Duration.ofSeconds(20), null, List.of(python, "-c", String.join("\n",
                "import socket",
                "s = socket.socket()",
                "s.setsockopt(socket.SOL_SOCKET, 36, " + mark + ")  # SO_MARK",
                "s.settimeout(10)",
                "s.connect(('198.18.0.9', 80))",
                "print(s.makefile().readline().strip())")));
        assertThat(r.ok()).as(r.describe()).isTrue();
        return r.out().strip();
    }

    /** The line a TCP client gets back, connecting as {@code uid} and {@code gid}. */
    private static String connect(Netns ns, int uid, int gid, String address, int port) {
        Commands.Result r = ns.exec(Duration.ofSeconds(20), null, List.of("setpriv", "--reuid=" + uid,
                "--regid=" + gid, "--clear-groups", "timeout", "10", "bash", "-c",
                "exec 3<>/dev/tcp/" + address + "/" + port + " && head -n 1 <&3"));
        assertThat(r.ok()).as(r.describe()).isTrue();
        return r.out().strip();
    }

    /** The reply to one UDP datagram sent as uid (and gid) {@code id}. */
    private static String udp(Netns ns, int id, String address, int port) {
        Commands.Result r = ns.exec(Duration.ofSeconds(20), null, List.of("setpriv", "--reuid=" + id,
                "--regid=" + id, "--clear-groups", "timeout", "10", "bash", "-c",
                "exec 3<>/dev/udp/" + address + "/" + port + " && echo query >&3 && head -n 1 <&3"));
        assertThat(r.ok()).as(r.describe()).isTrue();
        return r.out().strip();
    }

    private static Process listen(Netns ns, String... endpoints) throws IOException {
        List<String> command = new ArrayList<>(List.of(java(), "-cp", classpath(), ReplyListener.class.getName()));
        command.addAll(List.of(endpoints));
        Process p = ns.start(command.toArray(String[]::new));
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String first = out.readLine();
        if (!"ready".equals(first)) {
            p.destroyForcibly();
            throw new IllegalStateException("listener in " + ns.name + " did not start: " + first);
        }
        return p;
    }


    /** The real command line in its own JVM, in the namespace. */
    private static Commands.Result tollgate(Netns ns, String... args) {
        List<String> command = new ArrayList<>(List.of(java(), "-cp", classpath(), Main.class.getName(),
                "capture-rules"));
        command.addAll(List.of(args));
        return ns.exec(Duration.ofSeconds(60), null, command);
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static String classpath() {
        return System.getProperty("java.class.path");
    }
}
