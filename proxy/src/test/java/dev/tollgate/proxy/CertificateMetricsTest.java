package dev.tollgate.proxy;

import dev.tollgate.testkit.MutableClock;

import dev.tollgate.identity.IssuedCertificate;
import dev.tollgate.identity.RotatingCertificate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The workload certificate's metrics on /metrics: its expiry as a timestamp and the renewal counters, read from the
 * RotatingCertificate's state. Reading them must not issue a certificate (asking for the current one would, once
 * the held one has expired).
 */
class CertificateMetricsTest {
    static Rig rig;
    static final AtomicInteger issued = new AtomicInteger();
    static final MutableClock clock = new MutableClock(Instant.now());
    static RotatingCertificate rotating;
    static Sidecar sidecar;

    @BeforeAll
    static void start() throws Exception {
        rig = new Rig();
        rotating = new RotatingCertificate(() -> {
            issued.incrementAndGet();
            CertifiedKey k = rig.mesh.workload(Rig.TD, "default", "sleep");
            return new IssuedCertificate(k.key(), k.chain().getFirst(), k.chain());
        }, clock);
        SidecarSettings s = SidecarSettings.defaults(Rig.DEFAULT_SLEEP,
                        MeshIdentity.rotating(rotating, rig.mesh.root))
                .withListen(new InetSocketAddress("127.0.0.1", 0))
                .withAdmin(Optional.of(new InetSocketAddress("127.0.0.1", 0)))
                .withAccessLog(rig.log::add)
                .withIoThreads(1);
        sidecar = Sidecar.start(s, rig.snapshot::get);
        rig.sidecars.add(sidecar);
    }

    @AfterAll
    static void stop() throws Exception {
        rotating.close();
        rig.close();
    }

    @Test
    void expiryAndRenewalsAreExportedWithoutIssuing() throws Exception {
        int before = issued.get();
        Instant notAfter = rotating.notAfter();
        // the held certificate has expired by this clock: current() would issue a new one now
        clock.set(notAfter.plus(Duration.ofMinutes(1)));
        String metrics = Rig.get(HttpClient.newHttpClient(),
                "http://127.0.0.1:" + sidecar.adminAddress().orElseThrow().getPort() + "/metrics").body();
        assertThat(value(metrics, "tollgate_certificate_expiry_timestamp_seconds"))
                .isEqualTo((double) notAfter.getEpochSecond());
        assertThat(value(metrics, "tollgate_certificate_renewals_total")).isZero();
        assertThat(value(metrics, "tollgate_certificate_renewal_failures_total")).isZero();
        assertThat(issued.get()).as("scraping /metrics issued a certificate").isEqualTo(before);
        assertThat(metrics).doesNotContain("tollgate_certificate_expiry_seconds");
    }

    /** The value of the one series named {@code name} (with the proxy's common tags). */
    static double value(String metrics, String name) {
        List<String> lines = metrics.lines().filter(l -> l.startsWith(name + "{")).toList();
        assertThat(lines).as(name + " in\n" + metrics).hasSize(1);
        String line = lines.getFirst();
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
    }
}
