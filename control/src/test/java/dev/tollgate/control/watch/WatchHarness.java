package dev.tollgate.control.watch;

import dev.tollgate.core.model.HttpRequestInfo;
import dev.tollgate.core.model.Verdict;
import dev.tollgate.core.model.WorkloadRef;
import dev.tollgate.core.snapshot.OutboundRequest;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/** A {@link ClusterWatch} on a {@link MockCluster}, with the tutorial's workloads and requests. */
final class WatchHarness implements AutoCloseable {
    static final String GOOGLE = "developers.google.com";
    static final String YAHOO = "developer.yahoo.com";
    static final WorkloadRef DEFAULT_SLEEP = new WorkloadRef("default", "sleep", Map.of("app", "sleep"));
    static final WorkloadRef OTHERNS_SLEEP = new WorkloadRef("otherns", "sleep", Map.of("app", "sleep"));
    static final Verdict O = Verdict.ALLOWED;
    static final Verdict B = Verdict.BLOCKED;
    static final Verdict D = Verdict.DENIED;

    final MockCluster cluster;
    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    final ClusterWatch watch;
    final List<WatchedSnapshot> published = new CopyOnWriteArrayList<>();

    WatchHarness(MockCluster cluster) {
        this.cluster = cluster;
        this.watch = new ClusterWatch(cluster.client, meters,
                new ClusterWatch.Options("istio-system", Duration.ofMillis(50), Duration.ofMillis(500)));
        watch.subscribe(published::add);
    }

    static OutboundRequest https(String host) {
        return OutboundRequest.tls(host, 443);
    }

    /** {@code curl -I http://host/}. */
    static OutboundRequest http(String host) {
        return OutboundRequest.http(host, 80, new HttpRequestInfo("HEAD", host, "/", Map.of()));
    }

    /** Waits until the watch has built after {@code afterBuilds} and then stayed quiet (status writes included). */
    void settle(long afterBuilds) {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        long seen = -1;
        while (System.nanoTime() < deadline) {
            long now = watch.builds();
            if (now > afterBuilds && now == seen) {
                return;
            }
            seen = now;
            sleep(300);
        }
        fail("the watch did not settle: " + watch.builds() + " builds, after " + afterBuilds);
    }

    /** Runs a step (kubectl apply/delete) and waits until the watch has taken it in. */
    void step(Runnable kubectl) {
        long before = watch.builds();
        kubectl.run();
        settle(before);
    }

    Verdict check(WorkloadRef from, OutboundRequest request) {
        return watch.current().orElseThrow().snapshot().check(from, request).outcome();
    }

    /** The tutorial's table row: default→google, default→yahoo, otherns→google, otherns→yahoo. */
    void expect(String step, java.util.function.Function<String, OutboundRequest> url,
                Verdict dg, Verdict dy, Verdict og, Verdict oy) {
        assertThat(List.of(check(DEFAULT_SLEEP, url.apply(GOOGLE)), check(DEFAULT_SLEEP, url.apply(YAHOO)),
                check(OTHERNS_SLEEP, url.apply(GOOGLE)), check(OTHERNS_SLEEP, url.apply(YAHOO))))
                .as(step).containsExactly(dg, dy, og, oy);
    }

    double rejected(String kind) {
        Counter c = meters.find("tollgate.config.rejected").tag("kind", kind).counter();
        return c == null ? 0 : c.count();
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        watch.close();
    }
}
