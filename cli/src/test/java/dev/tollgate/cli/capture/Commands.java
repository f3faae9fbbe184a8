package dev.tollgate.cli.capture;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a program to completion with a deadline and keeps what it said: the tests' shell. */
public final class Commands {
    private Commands() {
    }

    public record Result(List<String> command, int exitCode, String out, String err) {
        public boolean ok() {
            return exitCode == 0;
        }

        /** For assertion messages: what ran and everything it said. */
        public String describe() {
            return String.join(" ", command) + " -> exit " + exitCode + "\nstdout: " + out + "\nstderr: " + err;
        }
    }

    public static Result run(String stdin, String... command) {
        return run(Duration.ofSeconds(60), stdin, List.of(command));
    }

    public static Result run(Duration timeout, String stdin, List<String> command) {
        try {
            Process p = new ProcessBuilder(command).start();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            Thread o = Thread.ofVirtual().start(() -> copy(p.getInputStream(), out));
            Thread e = Thread.ofVirtual().start(() -> copy(p.getErrorStream(), err));
            try (OutputStream in = p.getOutputStream()) {
                if (stdin != null) {
                    in.write(stdin.getBytes(StandardCharsets.UTF_8));
                }
            } catch (IOException brokenPipe) {
                // the program did not read it all; its exit status tells
            }
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly().waitFor();
                o.join();
                e.join();
                return new Result(command, -1, out.toString(StandardCharsets.UTF_8),
                        err.toString(StandardCharsets.UTF_8) + "\n(killed after " + timeout + ")");
            }
            o.join();
            e.join();
            return new Result(command, p.exitValue(), out.toString(StandardCharsets.UTF_8),
                    err.toString(StandardCharsets.UTF_8));
        } catch (IOException ex) {
            return new Result(command, -2, "", "cannot run: " + ex.getMessage());
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }

    /** Where a program is on the PATH, or null. */
    public static String which(String program) {
        Result r = run(null, "sh", "-c", "command -v " + program);
        return r.ok() && !r.out().isBlank() ? r.out().strip() : null;
    }

    private static void copy(InputStream from, ByteArrayOutputStream to) {
        try (from) {
            from.transferTo(to);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
