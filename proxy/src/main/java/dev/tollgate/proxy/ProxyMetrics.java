package dev.tollgate.proxy;

import dev.tollgate.core.model.WorkloadRef;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/** The proxy's Prometheus metrics, fed from the same entries as the access log. */
final class ProxyMetrics {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Counter bytesSent;
    private final Counter bytesReceived;
    final AtomicLong activeConnections = new AtomicLong();

    /** @param workload named in every series as {@code workload="<namespace>/<app label or service account>"} */
    ProxyMetrics(String proxyKind, WorkloadRef workload, ReloadStats reloads, Supplier<CertifiedKey> certificate,
                 Clock clock) {
        registry.config().commonTags("proxy", proxyKind, "workload", workload.displayName());
        bytesSent = Counter.builder("tollgate.bytes").tag("direction", "sent")
                .description("bytes sent to clients").register(registry);
        bytesReceived = Counter.builder("tollgate.bytes").tag("direction", "received")
                .description("bytes received from clients").register(registry);
        FunctionCounter.builder("tollgate.config.reloads", reloads, r -> r.reloads().getAsLong())
                .description("configuration reloads that produced a new snapshot").register(registry);
        FunctionCounter.builder("tollgate.config.reload.failures", reloads, r -> r.failures().getAsLong())
                .description("reloads that failed and kept the last good snapshot").register(registry);
        Gauge.builder("tollgate.certificate.expiry.seconds", certificate,
                        c -> Duration.between(clock.instant(), c.get().notAfter()).toSeconds())
                .description("seconds until the workload certificate expires").register(registry);
        Gauge.builder("tollgate.connections.active", activeConnections, AtomicLong::get)
                .description("open client connections").register(registry);
    }

    void record(AccessLogEntry e) {
        String name = e.protocol().equals("http") ? "tollgate.requests" : "tollgate.connections";
        Counter.builder(name).tag("decision", e.decision()).tag("policy", e.policyOrNone())
                .tag("code", Integer.toString(e.responseCode())).register(registry).increment();
        bytesSent.increment(e.bytesSent());
        bytesReceived.increment(e.bytesReceived());
        Timer.builder(e.protocol().equals("http") ? "tollgate.request.duration" : "tollgate.connection.duration")
                .tag("decision", e.decision()).publishPercentileHistogram()
                .register(registry).record(Duration.ofMillis(e.durationMs()));
    }

    String scrape() {
        return registry.scrape();
    }

    PrometheusMeterRegistry registry() {
        return registry;
    }
}
