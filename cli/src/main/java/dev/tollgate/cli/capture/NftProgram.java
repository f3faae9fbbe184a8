package dev.tollgate.cli.capture;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@code nft -f -} with a ruleset on its standard input, in the network namespace of this process: the one the
 * init container shares with the pod.
 */
public final class NftProgram {
    private final String program;
    private final Duration timeout;

    public NftProgram(String program) {
        this(program, Duration.ofSeconds(30));
    }

    NftProgram(String program, Duration timeout) {
        this.program = program;
        this.timeout = timeout;
    }

    /** What nft said: its exit status and everything it printed. */
    public record Result(int exitCode, String output) {
        public boolean ok() {
            return exitCode == 0;
        }
    }

    /** Thrown when nft cannot be started at all (not installed, not executable). */
    public static final class Missing extends Exception {
        Missing(String message, Throwable cause) {
            super(message, cause);
        }
    }

    public Result apply(String ruleset) throws Missing, IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder(program, "-f", "-").redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new Missing("cannot run '" + program + "' (" + e.getMessage() + "); install nftables "
                    + "(Debian: apt-get install nftables) or give its path with --nft", e);
        }
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        Thread reader = Thread.ofVirtual().start(() -> copy(p.getInputStream(), output));
        try (OutputStream in = p.getOutputStream()) {
            in.write(ruleset.getBytes(StandardCharsets.UTF_8));
        } catch (IOException brokenPipe) {
            // nft stopped reading (it failed early): its exit status and output say why
        }
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly().waitFor();
            throw new IOException("'" + program + " -f -' did not finish within " + timeout.toSeconds()
                    + " s and was stopped; the kernel applies a ruleset whole or not at all");
        }
        reader.join();
        return new Result(p.exitValue(), output.toString(StandardCharsets.UTF_8));
    }

    private static void copy(InputStream from, ByteArrayOutputStream to) {
        try (from) {
            from.transferTo(to);
        } catch (IOException ignored) {
            // the process is gone; what was read is what it said
        }
    }
}
