package dev.tollgate.cli;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 7: under REGISTRY_ONLY, {@code tollgate check https://\u212Aey.example.com/} (a Kelvin sign) said ALLOWED,
 * as {@code key.example.com}, because {@code toLowerCase} folded the sign; the proxy refused the name. Now
 * {@code check} and {@code explain} refuse it at the URL with the reason the proxy answers
 * ({@code proxy/HostileNonAsciiHostTest}), word for word, and the ASCII name is still allowed.
 */
class NonAsciiHostTest {
    static final String REASON = "is not ASCII; Tollgate accepts only ASCII host names (write IDNs in their xn-- form)";

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
            "check, https://\u212Aey.example.com/, \\u212Aey.example.com",
            "check, http://\u212Aey.example.com:80/x, \\u212Aey.example.com",
            "check, tcp://\u212Aey.example.com:443, \\u212Aey.example.com",
            "explain, https://\u212Aey.example.com/, \\u212Aey.example.com",
            "check, https://\u0130stio.example.com/, \\u0130stio.example.com",
            "check, https://\uff4Bey.example.com/, \\uFF4Bey.example.com"
    })
    void aNonAsciiLookAlikeOfARegisteredHostIsRefusedWithTheProxysReason(String command, String url, String shown)
            throws Exception {
        Path se = dir.resolve("key.yaml");
        Files.writeString(se, """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: key, namespace: default}
                spec:
                  hosts: [key.example.com]
                  ports: [{number: 443, name: tls, protocol: TLS}, {number: 80, name: http, protocol: HTTP}]
                  resolution: DNS
                """);
        String[] common = {"-f", se.toString(), "--set", "meshConfig.outboundTrafficPolicy.mode=REGISTRY_ONLY",
                "--from", "default/sleep"};
        if (!url.startsWith("tcp:")) {
            // opaque TCP to a TLS port is refused whatever the name; the control is for http and https
            CliRun ascii = CliRun.of(concat(command, common, url.replace(url.substring(url.indexOf("//") + 2,
                    url.indexOf(".example.com")), "key")));
            assertThat(ascii.exitCode()).as("the ASCII name is registered: %s", ascii.err()).isZero();
        }

        CliRun r = CliRun.of(concat(command, common, url));
        assertThat(r.exitCode()).as("a usage error: %s / %s", r.out(), r.err()).isEqualTo(2);
        assertThat(r.err()).contains("host \"" + shown + "\" " + REASON).doesNotContain("internal error");
        assertThat(r.out()).doesNotContain("ALLOWED").doesNotContain("allowed");
    }

    private static String[] concat(String command, String[] common, String url) {
        String[] all = new String[common.length + 2];
        all[0] = command;
        System.arraycopy(common, 0, all, 1, common.length);
        all[all.length - 1] = url;
        return all;
    }
}
