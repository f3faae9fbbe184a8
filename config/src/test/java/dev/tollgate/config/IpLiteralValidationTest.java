package dev.tollgate.config;

import dev.tollgate.core.model.Diagnostic;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 7's IP spellings through validation: the same answers as routing ({@code core}'s IpLiteralAgreementTest)
 * and the proxy ({@code HostMapTest}, {@code AddressGuardTest}). Istio validates ServiceEntry {@code addresses},
 * {@code destinationSubnets} and AuthorizationPolicy {@code ipBlocks} with Go's netip.ParseAddr/ParsePrefix, which
 * accept {@code ::ffff:10.0.0.1} and a prefix with host bits set, and refuse leading zeros and non-ASCII digits.
 */
class IpLiteralValidationTest {
    @TempDir
    Path dir;

    private static String serviceEntry(String address) {
        return ValidationRulesTest.document("ServiceEntry", "hosts: [db.example.com]\naddresses: [\"" + address
                + "\"]\nports:\n- number: 5432\n  name: tcp\n  protocol: TCP\nresolution: NONE");
    }

    private static String policy(String ipBlock) {
        return ValidationRulesTest.document("AuthorizationPolicy",
                "rules:\n- from:\n  - source:\n      ipBlocks: [\"" + ipBlock + "\"]");
    }

    private static String tcpRoute(String subnet) {
        return ValidationRulesTest.document("VirtualService", "hosts: [db.example.com]\ntcp:\n- match:\n"
                + "  - destinationSubnets: [\"" + subnet + "\"]\n  route:\n  - destination:\n      host: db.example.com");
    }

    @ParameterizedTest(name = "{0} is accepted everywhere")
    @ValueSource(strings = {"::ffff:10.0.0.1", "10.0.0.1", "10.0.0.1/8", "::ffff:10.0.0.0/104", "2001:db8::/32"})
    void accepted(String ip) {
        for (String yaml : new String[]{serviceEntry(ip), policy(ip), tcpRoute(ip)}) {
            LoadResult r = Fixtures.load(Fixtures.write(dir, "ok.yaml", yaml));
            assertThat(r.ok()).as(yaml + Fixtures.dump(r.diagnostics())).isTrue();
        }
    }

    @ParameterizedTest(name = "{0} is refused everywhere, at its line")
    @ValueSource(strings = {"010.0.0.1", "\u0661\u0660.\u0660.\u0660.\u0661", "999.1.1.1", "\uff11\uff10.0.0.1",
            "0x7f.1", "2130706433", "1.2.3", "fe80::1%eth0", "[::1]", "10.0.0.0/08", "10.0.0.1 "})
    void refused(String ip) {
        expectError(serviceEntry(ip), 8, "spec.addresses[0]", ip + " is not a valid IP address or CIDR block");
        expectError(policy(ip), 10, "spec.rules[0].from[0].source.ipBlocks[0]",
                (ip.contains("/") ? "bad CIDR range (" : "bad IP address (") + ip + ")");
        expectError(tcpRoute(ip), 10, "spec.tcp[0].match[0].destinationSubnets[0]",
                ip + " is not a valid IP address or CIDR block");
    }

    private void expectError(String yaml, int line, String path, String message) {
        Path file = Fixtures.write(dir, "bad.yaml", yaml);
        LoadResult r = Fixtures.load(file);
        assertThat(r.ok()).as(yaml).isFalse();
        assertThat(r.errors()).as(Fixtures.dump(r.diagnostics())).anySatisfy(d -> {
            assertThat(d.severity()).isEqualTo(Diagnostic.Severity.ERROR);
            assertThat(d.origin().source()).isEqualTo(file.toString());
            assertThat(d.origin().line()).isEqualTo(line);
            assertThat(d.fieldPath()).isEqualTo(path);
            assertThat(d.message()).contains(message);
        });
    }
}
