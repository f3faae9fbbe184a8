package dev.tollgate.proxy;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * A token bucket per client key (a principal, or an address): {@link Limits#bucketSize()} tokens, refilled at
 * {@link Limits#requestRate()} per second, one taken per request. Buckets that have refilled are forgotten now and
 * then, so that many clients (or many spoofed keys) cannot grow the map without bound.
 */
final class RequestRate {
    private static final int SWEEP_EVERY = 1024;

    private final double tokensPerNano;
    private final double size;
    private final LongSupplier clock;
    private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();
    private final AtomicLong calls = new AtomicLong();

    RequestRate(Limits limits) {
        this(limits, System::nanoTime);
    }

    RequestRate(Limits limits, LongSupplier nanoClock) {
        this.tokensPerNano = limits.requestRate() / 1e9;
        this.size = limits.bucketSize();
        this.clock = nanoClock;
    }

    boolean enabled() {
        return tokensPerNano > 0;
    }

    /** Takes one token from {@code key}'s bucket; false when it is empty (the request is over the rate). */
    boolean tryAcquire(String key) {
        if (!enabled()) {
            return true;
        }
        long now = clock.getAsLong();
        if (calls.incrementAndGet() % SWEEP_EVERY == 0) {
            buckets.values().removeIf(b -> b.full(now));
        }
        return buckets.computeIfAbsent(key, k -> new Bucket(size, now)).take(now);
    }

    /** The refusal's reason, for the response body and the access log. */
    String reason(String key) {
        double r = tokensPerNano * 1e9;
        String rate = r == Math.rint(r) ? Long.toString(Math.round(r)) : Double.toString(r);
        return "rate limit: " + key + " sent more than " + rate + " requests/s (limit: request-rate, burst "
                + (long) size + ")";
    }

    int tracked() {
        return buckets.size();
    }

    private final class Bucket {
        private double tokens;
        private long last;

        Bucket(double tokens, long now) {
            this.tokens = tokens;
            this.last = now;
        }

        synchronized boolean take(long now) {
            refill(now);
            if (tokens < 1) {
                return false;
            }
            tokens -= 1;
            return true;
        }

        synchronized boolean full(long now) {
            refill(now);
            return tokens >= size;
        }

        private void refill(long now) {
            if (now > last) {
                tokens = Math.min(size, tokens + (now - last) * tokensPerNano);
                last = now;
            }
        }
    }
}
