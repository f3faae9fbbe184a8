package dev.tollgate.cli.demo;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs the real {@code curl}, as the tutorial does: {@code curl -I} with {@code http_proxy} and {@code https_proxy}
 * pointing at the workload's sidecar (lower case: curl ignores an upper-case {@code HTTP_PROXY}), trusting the
 * demo's public CA. No {@code --resolve}: the proxies map the stand-in hosts' names.
 */
public final class CurlRunner implements Probe {

    static final String WRITE_OUT = "%{http_code} %{http_connect}";
    private static final List<String> PROXY_VARIABLES = List.of("http_proxy", "https_proxy", "all_proxy", "no_proxy");

    private final String curl;
    private final Path caBundle;
    private final int maxTimeSeconds;

    public CurlRunner(Path caBundle) {
        this("curl", caBundle, 10);
    }

    CurlRunner(String curl, Path caBundle, int maxTimeSeconds) {
        this.curl = curl;
        this.caBundle = caBundle;
        this.maxTimeSeconds = maxTimeSeconds;
    }

    /** Whether {@code curl} runs here. */
    public static boolean available() {
        try {
            Process p = new ProcessBuilder("curl", "--version").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return false;
            }
            return p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    List<String> arguments(String url) {
        // -q first: ignore any ~/.curlrc, so the request is exactly what the report shows
        return List.of(curl, "-q", "-sS", "-I", "--max-time", Integer.toString(maxTimeSeconds), "-o", "/dev/null",
                "-w", WRITE_OUT, "--cacert", caBundle.toString(), url);
    }

    @Override
    public String command(InetSocketAddress sidecar, String url) {
        String proxy = proxyUrl(sidecar);
        List<String> shown = new ArrayList<>();
        for (String a : arguments(url)) {
            shown.add(a.equals(WRITE_OUT) ? "'" + a + "'" : a);
        }
        shown.remove("-q");
        return "http_proxy=" + proxy + " https_proxy=" + proxy + " " + String.join(" ", shown);
    }

    @Override
    public Observation head(InetSocketAddress sidecar, String url) {
        ProcessBuilder pb = new ProcessBuilder(arguments(url)).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Map<String, String> env = pb.environment();
        // inherited proxy settings (either case) would change where curl goes
        env.keySet().removeIf(k -> PROXY_VARIABLES.contains(k.toLowerCase(Locale.ROOT)));
        env.put("http_proxy", proxyUrl(sidecar));
        env.put("https_proxy", proxyUrl(sidecar));
        Process process;
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run curl: " + e.getMessage(), e);
        }
        // threads of their own: on the common pool the reads wait for whatever else runs there (on a machine with two
        // cores it has one thread), and a long task there left curl's output unread for good
        CompletableFuture<String> stdout = CompletableFuture.supplyAsync(() -> readAll(process.getInputStream()),
                CurlRunner::reader);
        CompletableFuture<String> stderr = CompletableFuture.supplyAsync(() -> readAll(process.getErrorStream()),
                CurlRunner::reader);
        try {
            if (!process.waitFor(maxTimeSeconds + 20L, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return new Observation(Observation.TIMEOUT, 0, 0, "curl did not finish");
            }
            return parse(process.exitValue(), stdout.get(), stderr.get());
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            return new Observation(-1, 0, 0, "interrupted");
        } catch (java.util.concurrent.ExecutionException e) {
            return new Observation(process.exitValue(), 0, 0, "cannot read curl's output: " + e.getCause());
        }
    }

    /** {@code stdout} is the {@value #WRITE_OUT} line; {@code stderr} curl's message, e.g. "curl: (56) ...". */
    static Observation parse(int exit, String stdout, String stderr) {
        String[] codes = stdout.strip().split("\\s+");
        int http = codes.length > 0 ? parseCode(codes[0]) : 0;
        int connect = codes.length > 1 ? parseCode(codes[1]) : 0;
        return new Observation(exit, http, connect, stderr.lines().findFirst().orElse(""));
    }

    private static int parseCode(String s) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    static String proxyUrl(InetSocketAddress sidecar) {
        String host = sidecar.getAddress().getHostAddress();
        return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + sidecar.getPort();
    }

    private static void reader(Runnable read) {
        Thread.ofVirtual().name("curl output").start(read);
    }

    private static String readAll(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
