package dev.tollgate.proxy;

import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/** Access log sinks. A sink is called on event loops, so it must not block: {@link #stdout} hands lines to a writer thread. */
public final class AccessLog {
    public enum Format { JSON, TEXT }

    static final int QUEUE = 8192;
    private static final int BATCH = 512;

    private AccessLog() {
    }

    /**
     * Writes one line per entry to {@code out} from a background thread; when the queue (8192 entries) is full,
     * entries are dropped and counted rather than blocking traffic.
     *
     * <p>The event loop only queues the entry: the line is built on the writer thread, which takes whatever has
     * queued up at once, writes it as one block and flushes once per block. The writer is woken only when it sleeps,
     * not once per line (issue 6 section 4: a wake-up and a flush per request cost the event loop).
     */
    public static Consumer<AccessLogEntry> printing(PrintStream out, Format format) {
        BlockingQueue<AccessLogEntry> queue = new ArrayBlockingQueue<>(QUEUE);
        AtomicLong dropped = new AtomicLong();
        AtomicBoolean sleeping = new AtomicBoolean();
        Thread writer = Thread.ofPlatform().daemon().name("tollgate-access-log").unstarted(() -> {
            List<AccessLogEntry> batch = new ArrayList<>(BATCH);
            StringBuilder lines = new StringBuilder(BATCH * 512);
            // encodes through its own reused buffer: no String and byte[] copy of every batch
            Writer encoder = new OutputStreamWriter(out, StandardCharsets.UTF_8);
            char[] chars = new char[BATCH * 512];
            while (!Thread.currentThread().isInterrupted()) {
                if (queue.drainTo(batch, BATCH) == 0) {
                    sleeping.set(true);
                    if (queue.isEmpty()) {
                        // the timeout only bounds a wake-up lost to a bug; producers unpark a sleeping writer
                        LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(1));
                    }
                    sleeping.set(false);
                    continue;
                }
                lines.setLength(0);
                for (AccessLogEntry e : batch) {
                    if (format == Format.TEXT) {
                        lines.append(e.text());
                    } else {
                        e.appendJson(lines);
                    }
                    lines.append('\n');
                }
                batch.clear();
                long d = dropped.getAndSet(0);
                if (d > 0) {
                    lines.append("{\"access_log_dropped\":").append(d).append("}\n");
                }
                if (chars.length < lines.length()) {
                    chars = new char[lines.capacity()];
                }
                lines.getChars(0, lines.length(), chars, 0);
                try {
                    encoder.write(chars, 0, lines.length());
                    encoder.flush();
                } catch (IOException e) {
                    // stdout is gone: keep draining so that the event loops never block on a full queue
                }
                if (lines.capacity() > BATCH * 4096) {
                    lines.setLength(0);
                    lines.trimToSize();
                    chars = new char[BATCH * 512];
                }
            }
        });
        writer.setUncaughtExceptionHandler((t, e) -> { });
        writer.start();
        return entry -> {
            if (!queue.offer(entry)) {
                dropped.incrementAndGet();
            } else if (sleeping.get() && sleeping.compareAndSet(true, false)) {
                LockSupport.unpark(writer);
            }
        };
    }

    public static Consumer<AccessLogEntry> stdout(Format format) {
        return printing(System.out, format);
    }
}
