package dev.tollgate.core.snapshot;

import dev.tollgate.core.model.MeshSettings;
import dev.tollgate.core.model.OutboundMode;
import dev.tollgate.core.model.WorkloadRef;
import dev.tollgate.core.testing.TestConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 7's IP disagreements through the snapshot API: ServiceEntry {@code addresses} are read by the one
 * {@code IpAddress}/{@code IpPrefix} rule, so routing agrees with validation ({@code config}'s ValidationRulesTest)
 * and the proxy ({@code HostMapTest}, {@code AddressGuardTest}) on the same four spellings. The registry is built
 * without validation here, as if a bad address had slipped past it: it must then match nothing.
 */
class IpLiteralAgreementTest {
    private static final WorkloadRef SLEEP = new WorkloadRef("default", "sleep", Map.of("app", "sleep"));

    private static MeshSnapshot withAddress(String address) {
        return SnapshotCompiler.compile(TestConfig.create()
                .mesh(MeshSettings.DEFAULTS.withOutboundMode(OutboundMode.REGISTRY_ONLY))
                .apply("default", """
                        apiVersion: networking.istio.io/v1
                        kind: ServiceEntry
                        metadata: {name: db}
                        spec:
                          hosts: [db.example.com]
                          addresses: ["%s"]
                          ports: [{number: 5432, name: tcp, protocol: TCP}]
                          resolution: NONE
                        """.formatted(address)).build());
    }

    @Test
    void anIpv4MappedAddressIsAnIpv6AddressThatMatchesOnlyItself() {
        MeshSnapshot s = withAddress("::ffff:10.0.0.1");
        var forward = s.outbound(SLEEP, OutboundRequest.tcp("::ffff:10.0.0.1", 5432));
        assertThat(forward).isInstanceOf(OutboundDecision.Forward.class);
        assertThat(((OutboundDecision.Forward) forward).upstream().addresses()).containsExactly("::ffff:10.0.0.1");
        // Envoy's CidrRange never matches across IP versions, and Istio keeps a 4in6 address a /128
        assertThat(s.outbound(SLEEP, OutboundRequest.tcp("10.0.0.1", 5432)))
                .isInstanceOf(OutboundDecision.Refused.class);
    }

    @Test
    void anIpv4AddressDoesNotMatchItsMappedForm() {
        MeshSnapshot s = withAddress("10.0.0.1");
        assertThat(s.outbound(SLEEP, OutboundRequest.tcp("10.0.0.1", 5432)))
                .isInstanceOf(OutboundDecision.Forward.class);
        assertThat(s.outbound(SLEEP, OutboundRequest.tcp("::ffff:10.0.0.1", 5432)))
                .isInstanceOf(OutboundDecision.Refused.class);
    }

    @ParameterizedTest(name = "addresses [{0}] is no address: it matches nothing")
    @ValueSource(strings = {"010.0.0.1", "\u0661\u0660.\u0660.\u0660.\u0661", "999.1.1.1", "10.0.0.1 ", "[10.0.0.1]"})
    void aSpellingOnlyOneParserUsedToReadMatchesNothing(String address) {
        MeshSnapshot s = withAddress(address);
        assertThat(s.outbound(SLEEP, OutboundRequest.tcp(address, 5432))).isInstanceOf(OutboundDecision.Refused.class);
        assertThat(s.outbound(SLEEP, OutboundRequest.tcp("10.0.0.1", 5432)))
                .isInstanceOf(OutboundDecision.Refused.class);
        assertThat(s.outbound(SLEEP, OutboundRequest.tcp("8.0.0.1", 5432))) // 010 read as octal
                .isInstanceOf(OutboundDecision.Refused.class);
    }

    @ParameterizedTest(name = "a request to {0} is no IP literal")
    @ValueSource(strings = {"010.0.0.1", "\u0661\u0660.\u0660.\u0660.\u0661", "999.1.1.1"})
    void aRequestedHostThatIsNoLiteralIsNotMatchedByAddress(String host) {
        MeshSnapshot s = withAddress("0.0.0.0/0");
        assertThat(s.outbound(SLEEP, OutboundRequest.tcp(host, 5432))).isInstanceOf(OutboundDecision.Refused.class);
        assertThat(s.outbound(SLEEP, OutboundRequest.tcp("10.0.0.1", 5432)))
                .isInstanceOf(OutboundDecision.Forward.class);
    }
}
