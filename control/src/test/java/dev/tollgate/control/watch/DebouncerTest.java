package dev.tollgate.control.watch;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DebouncerTest {

    @Test
    void aBurstRunsOnceAfterItGoesQuiet() {
        AtomicInteger runs = new AtomicInteger();
        try (Debouncer d = new Debouncer(Duration.ofMillis(100), Duration.ofSeconds(5), runs::incrementAndGet)) {
            for (int i = 0; i < 200; i++) {
                d.changed();
            }
            assertThat(runs.get()).isZero();
            WatchHarness.sleep(600);
            assertThat(runs.get()).isEqualTo(1);
        }
    }

    @Test
    void changesThatNeverStopStillRunAtTheMaximumInterval() {
        AtomicInteger runs = new AtomicInteger();
        try (Debouncer d = new Debouncer(Duration.ofMillis(100), Duration.ofMillis(300), runs::incrementAndGet)) {
            long end = System.nanoTime() + Duration.ofMillis(1500).toNanos();
            while (System.nanoTime() < end) {
                d.changed();
                WatchHarness.sleep(20);
            }
            // never 100 ms quiet: without the maximum it would not have run at all
            assertThat(runs.get()).isBetween(3, 6);
        }
    }

    @Test
    void aFailingTaskDoesNotStopLaterRuns() {
        AtomicInteger runs = new AtomicInteger();
        try (Debouncer d = new Debouncer(Duration.ofMillis(20), Duration.ofMillis(50), () -> {
            runs.incrementAndGet();
            throw new IllegalStateException("boom");
        })) {
            d.changed();
            WatchHarness.sleep(200);
            d.changed();
            WatchHarness.sleep(200);
            assertThat(runs.get()).isEqualTo(2);
        }
    }

    @Test
    void refusesAMaximumShorterThanTheQuietTime() {
        assertThatThrownBy(() -> new Debouncer(Duration.ofSeconds(1), Duration.ofMillis(10), () -> { }))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
