package dev.tollgate.agent;

import java.time.Duration;
import java.util.Objects;
import java.util.function.DoubleSupplier;

/**
 * Exponential backoff with full jitter (as AWS's architecture blog names it, and as grpc-java's own reconnects do in
 * spirit): the n-th retry waits a uniformly random time in [0, min(cap, base * 2^n)). The randomness matters more
 * than the growth: when a control-plane replica restarts, every proxy of the cluster loses its stream at the same
 * instant, and without jitter they would all come back in lockstep, every time.
 *
 * <p>Not thread-safe: one per reconnecting loop.
 */
public final class Backoff {
    /** 0.5 s doubling to 30 s: a restarted replica is found within a second, an outage costs a try every 15 s on average. */
    public static final Backoff.Policy DEFAULT = new Policy(Duration.ofMillis(500), Duration.ofSeconds(30));

    /** @param base the ceiling of the first wait; @param cap the largest ceiling */
    public record Policy(Duration base, Duration cap) {
        public Policy {
            if (base.isNegative() || base.isZero() || cap.compareTo(base) < 0) {
                throw new IllegalArgumentException("need 0 < base <= cap, got " + base + " and " + cap);
            }
        }
    }

    private final Policy policy;
    private final DoubleSupplier random;
    private int attempt;

    /** @param random uniform in [0, 1), e.g. {@code ThreadLocalRandom.current()::nextDouble} */
    public Backoff(Policy policy, DoubleSupplier random) {
        this.policy = Objects.requireNonNull(policy, "policy");
        this.random = Objects.requireNonNull(random, "random");
    }

    /** The ceiling of the next wait, before jitter. */
    public Duration ceiling() {
        long base = policy.base().toMillis();
        // shifting past 2^30 would overflow long arithmetic long before the cap matters
        long grown = attempt >= 30 ? Long.MAX_VALUE : base << attempt;
        return Duration.ofMillis(grown <= 0 || grown > policy.cap().toMillis() ? policy.cap().toMillis() : grown);
    }

    /** The next wait, and counts the attempt. */
    public Duration next() {
        Duration ceiling = ceiling();
        attempt++;
        return Duration.ofMillis((long) (random.getAsDouble() * ceiling.toMillis()));
    }

    /** After a success: the next failure starts again from the base. */
    public void reset() {
        attempt = 0;
    }
}
