package dev.tollgate.proxy;

import java.io.PrintStream;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/** Access log sinks. A sink is called on event loops, so it must not block: {@link #stdout} hands lines to a writer thread. */
public final class AccessLog {
    public enum Format { JSON, TEXT }

    private AccessLog() {
    }

    /**
     * Writes one line per entry to {@code out} from a background thread; when the queue (8192 lines) is full,
     * lines are dropped and counted rather than blocking traffic.
     */
    public static Consumer<AccessLogEntry> printing(PrintStream out, Format format) {
        BlockingQueue<String> queue = new ArrayBlockingQueue<>(8192);
        AtomicLong dropped = new AtomicLong();
        Thread writer = Thread.ofPlatform().daemon().name("tollgate-access-log").start(() -> {
            try {
                while (true) {
                    out.println(queue.take());
                    long d = dropped.getAndSet(0);
                    if (d > 0) {
                        out.println("{\"access_log_dropped\":" + d + "}");
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        writer.setUncaughtExceptionHandler((t, e) -> { });
        return entry -> {
            if (!queue.offer(format == Format.TEXT ? entry.text() : entry.json())) {
                dropped.incrementAndGet();
            }
        };
    }

    public static Consumer<AccessLogEntry> stdout(Format format) {
        return printing(System.out, format);
    }
}
