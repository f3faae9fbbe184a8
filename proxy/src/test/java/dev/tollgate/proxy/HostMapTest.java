package dev.tollgate.proxy;

import io.netty.util.concurrent.ImmediateEventExecutor;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** curl's --resolve and --connect-to forms (curl(1) man page), and the order in which a proxy consults them. */
class HostMapTest {

    static HostMap.Resolved resolve(HostMap m, String host, int port, List<String> addresses) throws Exception {
        var f = m.resolve(host, port, addresses, ImmediateEventExecutor.INSTANCE);
        assertThat(f.await(10, TimeUnit.SECONDS)).isTrue();
        if (!f.isSuccess()) {
            throw new AssertionError(f.cause());
        }
        return f.getNow();
    }

    static Stream<Arguments> mappings() {
        return Stream.of(
                Arguments.of(Named.of("--resolve HOST:PORT:ADDR", List.of("example.com:443:127.0.0.2")), List.of(),
                        "example.com", 443, "127.0.0.2:443", "--resolve"),
                Arguments.of(Named.of("--resolve matches case-insensitively, trailing dot ignored",
                        List.of("Example.COM.:443:127.0.0.2")), List.of(), "example.com", 443, "127.0.0.2:443",
                        "--resolve"),
                Arguments.of(Named.of("--resolve '+' prefix (curl: timeout entry) accepted",
                        List.of("+example.com:443:127.0.0.2")), List.of(), "example.com", 443, "127.0.0.2:443",
                        "--resolve"),
                Arguments.of(Named.of("--resolve with a bracketed IPv6 address",
                        List.of("example.com:443:[::1]")), List.of(), "example.com", 443, "[0:0:0:0:0:0:0:1]:443",
                        "--resolve"),
                Arguments.of(Named.of("--resolve with several addresses uses the first",
                        List.of("example.com:443:127.0.0.3,127.0.0.4")), List.of(), "example.com", 443,
                        "127.0.0.3:443", "--resolve"),
                Arguments.of(Named.of("--resolve wildcard host '*'", List.of("*:443:127.0.0.5")), List.of(),
                        "anything.example", 443, "127.0.0.5:443", "--resolve"),
                Arguments.of(Named.of("--connect-to HOST1:PORT1:HOST2:PORT2", List.of()),
                        List.of("example.com:443:127.0.0.6:8443"), "example.com", 443, "127.0.0.6:8443",
                        "--connect-to"),
                Arguments.of(Named.of("--connect-to with an empty HOST1 matches any host", List.of()),
                        List.of(":443:127.0.0.7:9443"), "other.example", 443, "127.0.0.7:9443", "--connect-to"),
                Arguments.of(Named.of("--connect-to with an empty PORT1 matches any port", List.of()),
                        List.of("example.com::127.0.0.8:9000"), "example.com", 80, "127.0.0.8:9000", "--connect-to"),
                Arguments.of(Named.of("--connect-to with an empty PORT2 keeps the port", List.of()),
                        List.of("example.com:80:127.0.0.9:"), "example.com", 80, "127.0.0.9:80", "--connect-to"),
                Arguments.of(Named.of("--connect-to to a name that --resolve maps",
                        List.of("backend.internal:9443:127.0.0.10")), List.of("example.com:443:backend.internal:9443"),
                        "example.com", 443, "127.0.0.10:9443", "--resolve"),
                Arguments.of(Named.of("a literal address the client asked for is not explicit", List.of()), List.of(),
                        "127.0.0.11", 80, "127.0.0.11:80", "literal"));
    }

    @ParameterizedTest
    @MethodSource("mappings")
    void mapsAsCurlDoes(List<String> resolve, List<String> connectTo, String host, int port, String expected,
                        String via) throws Exception {
        HostMap.Resolved r = resolve(HostMap.parse(resolve, connectTo), host, port, List.of());
        assertThat(Upstreams.format(r.address())).isEqualTo(expected);
        assertThat(r.via()).isEqualTo(via);
        assertThat(r.explicit()).isEqualTo(!via.equals("literal"));
    }

    @Test
    void upstreamAddressesFromTheConfigurationAreTrustedAndUsedBeforeDns() throws Exception {
        HostMap.Resolved r = resolve(HostMap.EMPTY, "svc.example", 8080, List.of("127.0.0.12"));
        assertThat(Upstreams.format(r.address())).isEqualTo("127.0.0.12:8080");
        assertThat(r.explicit()).isTrue();
    }

