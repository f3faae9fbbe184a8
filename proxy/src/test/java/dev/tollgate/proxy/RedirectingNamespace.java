package dev.tollgate.proxy;

import io.netty.channel.epoll.Epoll;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A child JVM in a network namespace of its own ({@code unshare --net}, gone when the child exits, so nothing is
 * left behind) with a veth pair (both ends inside it) on 198.18.0.1/24 and an nftables {@code redirect} to :15001
 * in the nat output hook, as the capture rules install it. Nothing leaves the namespace: the redirect turns the
 * connection back to loopback. Needs root, unshare, ip and nft; CI has them.
 */
final class RedirectingNamespace {
    private RedirectingNamespace() {
    }

    /**
     * Runs {@code probe}'s main in the namespace, with {@code match} (an nftables match, e.g.
     * {@code ip daddr 198.18.0.5 tcp dport 443}) redirected to :15001. @return what the probe printed
     */
    static String run(String match, Class<?> probe) throws IOException, InterruptedException {
        assumeTrue(Epoll.isAvailable(), "epoll is unavailable: " + Epoll.unavailabilityCause());
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root to create a network namespace");
        for (String tool : List.of("unshare", "ip", "nft")) {
            assumeTrue(onPath(tool), tool + " is not installed");
        }
        String java = ProcessHandle.current().info().command().orElse("java");
        String script = String.join("\n",
                "set -e",
                "ip link set lo up",
                "ip link add tgcap0 type veth peer name tgcap1",
                "ip addr add 198.18.0.1/24 dev tgcap0",
                "ip link set tgcap0 up",
                "ip link set tgcap1 up",
                "nft -f - <<'EOF'",
                "table ip tgcap {",
                "  chain output {",
                "    type nat hook output priority -100; policy accept;",
                "    " + match + " redirect to :15001",
                "  }",
                "}",
                "EOF",
                "exec \"$0\" -cp \"$1\" " + probe.getName());
        ProcessBuilder pb = new ProcessBuilder("unshare", "--net", "sh", "-c", script, java,
                System.getProperty("java.class.path")).redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        System.out.println(probe.getSimpleName() + " in its own network namespace:\n" + out);
        assumeTrue(!(p.exitValue() != 0 && out.contains("unshare failed")),
                "cannot create a network namespace here: " + out);
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }

    private static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }
}
