package dev.tollgate.proxy;

import dev.tollgate.core.model.WorkloadRef;
import dev.tollgate.identity.RotatingCertificate;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/** The proxy's Prometheus metrics, fed from the same entries as the access log. */
final class ProxyMetrics {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Counter bytesSent;
    private final Counter bytesReceived;
    final AtomicLong activeConnections = new AtomicLong();
    private final ReloadStats reloads;
    private final Optional<RotatingCertificate> rotating;
    private final Supplier<Instant> notAfter;

    /** @param workload named in every series as {@code workload="<namespace>/<app label or service account>"} */
    ProxyMetrics(String proxyKind, WorkloadRef workload, ReloadStats reloads, MeshIdentity identity) {
        registry.config().commonTags("proxy", proxyKind, "workload", workload.displayName());
        bytesSent = Counter.builder("tollgate.bytes").tag("direction", "sent")
                .description("bytes sent to clients").register(registry);
        bytesReceived = Counter.builder("tollgate.bytes").tag("direction", "received")
                .description("bytes received from clients").register(registry);
        this.reloads = reloads;
        // the meters hold their objects weakly: they read this (held by the proxy), not objects only they hold
        FunctionCounter.builder("tollgate.config.reloads", this, m -> m.reloads.reloads().getAsLong())
                .description("configuration reloads that produced a new snapshot").register(registry);
        FunctionCounter.builder("tollgate.config.reload.failures", this, m -> m.reloads.failures().getAsLong())
                .description("reloads that failed and kept the last good snapshot").register(registry);
        // a renewing certificate is read through its state: asking it for the certificate may issue one
        this.rotating = identity.rotating();
        this.notAfter = rotating.<Supplier<Instant>>map(r -> r::notAfter)
                .orElse(() -> identity.certificate().get().notAfter());
        Gauge.builder("tollgate.certificate.expiry.timestamp.seconds", this,
                        m -> m.notAfter.get().getEpochSecond())
                .description("when the workload certificate expires, in seconds since the epoch").register(registry);
        FunctionCounter.builder("tollgate.certificate.renewals", this,
                        m -> m.rotating.map(RotatingCertificate::renewals).orElse(0L))
                .description("workload certificate renewals (not counting the first issue)").register(registry);
        FunctionCounter.builder("tollgate.certificate.renewal.failures", this,
                        m -> m.rotating.map(RotatingCertificate::renewalFailures).orElse(0L))
                .description("failed workload certificate renewal attempts").register(registry);
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

    /**
     * A limit refused or ended a connection: {@code tollgate_limit_rejections_total{limit}}, one series per limit,
     * so that every protective limit shows in one place.
     */
    void limitHit(String limit) {
        Counter.builder("tollgate.limit.rejections").tag("limit", limit)
                .description("connections or requests refused or ended by a protective limit")
                .register(registry).increment();
    }

    String scrape() {
        return registry.scrape();
    }

    PrometheusMeterRegistry registry() {
        return registry;
    }
}
