package dev.tollgate.cli.lab;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The lab's network: one namespace per role, each with an {@code eth0} on a bridge that lives in a switch
 * namespace of its own, all on 198.18.0.0/24. Nothing is attached to the host's namespace, and IPv6 is off on every
 * lab interface so that no address outside 198.18.0.0/15 exists (link-local ones included).
 *
 * <p>{@link #close} deletes every namespace it created and the per-namespace {@code resolv.conf} files that
 * {@code ip netns exec} mounts over {@code /etc/resolv.conf}, so that a pod resolves names through the lab's DNS
 * server as a real application would.
 */
final class LabNetwork implements AutoCloseable {
    /** The lab's roles, with their addresses. */
    enum Role {
        GATEWAY("gw", "198.18.0.2"),
        DNS("dns", "198.18.0.3"),
        POD_DEFAULT("pod1", "198.18.0.11"),
        POD_OTHERNS("pod2", "198.18.0.12"),
        EXTERNAL("ext", "198.18.0.101", "198.18.0.102");

        final String suffix;
        final List<String> addresses;

        Role(String suffix, String... addresses) {
            this.suffix = suffix;
            this.addresses = List.of(addresses);
        }

        String address() {
            return addresses.getFirst();
        }
    }

    static final String SUBNET = "198.18.0.0/24";
    static final String GOOGLE_ADDRESS = "198.18.0.101";
    static final String YAHOO_ADDRESS = "198.18.0.102";
    /** The external addresses as one block, which is all the gateway may reach (--allow-destination-cidr). */
    static final String EXTERNAL_BLOCK = "198.18.0.96/27";

    private final String prefix;
    private final String switchNs;
    private final Map<Role, String> names = new LinkedHashMap<>();
    private final List<String> created = new ArrayList<>();

    private LabNetwork(String prefix) {
        this.prefix = prefix;
        this.switchNs = prefix + "-sw";
    }

    /** Creates the namespaces, the bridge and the links; on failure removes whatever it made. */
    static LabNetwork create() {
        String prefix = "tglab" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0x10000));
        LabNetwork net = new LabNetwork(prefix);
        try {
            net.build();
            return net;
        } catch (RuntimeException e) {
            net.close();
            throw e;
        }
    }

    private void build() {
        addNamespace(switchNs);
        Shell.require(List.of("ip", "-n", switchNs, "link", "add", "br0", "type", "bridge"));
        Shell.require(List.of("ip", "-n", switchNs, "link", "set", "br0", "up"));
        for (Role role : Role.values()) {
            String ns = prefix + "-" + role.suffix;
            addNamespace(ns);
            names.put(role, ns);
            // interface names are limited to 15 characters: the prefix is 9
            String port = prefix.substring(5) + "v" + role.suffix;
            Shell.require(List.of("ip", "-n", switchNs, "link", "add", port, "type", "veth", "peer", "name", "eth0",
                    "netns", ns));
            Shell.require(List.of("ip", "-n", switchNs, "link", "set", port, "master", "br0", "up"));
            for (String a : role.addresses) {
                Shell.require(List.of("ip", "-n", ns, "addr", "add", a + "/24", "dev", "eth0"));
            }
            Shell.require(List.of("ip", "-n", ns, "link", "set", "eth0", "up"));
            if (role != Role.DNS && role != Role.EXTERNAL) {
                resolvConf(ns);
            }
        }
    }

    private void addNamespace(String ns) {
        Shell.require(List.of("ip", "netns", "add", ns));
        created.add(ns);
        Shell.require(List.of("ip", "-n", ns, "link", "set", "lo", "up"));
        for (String key : List.of("net.ipv6.conf.all.disable_ipv6", "net.ipv6.conf.default.disable_ipv6")) {
            Shell.run(List.of("ip", "netns", "exec", ns, "sysctl", "-qw", key + "=1"));
        }
    }

    private static void resolvConf(String ns) {
        try {
            Path dir = Files.createDirectories(Path.of("/etc/netns", ns));
            Files.writeString(dir.resolve("resolv.conf"), "nameserver " + Role.DNS.address() + "\noptions timeout:2 attempts:1\n");
        } catch (IOException e) {
            throw new LabException("cannot write /etc/netns/" + ns + "/resolv.conf: " + e.getMessage(), e);
        }
    }

    /** The namespace of a role. */
    String ns(Role role) {
        return names.get(role);
    }

    String prefix() {
        return prefix;
    }

    @Override
    public synchronized void close() {
        for (String ns : created.reversed()) {
            Shell.run(List.of("ip", "netns", "delete", ns));
            Path dir = Path.of("/etc/netns", ns);
            try {
                Files.deleteIfExists(dir.resolve("resolv.conf"));
                Files.deleteIfExists(dir);
            } catch (IOException ignored) {
                // best effort: a stale file names a namespace that no longer exists
            }
        }
        created.clear();
    }

    /** Why the lab cannot run here, or empty when it can: root, ip, nft, setpriv and network namespaces. */
    static java.util.Optional<String> unavailable() {
        if (!"root".equals(System.getProperty("user.name"))) {
            return java.util.Optional.of("the lab needs root (network namespaces, nftables); running as "
                    + System.getProperty("user.name"));
        }
        for (List<String> probe : List.of(List.of("ip", "-V"), List.of("nft", "--version"), List.of("setpriv", "--version"),
                List.of("curl", "--version"), List.of("dnsmasq", "--version"), List.of(Shell.PYTHON, "--version"))) {
            if (!Shell.run(probe, null, 10).ok()) {
                return java.util.Optional.of("the lab needs " + probe.getFirst() + " (apt-get install "
                        + switch (probe.getFirst()) {
                            case "ip" -> "iproute2";
                            case "nft" -> "nftables";
                            case "setpriv" -> "util-linux";
                            case "dnsmasq" -> "dnsmasq-base";
                            default -> probe.getFirst().replaceFirst(".*/", "");
                        } + ")");
            }
        }
        String ns = "tglabprobe" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0x10000));
        Shell.Result r = Shell.run(List.of("ip", "netns", "add", ns));
        Shell.run(List.of("ip", "netns", "delete", ns));
        return r.ok() ? java.util.Optional.empty()
                : java.util.Optional.of("cannot create a network namespace here: " + r.describe());
    }
}
