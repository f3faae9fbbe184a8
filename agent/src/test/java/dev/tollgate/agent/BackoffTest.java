package dev.tollgate.agent;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BackoffTest {
    @Test
    void ceilingsDoubleFromTheBaseToTheCapAndAResetStartsOver() {
        Backoff b = new Backoff(Backoff.DEFAULT, () -> 0.999999);
        long[] expected = {499, 999, 1999, 3999, 7999, 15999, 29999, 29999};
        for (long e : expected) {
            assertThat(b.next().toMillis()).isEqualTo(e);
        }
        for (int i = 0; i < 100; i++) {
            assertThat(b.next()).as("no overflow after many failures").isEqualTo(Duration.ofMillis(29999));
        }
        b.reset();
        assertThat(b.ceiling()).isEqualTo(Duration.ofMillis(500));
    }

    @Test
    void fullJitterCanWaitNothing() {
        assertThat(new Backoff(Backoff.DEFAULT, () -> 0).next()).isZero();
    }

    @Test
    void aPolicyNeedsAPositiveBaseUnderItsCap() {
        assertThatThrownBy(() -> new Backoff.Policy(Duration.ZERO, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Backoff.Policy(Duration.ofSeconds(2), Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
