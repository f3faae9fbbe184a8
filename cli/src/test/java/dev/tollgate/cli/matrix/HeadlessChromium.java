package dev.tollgate.cli.matrix;

import org.junit.jupiter.api.Assumptions;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Debian's {@code chromium}, headless, one process per page: it runs as root in CI (hence {@code --no-sandbox}),
 * with its own profile directory, a time limit, and every process it started killed afterwards.
 */
final class HeadlessChromium {

    private static final long TIMEOUT_SECONDS = 90;

    private final Path work;

    private HeadlessChromium(Path work) {
        this.work = work;
    }

    /**
     * The browser, or an aborted test with the reason printed; a failure instead where the browser tests must run
     * ({@code CI=true}, or {@code TOLLGATE_LAB_REQUIRED=1} as {@code .ci/run} sets it).
     */
    static HeadlessChromium requireIn(Path work) {
        Optional<String> why = unavailable();
        if (why.isPresent()) {
            if ("true".equalsIgnoreCase(System.getenv("CI")) || "1".equals(System.getenv("TOLLGATE_LAB_REQUIRED"))) {
                fail("CI must run the browser tests, but chromium cannot run here: " + why.get());
            }
            System.out.println("HTML matrix browser test aborted: " + why.get());
            Assumptions.abort(why.get());
        }
        return new HeadlessChromium(work);
    }

    private static Optional<String> unavailable() {
        boolean onPath = Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .anyMatch(dir -> Files.isExecutable(Path.of(dir, "chromium")));
        if (!onPath) {
            return Optional.of("no 'chromium' on PATH (Debian: apt-get install chromium)");
        }
        return Optional.empty();
    }

    /** The DOM after the page's scripts ran, serialized; {@code fragment} is appended to the file URL. */
    String dumpDom(Path page, String fragment) throws IOException, InterruptedException {
        Path out = work.resolve("dom-" + System.nanoTime() + ".html");
        run(List.of("--dump-dom", page.toUri() + fragment), out);
        return Files.readString(out, StandardCharsets.UTF_8);
    }

    /** A screenshot of the page in a window of the given size (device pixels = CSS pixels). */
    BufferedImage screenshot(Path page, int width, int height) throws IOException, InterruptedException {
        Path png = work.resolve("shot-" + System.nanoTime() + ".png");
        run(List.of("--screenshot=" + png, "--window-size=" + width + "," + height, "--hide-scrollbars",
                "--force-device-scale-factor=1", page.toUri().toString()), work.resolve("shot-stdout.txt"));
        assertThat(png).as("chromium wrote no screenshot").exists();
        BufferedImage image = ImageIO.read(png.toFile());
        assertThat(image).as("the screenshot decodes as PNG").isNotNull();
        return image;
    }

    private void run(List<String> args, Path stdout) throws IOException, InterruptedException {
        try (Browser browser = start(args, stdout)) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
            while (!browser.process.waitFor(100, TimeUnit.MILLISECONDS)) {
                browser.remember();
                if (System.nanoTime() > deadline) {
                    fail("chromium did not finish within " + TIMEOUT_SECONDS + " s: " + browser.command);
                }
            }
            assertThat(browser.process.exitValue()).as("chromium's exit status; stderr:%n%s", tail(browser.stderr))
                    .isZero();
        }
    }

    /**
     * A browser that keeps running, driven over the DevTools protocol on loopback (real clicks and key presses),
     * showing about:blank until {@link DevTools#navigate} loads a page.
     */
    DevTools open(int width, int height) throws IOException, InterruptedException {
        Browser browser = start(List.of("--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
                "--window-size=" + width + "," + height, "--force-device-scale-factor=1", "about:blank"),
                work.resolve("devtools-stdout.txt"));
        try {
            return DevTools.connect(browser, TIMEOUT_SECONDS);
        } catch (IOException | InterruptedException | RuntimeException | Error e) {
            browser.close();
            throw e;
        }
    }

    private Browser start(List<String> args, Path stdout) throws IOException {
        Path profile = Files.createTempDirectory(work, "profile");
        Path stderr = work.resolve("chromium-stderr-" + System.nanoTime() + ".txt");
        List<String> command = new ArrayList<>(List.of("chromium", "--headless", "--no-sandbox", "--disable-gpu",
                "--user-data-dir=" + profile, "--no-first-run", "--disable-crash-reporter", "--disable-breakpad",
                "--disable-extensions", "--mute-audio"));
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(stdout.toFile())
                .redirectError(stderr.toFile());
        // its socket directory, left behind when it is killed, goes with the test's temporary directory
        builder.environment().put("TMPDIR", work.toString());
        Process process = builder.start();
        return new Browser(process, command, profile, stderr);
    }

    /** One chromium and every process it started; closing kills them all. */
    static final class Browser implements AutoCloseable {
        final Process process;
        final List<String> command;
        final Path profile;
        final Path stderr;
        // children outlive a dead parent without being its descendants any more: remember them while it runs
        private final Set<ProcessHandle> started = new HashSet<>();

        Browser(Process process, List<String> command, Path profile, Path stderr) {
            this.process = process;
            this.command = command;
            this.profile = profile;
            this.stderr = stderr;
        }

        void remember() {
            process.descendants().forEach(started::add);
        }

        @Override
        public void close() throws InterruptedException {
            remember();
            started.forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    static String tail(Path file) throws IOException {
        String text = Files.exists(file) ? Files.readString(file) : "";
        return text.length() > 4000 ? text.substring(text.length() - 4000) : text;
    }
}
