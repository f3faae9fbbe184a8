package dev.tollgate.control.watch;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.fail;

/**
 * deploy/ as {@code kubectl kustomize deploy/} renders it, which is what a user applies. Without kubectl the test
 * fails, never skips: .ci/run installs it.
 */
final class RenderedManifests {
    static final Path DEPLOY = Path.of("..", "deploy");

    private RenderedManifests() {
    }

    static String render() {
        Path out = null;
        try {
            out = Files.createTempFile("tollgate-kustomize", ".yaml");
            Process p;
            try {
                p = new ProcessBuilder("kubectl", "kustomize", DEPLOY.toString()).redirectErrorStream(true)
                        .redirectOutput(out.toFile()).start();
            } catch (IOException e) {
                return fail("kubectl is not on the PATH, and deploy/ is rendered with 'kubectl kustomize': install it "
                        + "(Debian: apt-get install kubernetes-client; .ci/run does): " + e.getMessage());
            }
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return fail("kubectl kustomize deploy/ did not finish in 60 s");
            }
            String text = Files.readString(out, StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                return fail("kubectl kustomize deploy/ failed (exit " + p.exitValue() + "):\n" + text);
            }
            return text;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } finally {
            if (out != null) {
                try {
                    Files.deleteIfExists(out);
                } catch (IOException ignored) {
                    // a temp file left behind
                }
            }
        }
    }
}
