package dev.tollgate.cli.capture;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A network namespace that a test creates and deletes ({@code tg-rules-} and random hex), so that nothing a test
 * applies ever reaches the machine's own namespace.
 */
public final class Netns implements AutoCloseable {
    public static final String PREFIX = "tg-rules-";
    private static final SecureRandom RANDOM = new SecureRandom();

    public final String name;

    private Netns(String name) {
        this.name = name;
    }

    /** Aborts the calling test, with the reason, where namespaces and nftables cannot be used. */
    public static void assumeUsable() {
        Commands.Result id = Commands.run(null, "id", "-u");
        assumeTrue(id.ok() && id.out().strip().equals("0"),
                "needs root for network namespaces and nftables (id -u says " + id.out().strip() + ")");
        for (String tool : List.of("ip", "nft", "unshare", "setpriv", "timeout", "bash")) {
            assumeTrue(Commands.which(tool) != null, "needs '" + tool + "' on the PATH (install "
                    + switch (tool) {
                        case "ip" -> "iproute2";
                        case "nft" -> "nftables";
                        case "unshare", "setpriv" -> "util-linux";
                        default -> "coreutils/bash";
                    } + ")");
        }
        Commands.Result probe = Commands.run(null, "unshare", "-n", "nft", "list", "ruleset");
        assumeTrue(probe.ok(), "cannot use nftables in a new network namespace: " + probe.describe());
    }

    public static Netns create() {
        String name = PREFIX + HexFormat.of().formatHex(RANDOM.generateSeed(4));
        Commands.Result r = Commands.run(null, "ip", "netns", "add", name);
        assumeTrue(r.ok(), "cannot create a network namespace: " + r.describe());
        return new Netns(name);
    }

    /** {@code ip netns exec NAME command...}. */
    public Commands.Result exec(String stdin, String... command) {
        return exec(Duration.ofSeconds(60), stdin, List.of(command));
    }

    public Commands.Result exec(Duration timeout, String stdin, List<String> command) {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", name));
        full.addAll(command);
        return Commands.run(timeout, stdin, full);
    }

    /** {@code ip netns exec NAME command...} left running, for listeners. */
    public Process start(String... command) throws java.io.IOException {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", name));
        full.addAll(List.of(command));
        return new ProcessBuilder(full).redirectErrorStream(true).start();
    }

    /** Runs a shell command in the namespace and fails the test when it fails: for setting the namespace up. */
    public void sh(String script) {
        Commands.Result r = exec(null, "sh", "-ec", script);
        if (!r.ok()) {
            throw new IllegalStateException("in " + name + ": " + r.describe());
        }
    }

    @Override
    public void close() {
        Commands.Result r = Commands.run(null, "ip", "netns", "del", name);
        if (!r.ok()) {
            throw new IllegalStateException("could not delete network namespace " + name + ": " + r.describe());
        }
    }
}
