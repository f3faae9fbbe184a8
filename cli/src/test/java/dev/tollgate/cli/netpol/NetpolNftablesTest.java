package dev.tollgate.cli.netpol;

import dev.tollgate.core.model.net.IpAddress;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

class NetpolNftablesTest {
    static final EgressAllowList ALLOW = new EgressAllowList(List.of("default"), "istio-system",
            Map.of("istio", "egressgateway"), new TreeSet<>(Set.of(443, 80)), new TreeSet<>(Set.of(443)));

    static IpAddress ip(String s) {
        return IpAddress.parse(s).orElseThrow();
    }

    static List<String> acceptRules(String ruleset) {
        return ruleset.lines().map(String::strip).filter(l -> l.endsWith("accept")).toList();
    }

    @Test
    void anApplicationMayReachOnlyDnsIstiodAndTheGatewayPorts() {
        String r = NftablesRuleset.render(ALLOW, NftablesRuleset.Role.APP, new NftablesRuleset.Peers(
                List.of(ip("198.18.0.3")), List.of(ip("198.18.0.2"), ip("2001:db8::2")), List.of(ip("198.18.0.4"))));

        assertThat(r).contains("table inet tollgate_egress {")
                .contains("type filter hook output priority filter; policy drop;")
                .contains("set gateway4 {\n    type ipv4_addr\n    elements = { 198.18.0.2 }")
                .contains("set gateway6 {\n    type ipv6_addr\n    elements = { 2001:db8::2 }")
                .contains("set dns6 {\n    type ipv6_addr\n  }");
        assertThat(acceptRules(r)).containsExactly(
                "oifname \"lo\" accept",
                "ct state established,related accept",
                "ip daddr @dns4 udp dport 53 accept",
                "ip daddr @dns4 tcp dport 53 accept",
                "ip daddr @istiod4 tcp dport 15012 accept",
                "ip daddr @gateway4 tcp dport { 80, 443 } accept",
                "ip6 daddr @dns6 udp dport 53 accept",
                "ip6 daddr @dns6 tcp dport 53 accept",
                "ip6 daddr @istiod6 tcp dport 15012 accept",
                "ip6 daddr @gateway6 tcp dport { 80, 443 } accept");
    }

    @Test
    void theGatewayMayReachAnyAddressOnlyOnUpstreamPorts() {
        String r = NftablesRuleset.render(ALLOW, NftablesRuleset.Role.GATEWAY,
                new NftablesRuleset.Peers(List.of(), List.of(), List.of()));

        assertThat(r).doesNotContain("gateway4").doesNotContain("elements");
        assertThat(acceptRules(r)).contains("tcp dport 443 accept").noneMatch(l -> l.contains("dport 80 "))
                .noneMatch(l -> l.contains("udp") && !l.contains("dport 53"));
    }

    @Test
    void noGatewayListenerMeansNoGatewayRule() {
        EgressAllowList none = new EgressAllowList(List.of("default"), "istio-system", Map.of(),
                new TreeSet<>(), new TreeSet<>());
        String r = NftablesRuleset.render(none, NftablesRuleset.Role.APP,
                new NftablesRuleset.Peers(List.of(), List.of(ip("198.18.0.2")), List.of()));

        assertThat(acceptRules(r)).noneMatch(l -> l.contains("@gateway"));
    }
}
