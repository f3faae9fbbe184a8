package dev.tollgate.cli.capture;

import dev.tollgate.core.model.net.IpPrefix;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The nftables form of what Istio's {@code istio-iptables} does for outbound traffic: a nat chain on the output hook
 * that lets the exclusions through and redirects every other new TCP connection to the sidecar's capture listener,
 * where {@code SO_ORIGINAL_DST} tells the sidecar where it was going.
 *
 * <p>One table of its own, so that applying the file again replaces it and removing it is one {@code delete table}
 * that touches no one else's rules. The empty {@code table} line before the delete makes the delete succeed on a
 * machine where the table does not exist yet ({@code destroy table} would, but it needs nft 1.0.8 and Linux 6.3).
 *
 * <p>UDP is never redirected: DNS keeps working, and what stops any other UDP is {@code tollgate netpol}'s ruleset.
 */
public final class CaptureRuleset {
    public static final String TABLE = "tollgate_capture";
    public static final String CHAIN = "output";

    private CaptureRuleset() {
    }

    public static String render(CaptureSpec spec) {
        List<String> rules = new ArrayList<>();
        // Istio returns for '-o lo' too: the pod talking to itself (its own pod IP routes through lo) is not egress.
        rules.add("oifname \"lo\" return comment \"loopback: the pod to itself\"");
        rules.add("ip daddr 127.0.0.0/8 return comment \"loopback\"");
        rules.add("ip6 daddr ::1 return comment \"loopback\"");
        // before anything that redirects: the sidecar's own upstream connections would otherwise loop back to it
        if (!spec.proxyUids().isEmpty()) {
            rules.add("meta skuid " + elements(distinct(spec.proxyUids()), String::valueOf)
                    + " return comment \"the proxy's own traffic\"");
        }
        if (!spec.proxyGids().isEmpty()) {
            rules.add("meta skgid " + elements(distinct(spec.proxyGids()), String::valueOf)
                    + " return comment \"the proxy's own traffic\"");
        }
        if (!spec.proxyMarks().isEmpty()) {
            rules.add("meta mark " + elements(distinct(spec.proxyMarks()), m -> "0x" + Long.toHexString(m))
                    + " return comment \"the proxy's own traffic\"");
        }
        if (!spec.excludePorts().isEmpty()) {
            rules.add("tcp dport " + elements(merged(spec.excludePorts()), PortRange::toString)
                    + " return comment \"excluded port\"");
        }
        List<IpPrefix> excluded = outermost(spec.excludeCidrs());
        addDaddr(rules, excluded, true, "return comment \"excluded CIDR\"");
        addDaddr(rules, excluded, false, "return comment \"excluded CIDR\"");
        String redirect = "meta l4proto tcp redirect to :" + spec.capturePort()
                + " comment \"to the sidecar's capture listener\"";
        if (spec.includeCidrs().isEmpty()) {
            rules.add(redirect);
        } else {
            List<IpPrefix> included = outermost(spec.includeCidrs());
            addDaddr(rules, included, true, redirect);
            addDaddr(rules, included, false, redirect);
        }

        List<String> lines = new ArrayList<>();
        lines.add("# tollgate capture-rules: new outbound TCP connections go to the sidecar on port "
                + spec.capturePort() + ".");
        lines.add("# UDP is not captured (DNS keeps working); tollgate netpol's ruleset stops other UDP.");
        lines.add("table inet " + TABLE);
        lines.add("delete table inet " + TABLE);
        lines.add("table inet " + TABLE + " {");
        lines.add("  chain " + CHAIN + " {");
        // -100 is dstnat; nft 1.0.6 refuses the name 'dstnat' on the output hook, so the number is written
        lines.add("    type nat hook output priority -100; policy accept;");
        rules.forEach(r -> lines.add("    " + r));
        lines.add("  }");
        lines.add("}");
        return String.join("\n", lines) + "\n";
    }

    /** What {@code --remove} feeds to {@code nft -f -}: deletes the table, and succeeds when there is none. */
    public static String removal() {
        return "table inet " + TABLE + "\ndelete table inet " + TABLE + "\n";
    }

    private static void addDaddr(List<String> rules, List<IpPrefix> prefixes, boolean v4, String verdict) {
        List<IpPrefix> family = prefixes.stream().filter(p -> p.isIpv4() == v4).toList();
        if (!family.isEmpty()) {
            rules.add((v4 ? "ip" : "ip6") + " daddr " + elements(family, CaptureRuleset::prefix) + " " + verdict);
        }
    }

    /** A whole-address prefix is written as the address: that is how 'nft list' prints it back. */
    private static String prefix(IpPrefix p) {
        return p.bits() == p.address().bitLength() ? p.network().toString() : p.toString();
    }

    private static <T> String elements(List<T> values, Function<T, String> text) {
        return values.size() == 1 ? text.apply(values.get(0))
                : values.stream().map(text).collect(Collectors.joining(", ", "{ ", " }"));
    }

    private static <T> List<T> distinct(List<T> values) {
        return List.copyOf(new LinkedHashSet<>(values));
    }

    /**
     * The prefixes that no other one contains, in the order given. Some nft versions refuse overlapping elements of
     * an anonymous set ("conflicting intervals"), and two CIDRs either nest or are disjoint, so dropping the inner
     * ones leaves the same addresses.
     */
    static List<IpPrefix> outermost(List<IpPrefix> prefixes) {
        List<IpPrefix> kept = new ArrayList<>();
        for (IpPrefix p : distinct(prefixes)) {
            boolean inner = prefixes.stream().anyMatch(q -> q.isIpv4() == p.isIpv4() && q.bits() < p.bits()
                    && q.contains(p.network()));
            if (!inner) {
                kept.add(p);
            }
        }
        return kept;
    }

    /** Overlapping or adjacent ranges merged, in port order, for the same reason as {@link #outermost}. */
    static List<PortRange> merged(List<PortRange> ranges) {
        List<PortRange> sorted = ranges.stream().sorted(Comparator.comparingInt(PortRange::first)).toList();
        List<PortRange> out = new ArrayList<>();
        for (PortRange r : sorted) {
            PortRange last = out.isEmpty() ? null : out.get(out.size() - 1);
            if (last != null && r.first() <= last.last() + 1) {
                out.set(out.size() - 1, new PortRange(last.first(), Math.max(last.last(), r.last())));
            } else {
                out.add(r);
            }
        }
        return out;
    }
}