    @Test
    void theOperatorsFlagsComeBeforeTheConfigurationsAddresses() throws Exception {
        HostMap m = HostMap.parse(List.of(), List.of("svc.example:8080:127.0.0.13:8081"));
        assertThat(Upstreams.format(resolve(m, "svc.example", 8080, List.of("127.0.0.12")).address()))
                .isEqualTo("127.0.0.13:8081");
    }

    @Test
    void dnsAnswersAreResolvedOnceAndNotExplicit() throws Exception {
        HostMap.Resolved r = resolve(HostMap.EMPTY, "localhost", 80, List.of());
        assertThat(r.via()).isEqualTo("dns");
        assertThat(r.explicit()).isFalse();
        assertThat(r.address().isUnresolved()).isFalse();
    }

    /** A stand-in resolver: every name is 127.0.0.99, and each lookup is remembered. */
    static HostMap withStandInDns(HostMap m, List<String> asked) {
        return m.withResolver(name -> {
            asked.add(name);
            return new java.net.InetAddress[]{java.net.InetAddress.getByAddress(name, new byte[]{127, 0, 0, 99})};
        });
    }

    @Test
    void dnsAnswersForNamesTheOperatorGaveAreStillNotExplicit() throws Exception {
        List<String> asked = new java.util.concurrent.CopyOnWriteArrayList<>();
        HostMap m = withStandInDns(HostMap.parse(List.of(), List.of("a.example:80:backend.example:8080")), asked);
        HostMap.Resolved viaFlag = resolve(m, "a.example", 80, List.of());
        assertThat(viaFlag.via()).isEqualTo("dns");
        assertThat(viaFlag.explicit()).isFalse();
        HostMap.Resolved viaEndpoint = resolve(m, "svc.example", 80, List.of("endpoint.example"));
        assertThat(viaEndpoint.via()).isEqualTo("dns");
        assertThat(viaEndpoint.explicit()).isFalse();
        assertThat(asked).containsExactly("backend.example", "endpoint.example");
    }

