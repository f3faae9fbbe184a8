package dev.tollgate.control.ca;

import dev.tollgate.identity.MeshCa;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.security.cert.X509Certificate;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** The per-root count of valid certificates that tells an operator when an old root may go. */
class IssuedPerRootTest {

    @Test
    void countsOnlyCertificatesNotYetExpired() {
        dev.tollgate.testkit.MutableClock clock = new dev.tollgate.testkit.MutableClock(java.time.Instant.parse("2026-01-01T00:00:00Z"));
        IssuedPerRoot l = new IssuedPerRoot(new SimpleMeterRegistry(), clock);
        X509Certificate root = MeshCa.generate("cluster.local").rootCertificate();
        String fp = Roots.fingerprint(root);
        l.issued(root, clock.instant().plus(Duration.ofHours(1)));
        l.issued(root, clock.instant().plus(Duration.ofHours(24)));
        assertThat(l.valid(fp)).isEqualTo(2);
        clock.advance(Duration.ofHours(2));
        assertThat(l.valid(fp)).isEqualTo(1);
        assertThat(l.lastExpiry(fp)).contains(java.time.Instant.parse("2026-01-02T00:00:00Z"));
        clock.advance(Duration.ofDays(1));
        assertThat(l.valid(fp)).isZero();
        assertThat(l.valid("no-such-root")).isZero();
        assertThat(l.lastExpiry("no-such-root")).isEmpty();
    }

    @Test
    void exportsOneSeriesPerRoot() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        IssuedPerRoot l = new IssuedPerRoot(registry);
        X509Certificate a = MeshCa.generate("cluster.local").rootCertificate();
        X509Certificate b = MeshCa.generate("cluster.local").rootCertificate();
        l.issued(a, java.time.Instant.now().plus(Duration.ofHours(1)));
        l.issued(a, java.time.Instant.now().plus(Duration.ofHours(1)));
        l.issued(b, java.time.Instant.now().plus(Duration.ofHours(1)));
        assertThat(registry.get("tollgate.ca.certificates.valid").tag("root", Roots.fingerprint(a)).gauge().value()).isEqualTo(2);
        assertThat(registry.get("tollgate.ca.certificates.valid").tag("root", Roots.fingerprint(b)).gauge().value()).isEqualTo(1);
    }
}
