package dev.tollgate.proxy;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The arithmetic behind the limits: the ceiling that file descriptors allow, and the token buckets. */
class LimitsTest {
    @Test
    void theCeilingLeavesTwoDescriptorsPerConnectionAndAReserve() {
        assertThat(ConnectionLimits.ceiling(32768, 1_048_576)).isEqualTo(32768);
        assertThat(ConnectionLimits.ceiling(32768, 20_000)).isEqualTo((20_000 - 1024) / 2);
        // a tiny limit keeps a quarter back rather than nothing
        assertThat(ConnectionLimits.ceiling(32768, 1024)).isEqualTo((1024 - 256) / 2);
        assertThat(ConnectionLimits.ceiling(100, -1)).isEqualTo(100);
    }

    @Test
    void aBucketAllowsItsBurstThenTheRate() {
        AtomicLong now = new AtomicLong();
        RequestRate rate = new RequestRate(Limits.DEFAULTS.withRequestRate(2, 3), now::get);
        assertThat(rate.tryAcquire("a")).isTrue();
        assertThat(rate.tryAcquire("a")).isTrue();
        assertThat(rate.tryAcquire("a")).isTrue();
        assertThat(rate.tryAcquire("a")).isFalse();
        assertThat(rate.tryAcquire("b")).as("another client has its own bucket").isTrue();
        now.addAndGet(Duration.ofMillis(499).toNanos());
        assertThat(rate.tryAcquire("a")).isFalse();
        now.addAndGet(Duration.ofMillis(1).toNanos());
        assertThat(rate.tryAcquire("a")).isTrue();
        assertThat(rate.tryAcquire("a")).isFalse();
        // a long pause refills to the burst, not beyond
        now.addAndGet(Duration.ofHours(1).toNanos());
        for (int i = 0; i < 3; i++) {
            assertThat(rate.tryAcquire("a")).isTrue();
        }
        assertThat(rate.tryAcquire("a")).isFalse();
    }

    @Test
    void withoutABurstTheBucketHoldsOneSecond() {
        assertThat(Limits.DEFAULTS.withRequestRate(50, 0).bucketSize()).isEqualTo(50);
        assertThat(Limits.DEFAULTS.withRequestRate(0.2, 0).bucketSize()).isEqualTo(1);
        assertThat(new RequestRate(Limits.DEFAULTS).enabled()).isFalse();
        assertThat(new RequestRate(Limits.DEFAULTS).tryAcquire("x")).isTrue();
    }

    @Test
    void refilledBucketsAreForgottenSoManyClientsCannotGrowTheMap() {
        AtomicLong now = new AtomicLong();
        RequestRate rate = new RequestRate(Limits.DEFAULTS.withRequestRate(10, 10), now::get);
        for (int i = 0; i < 5000; i++) {
            rate.tryAcquire("client-" + i);
            now.addAndGet(Duration.ofMillis(1).toNanos());
        }
        // a bucket refills in 100 ms: only the clients of about the last 100 ms (plus up to one sweep) remain
        assertThat(rate.tracked()).isLessThan(1200);
    }

    @Test
    void nonsenseLimitsAreRefused() {
        assertThatThrownBy(() -> Limits.DEFAULTS.withHeaderTimeout(Duration.ZERO))
                .hasMessageContaining("header timeout must be positive");
        assertThatThrownBy(() -> Limits.DEFAULTS.withMaxConnectionsPerSource(-1))
                .hasMessageContaining("per-source connection limit");
        assertThatThrownBy(() -> Limits.DEFAULTS.withRequestRate(Double.NaN, 0))
                .hasMessageContaining("request rate");
    }
}
