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
 * The whole capture path for real, with curl and no proxy settings (the lab does this across namespaces with the
 * gateway; this one stays inside one). As OriginalDestinationNetnsTest: a child JVM in its own network namespace ({@code unshare --net}, gone when the child
 * exits, so nothing is left behind) with a veth pair (both ends inside it) on 198.18.0.1/24 and an nftables {@code redirect} of
 * 198.18.0.5:443 to :15001 in the nat output hook, as the capture rules install it. Nothing leaves the namespace:
 * the redirect turns the connection back to loopback. Needs root, unshare, ip and nft; CI has them.
 */
class CaptureNetnsTest {

    @Test
    void curlWithoutProxySettingsIsCapturedAndDecided() throws Exception {
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
                "    ip daddr 198.18.0.0/24 tcp dport { 80, 443 } redirect to :15001",
                "  }",
                "}",
                "EOF",
                "exec \"$0\" -cp \"$1\" dev.tollgate.proxy.CaptureNetnsProbe");
        ProcessBuilder pb = new ProcessBuilder("unshare", "--net", "sh", "-c", script, java,
                System.getProperty("java.class.path")).redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        System.out.println("sidecar in its own network namespace:\n" + out);
        assumeTrue(!(p.exitValue() != 0 && out.contains("unshare failed")),
                "cannot create a network namespace here: " + out);
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).contains("curl allowed exit=0 hello plain.example /netns").contains("code=200");
        assertThat(out).containsPattern("curl refused exit=0 REGISTRY_ONLY: blocked.example:80 .* code=502");
        // TLS without SNI (curl to an IP) is decided by the address; the fake forwards it there, and the address
        // guard refuses 198.18.0.6 (a reserved block): a closed connection, curl's handshake fails (35)
        assertThat(out).contains("curl tls-refused exit=35");
        assertThat(out).contains("address guard [reserved]: 198.18.0.6");
        assertThat(out).contains("\"original_destination\":\"198.18.0.5:80\"");
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
