package dev.tollgate.control.watch;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs a task once changes have gone quiet, and at the latest {@code max} after the first change since the last run:
 * a {@code kubectl apply} of a hundred objects makes one snapshot, not a hundred, and a cluster that never stops
 * changing still gets a snapshot every {@code max}. The task runs on one thread, never twice at once.
 */
final class Debouncer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Debouncer.class);

    private final long quietNanos;
    private final long maxNanos;
    private final Runnable task;
    private final ScheduledExecutorService executor;
    private ScheduledFuture<?> pending;
    private long firstChange;
    /** Which scheduled run is the live one: a run that started just as a change rescheduled it is stale. */
    private long ticket;

    Debouncer(Duration quiet, Duration max, Runnable task) {
        if (quiet.isNegative() || quiet.isZero() || max.compareTo(quiet) < 0) {
            throw new IllegalArgumentException("need 0 < quiet <= max, got quiet " + quiet + ", max " + max);
        }
        this.quietNanos = quiet.toNanos();
        this.maxNanos = max.toNanos();
        this.task = Objects.requireNonNull(task);
        this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tollgate-watch-debounce");
            t.setDaemon(true);
            return t;
        });
    }

    /** A change: (re)schedules the task. */
    synchronized void changed() {
        long now = System.nanoTime();
        if (pending == null) {
            firstChange = now;
        } else {
            pending.cancel(false);
        }
        long delay = Math.min(quietNanos, Math.max(0, firstChange + maxNanos - now));
        long mine = ++ticket;
        pending = executor.schedule(() -> run(mine), delay, TimeUnit.NANOSECONDS);
    }

    private void run(long mine) {
        synchronized (this) {
            if (mine != ticket) {
                // a change came as this run started and could not cancel it; the run it scheduled will come
                return;
            }
            // changes from here on schedule the next run; this one reads the objects after this point
            pending = null;
        }
        try {
            task.run();
        } catch (RuntimeException | LinkageError e) {
            // a failed build must not end the thread that every later change needs
            LOG.error("building a snapshot failed; the previous one stays in force", e);
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
