package dev.tollgate.proxy;

import io.netty.channel.epoll.Epoll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * SO_ORIGINAL_DST for real: a child JVM in its own network namespace ({@code unshare --net}, gone when the child
 * exits, so nothing is left behind) with a veth pair (both ends inside it) on 198.18.0.1/24 and an nftables {@code redirect} of
 * 198.18.0.5:443 to :15001 in the nat output hook, as the capture rules install it. Nothing leaves the namespace:
 * the redirect turns the connection back to loopback. Needs root, unshare, ip and nft; CI has them.
 */
class OriginalDestinationNetnsTest {

    @Test
    void aRedirectedConnectionReportsWhereItWasGoing() throws Exception {
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
                "    ip daddr 198.18.0.5 tcp dport 443 redirect to :15001",
                "  }",
                "}",
                "EOF",
                "exec \"$0\" -cp \"$1\" dev.tollgate.proxy.OriginalDestinationProbe");
        ProcessBuilder pb = new ProcessBuilder("unshare", "--net", "sh", "-c", script, java,
                System.getProperty("java.class.path")).redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        System.out.println("probe in its own network namespace:\n" + out);
        assumeTrue(!(p.exitValue() != 0 && out.contains("unshare failed")),
                "cannot create a network namespace here: " + out);
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).contains("redirected original /198.18.0.5:443");
        // not redirected: conntrack has the connection but no NAT, so the kernel gives the listener itself back,
        // which the capture listener refuses as its own address
        assertThat(out).containsPattern("direct (original /127\\.0\\.0\\.1:15001|unknown .*not redirected)");
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
