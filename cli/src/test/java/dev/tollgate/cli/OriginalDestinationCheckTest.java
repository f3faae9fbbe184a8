package dev.tollgate.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code check --original-destination}: the capture listener's question, with the pinned-address rule. */
class OriginalDestinationCheckTest {
    @TempDir
    Path dir;

    private Path config() throws Exception {
        Path f = dir.resolve("entries.yaml");
        Files.writeString(f, """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: yahoo, namespace: default}
                spec:
                  hosts: [developer.yahoo.com]
                  addresses: [198.18.0.5]
                  ports: [{number: 443, name: tls, protocol: TLS}]
                  resolution: DNS
                ---
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: google, namespace: default}
                spec:
                  hosts: [developers.google.com]
                  ports: [{number: 443, name: tls, protocol: TLS}]
                  resolution: DNS
                """);
        return f;
    }

    @Test
    void anSniToAnAddressPinnedToAnotherHostIsBlocked() throws Exception {
        Path f = config();
        CliRun plain = CliRun.of("check", "-f", f.toString(), "--from", "default/sleep",
                "https://developers.google.com/");
        assertThat(plain.exitCode()).as(plain.out() + plain.err()).isZero();
        CliRun pinned = CliRun.of("check", "-f", f.toString(), "--from", "default/sleep",
                "--original-destination", "198.18.0.5", "https://developers.google.com/");
        assertThat(pinned.exitCode()).as(pinned.out() + pinned.err()).isNotZero().isNotEqualTo(2);
        assertThat(pinned.out()).contains("SNI developers.google.com does not match the original destination "
                + "198.18.0.5, which ServiceEntry default/yahoo pins to developer.yahoo.com");
        CliRun own = CliRun.of("check", "-f", f.toString(), "--from", "default/sleep",
                "--original-destination", "198.18.0.5", "https://developer.yahoo.com/");
        assertThat(own.exitCode()).as(own.out() + own.err()).isZero();
    }

    @Test
    void anOriginalDestinationThatIsNoAddressIsAUsageError() throws Exception {
        CliRun r = CliRun.of("check", "-f", config().toString(), "--from", "default/sleep",
                "--original-destination", "developer.yahoo.com", "https://developer.yahoo.com/");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("--original-destination developer.yahoo.com: expected an IP address");
    }
}
