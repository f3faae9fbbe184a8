package dev.tollgate.proxy;

import dev.tollgate.core.model.WorkloadRef;
import dev.tollgate.identity.RotatingCertificate;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/** The proxy's Prometheus metrics, fed from the same entries as the access log. */
final class ProxyMetrics {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Counter bytesSent;
    private final Counter bytesReceived;
    private final Counter upstreamRetries;
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
        upstreamRetries = Counter.builder("tollgate.upstream.retries")
                .description("requests sent again on a new connection after a reused upstream connection closed "
                        + "before responding").register(registry);
    }

    void record(AccessLogEntry e) {
        boolean http = e.protocol().equals("http");
        MeterKey key = new MeterKey(http, e.decision(), e.policy().orElse(null), e.responseCode());
        Meters m = meters.get(key);
        if (m == null) {
            m = meters(key);
        }
        m.count.increment();
        bytesSent.increment(e.bytesSent());
        bytesReceived.increment(e.bytesReceived());
        m.duration.record(e.durationMs(), TimeUnit.MILLISECONDS);
    }

    /**
     * The meters of one outcome. Looking them up through Micrometer's builders on every request cost an id, tags and
     * a registry lookup per request (issue 6 section 4), so they are kept here; decisions and codes are few and
     * policy ids come from the configuration. The cache stops growing at {@link #MAX_CACHED_OUTCOMES} (many reloads
     * with new policy names), after which new outcomes are looked up each time as before.
     */
    private Meters meters(MeterKey k) {
        Counter count = Counter.builder(k.http ? "tollgate.requests" : "tollgate.connections")
                .tag("decision", k.decision).tag("policy", k.policy == null ? "[none]" : k.policy)
                .tag("code", Integer.toString(k.code)).register(registry);
        Timer duration = Timer.builder(k.http ? "tollgate.request.duration" : "tollgate.connection.duration")
                .tag("decision", k.decision).publishPercentileHistogram().register(registry);
        Meters m = new Meters(count, duration);
        if (meters.size() < MAX_CACHED_OUTCOMES) {
            meters.putIfAbsent(k, m);
        }
        return m;
    }

    private static final int MAX_CACHED_OUTCOMES = 4096;
    private final Map<MeterKey, Meters> meters = new ConcurrentHashMap<>();

    private record MeterKey(boolean http, String decision, String policy, int code) {
    }

    private record Meters(Counter count, Timer duration) {
    }

    /**
     * A limit was reached: {@code tollgate_limit_reached_total{limit=...}}. For {@code pipeline_depth} nothing is
     * refused: reading pauses until responses drain.
     */
    void limitReached(String limit) {
        Counter.builder("tollgate.limit.reached").tag("limit", limit)
                .description("times a limit was reached (see the limit tag)").register(registry).increment();
    }

    /** {@code tollgate_upstream_retries_total}: requests sent again after a reused upstream connection failed. */
    void upstreamRetried() {
        upstreamRetries.increment();
    }

    /** {@code tollgate_upstream_pool_idle}: idle upstream connections kept for reuse. */
    void upstreamPool(UpstreamPool pool) {
        Gauge.builder("tollgate.upstream.pool.idle", pool, UpstreamPool::idle)
                .description("idle upstream connections kept for reuse").register(registry);
    }

    String scrape() {
        return registry.scrape();
    }

    PrometheusMeterRegistry registry() {
        return registry;
    }
}
