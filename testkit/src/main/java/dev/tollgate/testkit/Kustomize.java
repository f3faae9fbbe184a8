package dev.tollgate.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A kustomization as {@code kubectl kustomize DIR} renders it, which is what a user applies. Without kubectl the
 * calling test fails, never skips: .ci/run installs it.
 */
public final class Kustomize {
    /** deploy/, seen from a module's directory, where Maven runs its tests. */
    public static final Path DEPLOY = Path.of("..", "deploy");

    private Kustomize() {
    }

    /** The rendered YAML of {@code dir}; an AssertionError when kubectl is missing, fails or hangs. */
    public static String render(Path dir) {
        Path out = null;
        try {
            out = Files.createTempFile("tollgate-kustomize", ".yaml");
            Process p;
            try {
                p = new ProcessBuilder("kubectl", "kustomize", dir.toString()).redirectErrorStream(true)
                        .redirectOutput(out.toFile()).start();
            } catch (IOException e) {
                throw new AssertionError("kubectl is not on the PATH, and " + dir + " is rendered with 'kubectl "
                        + "kustomize': install it (Debian: apt-get install kubernetes-client; .ci/run does): "
                        + e.getMessage(), e);
            }
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("kubectl kustomize " + dir + " did not finish in 60 s");
            }
            String text = Files.readString(out, StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new AssertionError("kubectl kustomize " + dir + " failed (exit " + p.exitValue() + "):\n" + text);
            }
            return text;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } finally {
            if (out != null) {
                try {
                    Files.deleteIfExists(out);
                } catch (IOException ignored) {
                    // a temporary file left behind
                }
            }
        }
    }
}
