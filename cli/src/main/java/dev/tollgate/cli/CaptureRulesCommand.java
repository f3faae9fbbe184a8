package dev.tollgate.cli;

import dev.tollgate.cli.capture.CaptureFlags;
import dev.tollgate.cli.capture.CaptureRuleset;
import dev.tollgate.cli.capture.CaptureSpec;
import dev.tollgate.cli.capture.NftProgram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code tollgate capture-rules}: the nftables rules that send a pod's outbound TCP to its sidecar. */
@Command(name = "capture-rules", sortOptions = false, mixinStandardHelpOptions = true,
        headerHeading = "%n", header = "The nftables rules that send a pod's outbound TCP to its sidecar.",
        description = {
                "Applications that ignore http_proxy (Java, Node before 24, many agents) would go around the sidecar.",
                "Istio never asks them to use a proxy: an init container runs istio-iptables, which makes the kernel",
                "redirect every outbound TCP connection of the pod to the sidecar. This is Tollgate's form of it, in",
                "nftables: one table, inet tollgate_capture, with a nat chain on the output hook that",
                "",
                "  1. leaves alone, in this order:",
                "     - loopback: what leaves through lo (the pod to itself), 127.0.0.0/8, ::1;",
                "     - the sidecar's own connections, by owner uid (--proxy-uid, 1337 as in",
                "       Istio), owner gid (--proxy-gid; the uids unless given, as with",
                "       istio-iptables -g) and socket mark (--proxy-mark). Without this the",
                "       sidecar would capture its own upstream connections;",
                "     - the destination ports of --exclude-port and the blocks of --exclude-cidr;",
                "  2. redirects every other new TCP connection, IPv4 and IPv6 (with",
                "     --include-cidr, only those to the given blocks), to the sidecar's capture",
                "     listener on the loopback address, port --capture-port (15001, Istio's).",
                "     'tollgate sidecar --capture PORT' accepts it there and reads the original",
                "     destination with SO_ORIGINAL_DST.",
                "",
                "UDP is not captured: DNS keeps working as it did. What stops other UDP, and anything that",
                "escapes capture, is the network policy: see 'tollgate netpol -o nftables'.",
                "",
                "Without --apply or --remove the ruleset is printed; it is the machine form (feed it to 'nft -f -').",
                "Applying it again replaces the table; it never touches other tables. --apply and --remove act on the",
                "network namespace this command runs in, and need CAP_NET_ADMIN there (root, or an init container",
                "with that capability). Values are read strictly: numbers in decimal (a mark also in 0x hex), CIDRs",
                "as Istio validates them; repeatable flags also take a comma-separated list.",
                ""},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:printed, applied or removed",
                "1:nft is missing or refused the rules (its message is printed)",
                "2:usage error (the flag and its value are printed)"},
        footerHeading = "%nExamples:%n",
        footer = {
                "  # print the rules for a sidecar running as uid 1337, capturing on 15001",
                "  tollgate capture-rules",
                "",
                "  # leave the cluster's service network and the API server's port alone",
                "  tollgate capture-rules --exclude-cidr 10.96.0.0/12 \\",
                "      --exclude-cidr fd00:10:96::/112 --exclude-port 6443",
                "",
                "  # as an injected pod's init container (with NET_ADMIN), then look at it",
                "  tollgate capture-rules --apply --proxy-uid 1337 --capture-port 15001",
                "  nft list table inet tollgate_capture",
                "",
                "  # take it back out (succeeds when it is not there)",
                "  tollgate capture-rules --remove",
                "",
                "  # the sidecar that receives the redirected connections, running as uid 1337",
                "  tollgate sidecar --capture 15001 ..."})
final class CaptureRulesCommand implements Callable<Integer> {

    @Option(names = "--capture-port", paramLabel = "PORT", defaultValue = "15001",
            description = "Where the sidecar's capture listener accepts redirected connections (default: 15001).")
    String capturePort = "15001";

    @Option(names = "--proxy-uid", paramLabel = "UID",
            description = "Never capture sockets owned by this uid: the sidecar's. Numeric. Repeatable. Default: 1337.")
    List<String> proxyUids = new ArrayList<>();

    @Option(names = "--proxy-gid", paramLabel = "GID",
            description = "Never capture sockets owned by this gid. Numeric. Repeatable. Default: the --proxy-uid "
                    + "numbers.")
    List<String> proxyGids = new ArrayList<>();

    @Option(names = "--proxy-mark", paramLabel = "MARK",
            description = {"Never capture packets with this socket mark, 1-0xffffffff. Repeatable.",
                    "The sidecar sets it with SO_MARK, which needs CAP_NET_ADMIN."})
    List<String> proxyMarks = new ArrayList<>();

