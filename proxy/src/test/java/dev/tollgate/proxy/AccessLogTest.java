package dev.tollgate.proxy;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/** The access log writer: lines built off the event loop, in batches, none lost or reordered. */
class AccessLogTest {

    static AccessLogEntry entry(int i) {
        return entry(i, "r\u00e9ason \"" + i + "\"\n");
    }

    static AccessLogEntry entry(int i, String reason) {
        return new AccessLogEntry(Instant.EPOCH, "sidecar default/sleep", "http", Optional.of("GET http://a/" + i),
                Optional.empty(), Optional.empty(), "127.0.0.1:1", "a", 80, Optional.empty(), "-", "allowed",
                Optional.empty(), 200, 1, 2, 3, Optional.empty(), reason);
    }

    @Test
    void everyLineArrivesWholeAndInOrder() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, false, StandardCharsets.UTF_8);
        Consumer<AccessLogEntry> log = AccessLog.printing(out, AccessLog.Format.JSON);
        int n = 3000;
        for (int i = 0; i < n; i++) {
            log.accept(entry(i));
            if (i % 700 == 0) {
                // let the writer go to sleep: the next line must wake it
                Thread.sleep(50);
            }
        }
        String[] lines = awaitLines(bytes, n);
        for (int i = 0; i < n; i++) {
            assertThat(lines[i]).isEqualTo(entry(i).json());
        }
    }

    @Test
    void textLinesToo() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Consumer<AccessLogEntry> log = AccessLog.printing(new PrintStream(bytes, false, StandardCharsets.UTF_8),
                AccessLog.Format.TEXT);
        log.accept(entry(7, "plain"));
        log.accept(entry(8, "plain"));
        String[] lines = awaitLines(bytes, 2);
        assertThat(lines[0]).isEqualTo(entry(7, "plain").text());
        assertThat(lines[1]).isEqualTo(entry(8, "plain").text());
    }

    static String[] awaitLines(ByteArrayOutputStream bytes, int n) throws InterruptedException {
        long until = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < until) {
            String s;
            synchronized (bytes) {
                s = bytes.toString(StandardCharsets.UTF_8);
            }
            String[] lines = s.split("\n", -1);
            if (lines.length > n) {
                return lines;
            }
            Thread.sleep(10);
        }
        throw new AssertionError("fewer than " + n + " lines: " + bytes.toString(StandardCharsets.UTF_8).lines().count());
    }
}
