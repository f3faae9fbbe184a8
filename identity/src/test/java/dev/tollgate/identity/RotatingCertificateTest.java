package dev.tollgate.identity;

import dev.tollgate.testkit.MutableClock;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RotatingCertificateTest {

    private final MutableClock clock = new MutableClock(Instant.parse("2026-03-01T12:00:00Z"));
    private final MeshCa ca = MeshCa.generate("cluster.local", clock);
    private final AtomicInteger issued = new AtomicInteger();
    private final AtomicBoolean failing = new AtomicBoolean();

    private IssuedCertificate issue() {
        if (failing.get()) {
            throw new IllegalStateException("CA unreachable");
        }
        issued.incrementAndGet();
        return ca.issueWorkload("default", "sleep", Duration.ofHours(24));
    }

    @Test
    void renewsAtTwoThirdsOfTheLifetime() {
        try (var rotating = new RotatingCertificate(this::issue, clock, false)) {
            IssuedCertificate first = rotating.current();
            // lifetime = 24 h + the 1 minute backdating; 2/3 of it after notBefore
            Duration lifetime = Duration.ofHours(24).plusMinutes(1);
            assertThat(rotating.renewAt()).isEqualTo(first.notBefore().plus(lifetime.multipliedBy(2).dividedBy(3)));

            clock.set(rotating.renewAt().minusSeconds(1));
            assertThat(rotating.renewIfDue()).isFalse();
            assertThat(rotating.current()).isSameAs(first);

            clock.set(rotating.renewAt());
            assertThat(rotating.renewIfDue()).isTrue();
            assertThat(rotating.current()).isNotSameAs(first);
            assertThat(rotating.current().notAfter()).isAfter(first.notAfter());
            assertThat(rotating.renewals()).isEqualTo(1);
        }
    }

    @Test
    void listenersHearEveryRenewalEvenIfOneThrows() {
        try (var rotating = new RotatingCertificate(this::issue, clock, false)) {
            List<IssuedCertificate> heard = new ArrayList<>();
            rotating.addListener(c -> {
                throw new RuntimeException("broken listener");
            });
            rotating.addListener(heard::add);
            clock.set(rotating.renewAt());
            rotating.renewIfDue();
            clock.set(rotating.renewAt());
            rotating.renewIfDue();
            assertThat(heard).hasSize(2);
            assertThat(heard.getLast()).isSameAs(rotating.current());
        }
    }

    @Test
    void neverServesAnExpiredCertificate() {
        try (var rotating = new RotatingCertificate(this::issue, clock, false)) {
            IssuedCertificate first = rotating.current();
            clock.set(first.notAfter()); // no renewal ran (the machine slept)
            IssuedCertificate now = rotating.current();
            assertThat(now).isNotSameAs(first);
            assertThat(now.notAfter()).isAfter(clock.instant());
            assertThat(issued).hasValue(2);
        }
    }

    @Test
    void throwsRatherThanServeAnExpiredCertificateWhenTheCaIsDown() {
        try (var rotating = new RotatingCertificate(this::issue, clock, false)) {
            IssuedCertificate first = rotating.current();
            failing.set(true);
            clock.set(first.notAfter().plusSeconds(1));
            assertThatThrownBy(rotating::current).isInstanceOf(IllegalStateException.class).hasMessageContaining("expired");
            assertThat(rotating.renewalFailures()).isEqualTo(1);
            failing.set(false);
            assertThat(rotating.current().notAfter()).isAfter(clock.instant());
        }
    }

    @Test
    void failedRenewalKeepsTheValidCertificate() {
        try (var rotating = new RotatingCertificate(this::issue, clock, false)) {
            IssuedCertificate first = rotating.current();
            failing.set(true);
            clock.set(rotating.renewAt());
            assertThatThrownBy(rotating::renewIfDue).isInstanceOf(IllegalStateException.class);
            assertThat(rotating.current()).isSameAs(first);
            assertThat(rotating.notAfter()).isEqualTo(first.notAfter());
        }
    }

    @Test
    void refusesAnIssuerThatHandsOutExpiredCertificates() {
        IssuedCertificate stale = ca.issueWorkload("default", "sleep", Duration.ofHours(1));
        clock.advance(Duration.ofHours(2));
        assertThatThrownBy(() -> new RotatingCertificate(() -> stale, clock, false)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void backgroundRotatorStartsAndCloses() {
        var rotating = new RotatingCertificate(this::issue, clock);
        assertThat(rotating.current().spiffeId()).isPresent();
        rotating.close();
    }
}
