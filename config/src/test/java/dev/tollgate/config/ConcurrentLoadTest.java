package dev.tollgate.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static dev.tollgate.config.Fixtures.dump;
import static dev.tollgate.config.Fixtures.resource;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Loads that run at once (diff loads its two sides on two cores; a proxy reloads while a command loads in the same
 * JVM) share the schema shapes, which derive their properties when first read, and the Jackson deserializers,
 * which a warm-up thread builds ahead: every load must still see whole shapes and give exactly the diagnostics and
 * resources of a load on its own. The typos sit deep in classes few other tests reach (fault injection's oneOf
 * delay, a port-level TLS setting), so that the first reads of those shapes race here.
 */
class ConcurrentLoadTest {
    @TempDir
    Path dir;

    private static final String TYPOS = """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: faults, namespace: default}
            spec:
              hosts: [a.example.com]
              http:
              - fault:
                  delay:
                    fixedDelai: 5s
                    percentage: {value: 10}
                  abort:
                    httpStatus: 503
                    percentage: {valu: 1}
                route:
                - destination: {host: a.example.com}
            ---
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: tls, namespace: default}
            spec:
              host: a.example.com
              trafficPolicy:
                portLevelSettings:
                - port: {number: 443}
                  tls: {mode: SIMPLE, snii: a.example.com}
                  outlierDetection: {consecutive5xxErrorz: 3}
            """;

    private static String loadOnce(Path typosFile) {
        LoadResult typos = Fixtures.load(typosFile);
        LoadResult tutorial = Fixtures.load(resource("tutorial/external-google.yaml"),
                resource("tutorial/authz-policy-deny-google.yaml"), resource("tutorial/external-yahoo-https.yaml"));
        return dump(typos.diagnostics()) + "\n--\n" + dump(tutorial.diagnostics()) + "\n--\n"
                + tutorial.config().map(c -> c.serviceEntries().size() + " " + c.gateways().size() + " "
                + c.virtualServices().size() + " " + c.destinationRules().size() + " "
                + c.authorizationPolicies().size()).orElse("not loaded");
    }

    @Test
    void loadsAtOnceGiveWhatOneLoadGives() throws Exception {
        Path typos = Fixtures.write(dir, "typos.yaml", TYPOS);
        int threads = 8;
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<String>> results = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                results.add(pool.submit(() -> {
                    start.await();
                    return loadOnce(typos);
                }));
            }
            start.countDown();
            String alone = loadOnce(typos);
            assertThat(alone).contains("fixedDelai", "did you mean \"fixedDelay\"", "snii", "consecutive5xxErrorz",
                    "valu").doesNotEndWith("not loaded");
            for (Future<String> r : results) {
                assertThat(r.get(60, TimeUnit.SECONDS)).isEqualTo(alone);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
