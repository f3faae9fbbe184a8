package dev.tollgate.cli;

import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The training runs behind the JVM's AOT caches (or AppCDS archives before JDK 25), which the launcher creates once
 * per build: a JVM that does what users start most, so the classes they need are archived already loaded and
 * linked, and the JIT starts with this run's profiles. Not a command: {@code java -cp tollgate-all.jar
 * dev.tollgate.cli.AotTraining commands|proxies EXAMPLES_DIR}. It only binds ephemeral ports on 127.0.0.1.
 *
 * <p>Two caches, because the JVM loads every class of its cache at start: the one-shot commands ({@code check},
 * {@code explain}, {@code analyze}) need half the classes of the proxies, and start 10% faster from a cache of
 * their own. A step that fails is reported and skipped: a cache from a partial run still helps, and a missing one
 * only costs start-up time.
 */
public final class AotTraining {

    private static final Pattern ADMIN = Pattern.compile("admin on /?([0-9.]+:[0-9]+)");

    private AotTraining() {
    }

    /** @param args {@code commands} or {@code proxies}, and the tutorial's folder ({@code examples/tutorial}) */
    public static void main(String[] args) throws Exception {
        boolean proxies = args.length > 0 && args[0].equals("proxies");
        Path tutorial = Path.of(args.length > 1 ? args[1] : "examples/tutorial");
        int failed = 0;
        if (proxies) {
            failed += sidecar(tutorial);
            // under traffic: the gateway (mTLS, TLS origination, SNI passthrough), sidecars, stand-ins
            failed += step("demo", Main.run("demo", "--steps", "A1,B1,B5", "--client", "builtin") == 0);
        } else {
            failed += oneShots(tutorial);
        }
        System.err.println("aot training: done" + (failed == 0 ? "" : ", " + failed + " step(s) failed"));
        System.exit(0);
    }

    /** The README's examples of the offline commands: 0 allowed, 1 denied are both fine; 2 is an error. */
    private static int oneShots(Path t) {
        if (!Files.isDirectory(t)) {
            System.err.println("aot training: no " + t + "; skipping check, explain and analyze");
            return 1;
        }
        String google = "istio-system=" + t.resolve("external-google.yaml");
        String registryOnly = t.resolveSibling("mesh").resolve("registry-only.yaml").toString();
        List<String[]> runs = List.of(
                new String[]{"check", "-f", "default=" + t.resolve("serviceentry-google.yaml"),
                        "--set", "meshConfig.outboundTrafficPolicy.mode=REGISTRY_ONLY",
                        "--from", "otherns/sleep", "https://developers.google.com/"},
                new String[]{"check", "-f", google, "-f", "istio-system=" + t.resolve("authz-deny-google.yaml"),
                        "-f", registryOnly, "--from", "otherns/sleep", "-I", "http://developers.google.com/"},
                new String[]{"check", "-o", "json", "-f", google, "-f", registryOnly,
                        "--from", "default/sleep", "http://developers.google.com/"},
                new String[]{"explain", "-f", google, "-f", registryOnly,
                        "-f", t.resolve("authz-allow-nothing.yaml").toString(),
                        "-f", t.resolve("authz-allow-google.yaml").toString(),
                        "--from", "default/sleep", "-I", "http://developers.google.com/"},
                new String[]{"analyze", "-f", google, "-f", registryOnly, "-f", t.resolve("authz-allow-google.yaml").toString()},
                new String[]{"--help"});
        int failed = 0;
        for (String[] run : runs) {
            Main.warmUp(run); // as Main.main does
            failed += step(String.join(" ", run), Main.run(run) != 2);
        }
        return failed;
    }

    /** {@code tollgate sidecar} as a user starts it, until its admin /ready answers; then stopped as by SIGTERM. */
    private static int sidecar(Path t) throws IOException {
        Path dir = Files.createTempDirectory("tollgate-aot");
        try {
            if (Main.run("ca", "init", "--dir", dir.resolve("ca").toString()) != 0) {
                return step("ca init", false);
            }
            StringWriter err = new StringWriter();
            Main.warmUp("sidecar");
            CommandLine cl = Main.commandLine("sidecar");
            cl.setErr(new PrintWriter(err, true));
            int[] exit = {-1};
            Thread proxy = new Thread(() -> exit[0] = cl.execute("sidecar", "--namespace", "default",
                    "--service-account", "sleep", "-f", t.resolve("serviceentry-google.yaml").toString(),
                    "--ca-dir", dir.resolve("ca").toString(), "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0",
                    "--drain-timeout", "1s"), "aot-training-sidecar");
            proxy.start();
            boolean ready = false;
            for (int i = 0; i < 600 && proxy.isAlive() && !ready; i++) {
                Matcher m = ADMIN.matcher(err.toString());
                ready = m.find() && ready(m.group(1));
                if (!ready) {
                    Thread.sleep(50);
                }
            }
            proxy.interrupt();
            proxy.join(10_000);
            return step("sidecar", ready && exit[0] == 0);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return step("sidecar", false);
        } finally {
            deleteTree(dir);
        }
    }

    private static boolean ready(String admin) {
        try (HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build()) {
            HttpResponse<Void> r = client.send(HttpRequest.newBuilder(URI.create("http://" + admin + "/ready"))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding());
            return r.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static int step(String what, boolean ok) {
        System.err.println("aot training: " + what + (ok ? ": ok" : ": FAILED"));
        return ok ? 0 : 1;
    }

    private static void deleteTree(Path dir) throws IOException {
        List<Path> paths = new ArrayList<>();
        try (var walk = Files.walk(dir)) {
            walk.forEach(paths::add);
        }
        for (Path p : paths.reversed()) {
            Files.deleteIfExists(p);
        }
    }
}
