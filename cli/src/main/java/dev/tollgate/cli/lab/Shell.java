package dev.tollgate.cli.lab;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a program (optionally inside a network namespace, optionally as an unprivileged user) and returns what it
 * printed. No shell is involved: arguments are passed as they are.
 */
final class Shell {
    /** The uid and gid an application runs under in the lab: not the sidecar's (root), so capture applies. */
    static final int APP_UID = 65534;
    /**
     * The system's Python, by path: a python3 first on root's PATH may live under /root (pyenv), where the
     * unprivileged application user cannot run it.
     */
    static final String PYTHON = java.nio.file.Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3"
            : "python3";

    private Shell() {
    }

    /** What a finished program did. */
    record Result(int exit, String out, String err) {
        boolean ok() {
            return exit == 0;
        }

        String describe() {
            String e = err.strip();
            return "exit " + exit + (e.isEmpty() ? "" : ": " + (e.length() > 300 ? e.substring(0, 300) + "..." : e));
        }
    }

    static List<String> inNamespace(String namespace, List<String> command) {
        List<String> out = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
        out.addAll(command);
        return out;
    }

    /** The command run as {@link #APP_UID}, with no supplementary groups (util-linux setpriv). */
    static List<String> asApplication(List<String> command) {
        List<String> out = new ArrayList<>(List.of("setpriv", "--reuid=" + APP_UID, "--regid=" + APP_UID,
                "--clear-groups", "--"));
        out.addAll(command);
        return out;
    }

    static Result run(List<String> command, String stdin, long timeoutSeconds) {
        try {
            ProcessBuilder pb = new ProcessBuilder(command);
            // the lab's clients must not be steered by the caller's proxy settings: the point is that they have none
            for (String v : List.of("http_proxy", "https_proxy", "all_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY",
                    "ALL_PROXY", "NO_PROXY")) {
                pb.environment().remove(v);
            }
            Process p = pb.start();
            if (stdin != null) {
                p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
            }
            p.getOutputStream().close();
            var out = p.getInputStream().readAllBytes();
            var err = p.getErrorStream().readAllBytes();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Result(-1, new String(out, StandardCharsets.UTF_8), "timed out after " + timeoutSeconds + " s");
            }
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8),
                    new String(err, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return new Result(-1, "", command.getFirst() + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(-1, "", "interrupted");
        }
    }

    static Result run(List<String> command) {
        return run(command, null, 30);
    }

    /** Runs it and fails the lab with its output when it does not succeed. */
    static String require(List<String> command) {
        return require(command, null);
    }

    static String require(List<String> command, String stdin) {
        Result r = run(command, stdin, 30);
        if (!r.ok()) {
            throw new LabException(String.join(" ", command) + ": " + r.describe());
        }
        return r.out();
    }

    /** Starts a long-running program with its output going to {@code log}. */
    static Process start(List<String> command, Path log) {
        try {
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(log.toFile());
            for (String v : List.of("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY")) {
                pb.environment().remove(v);
            }
            return pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command.getFirst() + ": " + e.getMessage(), e);
        }
    }
}
