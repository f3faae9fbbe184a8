package dev.tollgate.cli.lab;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The lab's long-running programs, each inside its namespace with its output in a log file: Tollgate's own
 * commands as separate JVMs (the same classes this process runs), dnsmasq, and small Python servers. Closing stops
 * them all.
 */
final class LabProcesses implements AutoCloseable {
    private final Path logs;
    private final Map<String, Process> running = new LinkedHashMap<>();

    LabProcesses(Path logs) {
        this.logs = logs;
    }

    /** {@code tollgate ARGS...} in {@code namespace}, logging to {@code name}.log. */
    Process tollgate(String name, String namespace, List<String> args) {
        List<String> command = new ArrayList<>(tollgateCommand());
        command.addAll(args);
        return start(name, namespace, command);
    }

    /** The command line that runs Tollgate's CLI in a new JVM, small and quick to start. */
    static List<String> tollgateCommand() {
        String java = ProcessHandle.current().info().command().orElse("java");
        return List.of(java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx256m",
                "--enable-native-access=ALL-UNNAMED", "-Dio.netty.tryReflectionSetAccessible=true",
                "-cp", System.getProperty("java.class.path"), "dev.tollgate.cli.Main");
    }

    synchronized Process start(String name, String namespace, List<String> command) {
        stop(name);
        Process p = Shell.start(Shell.inNamespace(namespace, command), log(name));
        running.put(name, p);
        return p;
    }

    Path log(String name) {
        return logs.resolve(name + ".log");
    }

    String logText(String name) {
        try {
            return Files.exists(log(name)) ? Files.readString(log(name)) : "";
        } catch (IOException e) {
            return "";
        }
    }

    /** Fails the lab with the program's log when it has exited. */
    void requireAlive(String name) {
        Process p = running.get(name);
        if (p != null && !p.isAlive()) {
            String text = logText(name).strip();
            throw new LabException(name + " exited with status " + p.exitValue() + ": "
                    + (text.length() > 2000 ? text.substring(text.length() - 2000) : text));
        }
    }

    /**
     * Waits until {@code probe} (run in {@code namespace}) succeeds, or fails the lab.
     */
    void await(String name, String namespace, List<String> probe, long timeoutSeconds) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        Shell.Result last = null;
        while (System.nanoTime() < deadline) {
            requireAlive(name);
            last = Shell.run(Shell.inNamespace(namespace, probe), null, 10);
            if (last.ok()) {
                return;
            }
            sleep(200);
        }
        throw new LabException(name + " did not come up within " + timeoutSeconds + " s ("
                + (last == null ? "" : last.describe()) + "); its log: " + logText(name).strip());
    }

    /** Waits for an HTTP endpoint in the namespace to answer 200. */
    void awaitHttp(String name, String namespace, String url, long timeoutSeconds) {
        await(name, namespace, List.of("curl", "-q", "-sf", "-o", "/dev/null", "--max-time", "2", url), timeoutSeconds);
    }

    synchronized void stop(String name) {
        Process p = running.remove(name);
        if (p != null) {
            p.destroy();
            try {
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                p.destroyForcibly();
            }
        }
    }

    @Override
    public synchronized void close() {
        for (String name : new ArrayList<>(running.keySet()).reversed()) {
            stop(name);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LabException("interrupted");
        }
    }
}