    @Test
    void aConnectToThatKeepsTheClientsHostDoesNotVouchForIt() throws Exception {
        HostMap m = HostMap.parse(List.of(), List.of(":80::8080"));
        HostMap.Resolved r = resolve(m, "127.0.0.1", 80, List.of());
        assertThat(Upstreams.format(r.address())).isEqualTo("127.0.0.1:8080");
        assertThat(r.explicit()).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"2130706433", "0177.0.0.1", "017.0.0.1", "0x7f.1", "0x7F000001", "127.1", "0",
            "1.2.3.4.5", "127.0.0.1.1", "example.0x1"})
    void namesThatEndInANumberAreRefusedWithoutAskingTheResolver(String host) throws Exception {
        List<String> asked = new java.util.concurrent.CopyOnWriteArrayList<>();
        var f = withStandInDns(HostMap.EMPTY, asked).resolve(host, 80, List.of(), ImmediateEventExecutor.INSTANCE);
        assertThat(f.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(f.cause()).isInstanceOf(AddressGuard.Refused.class)
                .hasMessageStartingWith("address guard [numeric-host]: " + dev.tollgate.core.model.net.HostName.fold(host));
        assertThat(asked).isEmpty();
    }

    /**
     * Issue 7's spellings: the proxy reads IP literals by the one rule validation and routing use
     * ({@code IpAddress}); one they refuse is no literal here, and a name ending in digits of any script never
     * reaches the resolver (Java's own IPv4 parser reads {@code Character.digit}, Arabic-Indic digits included).
     */
    @ParameterizedTest
    @ValueSource(strings = {"010.0.0.1", "\u0661\u0660.\u0660.\u0660.\u0661", "999.1.1.1", "\uff11\uff10.0.0.1",
            "1.2.3", "fe80::1%eth0", "::ffff:010.0.0.1", "[::1%lo]"})
    void spellingsValidationRefusesAreNoLiteralAndNeverResolved(String host) throws Exception {
        assertThat(HostMap.literal(host)).isEmpty();
        List<String> asked = new java.util.concurrent.CopyOnWriteArrayList<>();
        var f = withStandInDns(HostMap.EMPTY, asked).resolve(host, 80, List.of(), ImmediateEventExecutor.INSTANCE);
        assertThat(f.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(f.cause()).isInstanceOf(AddressGuard.Refused.class)
                .hasMessageContaining("[numeric-host]");
        assertThat(asked).isEmpty();
    }

    @Test
    void anEntryForAnAddressCoversEverySpellingOfIt() throws Exception {
        // the maps compare addresses, not text: an entry for 10.0.0.1 must not be bypassed by writing the same
        // address another way, and an entry written in one spelling covers the others
        HostMap m = HostMap.parse(List.of("[2001:DB8:0::1]:443:127.0.0.21"),
                List.of("10.0.0.1:80:127.0.0.20:8080"));
        for (String spelling : List.of("10.0.0.1", "::ffff:10.0.0.1", "[::ffff:10.0.0.1]", "::FFFF:a00:1",
                "0:0:0:0:0:ffff:10.0.0.1")) {
            HostMap.Resolved r = resolve(m, spelling, 80, List.of());
            assertThat(Upstreams.format(r.address())).as(spelling).isEqualTo("127.0.0.20:8080");
            assertThat(r.via()).as(spelling).isEqualTo("--connect-to");
        }
        for (String spelling : List.of("2001:db8::1", "[2001:db8::1]", "2001:0db8:0:0:0:0:0:0001")) {
            assertThat(resolve(m, spelling, 443, List.of()).via()).as(spelling).isEqualTo("--resolve");
        }
        // a different address, and a spelling that is no address at all, are not covered
        assertThat(Upstreams.format(resolve(m, "10.0.0.2", 80, List.of()).address())).isEqualTo("10.0.0.2:80");
        assertThat(resolve(m, "2001:db8::2", 443, List.of()).via()).isEqualTo("literal");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> resolve(m, "010.0.0.1", 80, List.of()))
                .hasMessageNotContaining("127.0.0.20");
    }

    @Test
    void anIpv4MappedLiteralConnectsToTheIpv4AddressItEmbeds() throws Exception {
        assertThat(HostMap.literal("::ffff:10.0.0.1")).contains(java.net.InetAddress.getByAddress(new byte[]{10, 0, 0, 1}));
        assertThat(HostMap.literal("[::ffff:10.0.0.1]")).isPresent();
        HostMap.Resolved r = resolve(HostMap.EMPTY, "::ffff:10.0.0.1", 80, List.of());
        assertThat(r.via()).isEqualTo("literal");
        assertThat(r.explicit()).isFalse(); // so the guard judges it, as the private address 10.0.0.1
        assertThat(AddressGuard.DEFAULT.check("::ffff:10.0.0.1", r, false))
                .hasValueSatisfying(refused -> assertThat(refused.rule).isEqualTo(AddressGuard.Rule.PRIVATE));
    }

    @ParameterizedTest
    @ValueSource(strings = {"017.0.0.1", "127.0.0.01", "::ffff:127.0.0.01"})
    void dottedPartsWithALeadingZeroAreNotLiterals(String text) {
        assertThat(HostMap.literal(text)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"example.com:443", "example.com:0:127.0.0.1", "example.com:70000:127.0.0.1",
            "example.com:443:not-an-address", "-example.com:443", ":443:127.0.0.1", "example.com:x:127.0.0.1"})
    void malformedResolveEntriesAreRejectedWithTheFlag(String entry) {
        assertThatThrownBy(() -> HostMap.parse(List.of(entry), List.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("--resolve " + entry);
    }

    @ParameterizedTest
    @ValueSource(strings = {"a:1:b", "a:1:b:70000", "a:x:b:1", "a:0:b:1"})
    void malformedConnectToEntriesAreRejectedWithTheFlag(String entry) {
        assertThatThrownBy(() -> HostMap.parse(List.of(), List.of(entry)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("--connect-to " + entry);
    }

    @Test
    void aNameResolvedMomentsAgoIsAnsweredWithoutWaiting() throws Exception {
        HostMap m = HostMap.parse(List.of(), List.of());
        HostMap.Resolved first = resolve(m, "localhost", 8080, List.of());
        assertThat(first.via()).isEqualTo("dns");
        // no hand-off to a DNS thread: the future is complete when resolve returns
        var again = m.resolve("LOCALHOST.", 9090, List.of(), ImmediateEventExecutor.INSTANCE);
        assertThat(again.isSuccess()).isTrue();
        assertThat(again.getNow().address().getAddress()).isEqualTo(first.address().getAddress());
        assertThat(again.getNow().address().getPort()).isEqualTo(9090);
        assertThat(again.getNow().explicit()).isEqualTo(first.explicit());
        assertThat(again.getNow().via()).isEqualTo("dns");
    }
}
