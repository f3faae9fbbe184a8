package dev.tollgate.cli.capture;

import dev.tollgate.core.model.net.IpPrefix;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CaptureRulesetTest {
    static IpPrefix cidr(String s) {
        return IpPrefix.parse(s).orElseThrow();
    }

    static CaptureSpec defaults() {
        return new CaptureSpec(15001, List.of(1337L), List.of(1337L), List.of(), List.of(), List.of(), List.of());
    }

    /** The rules of the chain, in order, without the comments. */
    static List<String> rules(String ruleset) {
        return ruleset.lines().map(String::strip)
                .filter(l -> l.endsWith("\"") && l.contains(" comment "))
                .map(l -> l.substring(0, l.indexOf(" comment ")))
                .toList();
    }

    @Test
    void theDefaultsAreIstiosOutboundCapture() {
        String r = CaptureRuleset.render(defaults());

        assertThat(r).startsWith("# tollgate capture-rules")
                .contains("UDP is not captured")
                .contains("table inet tollgate_capture\ndelete table inet tollgate_capture\n"
                        + "table inet tollgate_capture {\n  chain output {\n"
                        + "    type nat hook output priority -100; policy accept;\n")
                .endsWith("  }\n}\n");
        assertThat(rules(r)).containsExactly(
                "oifname \"lo\" return",
                "ip daddr 127.0.0.0/8 return",
                "ip6 daddr ::1 return",
                "meta skuid 1337 return",
                "meta skgid 1337 return",
                "meta l4proto tcp redirect to :15001");
    }

    @Test
    void everyExclusionComesBeforeTheRedirectAndEachFamilyGetsItsOwnMatch() {
        CaptureSpec spec = new CaptureSpec(15006, List.of(1337L, 2000L), List.of(3000L), List.of(0x539L),
                List.of(PortRange.of(6443), new PortRange(8000, 8100)),
                List.of(cidr("10.96.0.0/12"), cidr("fd00:10:96::/112"), cidr("169.254.169.254")),
                List.of());
        List<String> rules = rules(CaptureRuleset.render(spec));

        assertThat(rules).containsExactly(
                "oifname \"lo\" return",
                "ip daddr 127.0.0.0/8 return",
                "ip6 daddr ::1 return",
                "meta skuid { 1337, 2000 } return",
                "meta skgid 3000 return",
                "meta mark 0x539 return",
                "tcp dport { 6443, 8000-8100 } return",
                "ip daddr { 10.96.0.0/12, 169.254.169.254 } return",
                "ip6 daddr fd00:10:96::/112 return",
                "meta l4proto tcp redirect to :15006");
        assertThat(rules.getLast()).contains("redirect");
        assertThat(rules.subList(0, rules.size() - 1)).allMatch(l -> l.endsWith(" return"));
    }

    @Test
    void includeCidrsRedirectOnlyThoseDestinationsPerFamily() {
        CaptureSpec v4only = new CaptureSpec(15001, List.of(1337L), List.of(), List.of(), List.of(), List.of(),
                List.of(cidr("198.18.0.0/15"), cidr("203.0.113.0/24")));
        assertThat(rules(CaptureRuleset.render(v4only))).endsWith(
                "meta skuid 1337 return",
                "ip daddr { 198.18.0.0/15, 203.0.113.0/24 } meta l4proto tcp redirect to :15001")
                .noneMatch(l -> l.startsWith("ip6 daddr") && l.contains("redirect"))
                .noneMatch(l -> l.startsWith("meta l4proto tcp redirect"));

        CaptureSpec both = new CaptureSpec(15001, List.of(1337L), List.of(), List.of(), List.of(), List.of(),
                List.of(cidr("2001:db8::/32"), cidr("0.0.0.0/0")));
        assertThat(rules(CaptureRuleset.render(both))).endsWith(
                "ip daddr 0.0.0.0/0 meta l4proto tcp redirect to :15001",
                "ip6 daddr 2001:db8::/32 meta l4proto tcp redirect to :15001");
    }

    @Test
    void onlyTcpIsRedirected() {
        String r = CaptureRuleset.render(defaults());
        assertThat(rules(r)).filteredOn(l -> l.contains("redirect")).allMatch(l -> l.contains("meta l4proto tcp"));
        assertThat(r).doesNotContain("udp");
    }

    @Test
    void blocksAreWrittenMaskedAndNestedOnesDropped() {
        CaptureSpec spec = new CaptureSpec(15001, List.of(1337L), List.of(), List.of(), List.of(),
                List.of(cidr("10.1.2.3/16"), cidr("10.0.0.0/8"), cidr("10.0.0.0/8"), cidr("192.0.2.7/32"),
                        cidr("2001:db8:1::/48"), cidr("2001:db8::/32"), cidr("::ffff:10.0.0.0/104")),
                List.of());
        assertThat(rules(CaptureRuleset.render(spec))).contains(
                "ip daddr { 10.0.0.0/8, 192.0.2.7 } return",
                "ip6 daddr { 2001:db8::/32, ::ffff:10.0.0.0/104 } return");
    }

    @Test
    void portRangesAreMergedInPortOrder() {
        assertThat(CaptureRuleset.merged(List.of(new PortRange(90, 100), PortRange.of(80), new PortRange(81, 85),
                new PortRange(95, 120), PortRange.of(443), PortRange.of(121), PortRange.of(80))))
                .containsExactly(new PortRange(80, 85), new PortRange(90, 121), PortRange.of(443));
    }

    @Test
    void duplicateIdsAreWrittenOnce() {
        CaptureSpec spec = new CaptureSpec(15001, List.of(1337L, 1337L), List.of(), List.of(7L, 7L), List.of(),
                List.of(), List.of());
        assertThat(rules(CaptureRuleset.render(spec))).contains("meta skuid 1337 return", "meta mark 0x7 return")
                .noneMatch(l -> l.startsWith("meta skgid"));
    }

    @Test
    void removalDeletesOnlyTheTableAndSucceedsWhenItIsAbsent() {
        assertThat(CaptureRuleset.removal())
                .isEqualTo("table inet tollgate_capture\ndelete table inet tollgate_capture\n");
    }

    @Test
    void theSpecRefusesWhatWouldCaptureTheProxyOrNothing() {
        assertThatThrownBy(() -> new CaptureSpec(15001, List.of(), List.of(), List.of(), List.of(), List.of(),
                List.of())).hasMessageContaining("capture itself");
        assertThatThrownBy(() -> new CaptureSpec(15001, List.of(1337L), List.of(), List.of(0L), List.of(),
                List.of(), List.of())).hasMessageContaining("mark");
        assertThatThrownBy(() -> new CaptureSpec(15001, List.of(1337L), List.of(), List.of(), List.of(),
                List.of(cidr("::/0")), List.of())).hasMessageContaining("whole address family");
        assertThatThrownBy(() -> new CaptureSpec(0, List.of(1337L), List.of(), List.of(), List.of(), List.of(),
                List.of())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new CaptureSpec(15001, List.of(-1L), List.of(), List.of(), List.of(), List.of(),
                List.of())).hasMessageContaining("uid");
    }
}