    @Option(names = "--exclude-cidr", paramLabel = "CIDR",
            description = "Never capture connections to this IPv4 or IPv6 block (or one address). Repeatable.")
    List<String> excludeCidrs = new ArrayList<>();

    @Option(names = "--exclude-port", paramLabel = "PORT[-PORT]",
            description = "Never capture connections to this destination port or range. Repeatable.")
    List<String> excludePorts = new ArrayList<>();

    @Option(names = "--include-cidr", paramLabel = "CIDR",
            description = {"Capture only connections to these blocks (default: every destination). Repeatable.",
                    "Give IPv6 blocks too, or IPv6 is not captured at all."})
    List<String> includeCidrs = new ArrayList<>();

    @Option(names = "--apply", description = "Apply the rules with 'nft -f -' in this network namespace.")
    boolean apply;

    @Option(names = "--remove", description = "Delete the table from this network namespace (no error if absent).")
    boolean remove;

    @Option(names = "--nft", paramLabel = "PATH", defaultValue = "nft",
            description = "The nft program for --apply and --remove (default: nft on the PATH).")
    String nft = "nft";

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        if (apply && remove) {
            throw new IllegalArgumentException("--apply and --remove: give one of them");
        }
        CaptureSpec capture = capture();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        warnAboutRoot(capture, err);
        if (!apply && !remove) {
            out.print(CaptureRuleset.render(capture));
            out.flush();
            return 0;
        }
        String name = spec.qualifiedName();
        String table = "table inet " + CaptureRuleset.TABLE;
        NftProgram.Result result;
        try {
            result = new NftProgram(nft).apply(apply ? CaptureRuleset.render(capture) : CaptureRuleset.removal());
        } catch (NftProgram.Missing | IOException e) {
            err.println(name + ": " + e.getMessage());
            err.flush();
            return 1;
        }
        if (!result.ok()) {
            err.println(name + ": '" + nft + " -f -' failed with exit status " + result.exitCode()
                    + (apply ? "; nothing was applied" : "") + ":");
            String said = result.output().isBlank() ? "(nft printed nothing)\n" : result.output();
            err.print(said.endsWith("\n") ? said : said + "\n");
            err.flush();
            return 1;
        }
        out.println(name + ": " + (apply ? "applied " + table + ": outbound TCP goes to port "
                + capture.capturePort() : "removed " + table));
        out.flush();
        return 0;
    }

    private CaptureSpec capture() {
        List<Long> uids = CaptureFlags.all("--proxy-uid", proxyUids, CaptureFlags::id);
        if (uids.isEmpty()) {
            uids = List.of(CaptureSpec.DEFAULT_PROXY_UID);
        }
        List<Long> gids = proxyGids.isEmpty() ? uids : CaptureFlags.all("--proxy-gid", proxyGids, CaptureFlags::id);
        List<Long> marks = CaptureFlags.all("--proxy-mark", proxyMarks, CaptureFlags::mark);
        var exclude = CaptureFlags.all("--exclude-cidr", excludeCidrs, CaptureFlags::cidr);
        exclude.stream().filter(p -> p.bits() == 0).findFirst().ifPresent(p -> {
            // istio-iptables accepts 0.0.0.0/0 here (only '*' is refused) and then captures no IPv4 at all; a
            // command whose point is capture says so instead, and names the flag that narrows capture on purpose
            throw new IllegalArgumentException("--exclude-cidr '" + p + "': excludes every " + (p.isIpv4()
                    ? "IPv4" : "IPv6") + " destination, so none would be captured; to capture one family only, "
                    + "give --include-cidr 0.0.0.0/0 or --include-cidr ::/0");
        });
        return new CaptureSpec(CaptureFlags.port("--capture-port", capturePort), uids, gids, marks,
                CaptureFlags.all("--exclude-port", excludePorts, CaptureFlags::portRange), exclude,
                CaptureFlags.all("--include-cidr", includeCidrs, CaptureFlags::cidr));
    }

    /** Allowed, since a lab may run its sidecar as root, but then every root process of the pod goes uncaptured. */
    private static void warnAboutRoot(CaptureSpec capture, PrintWriter err) {
        if (capture.proxyUids().contains(0L) || capture.proxyGids().contains(0L)) {
            err.println("tollgate capture-rules: warning: uid or gid 0 is excluded, so every process running as "
                    + "root in the pod bypasses capture; only the network policy stops it");
            err.flush();
        }
    }
}
