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
import java.util.List;
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
    /** The {@code limit} label values of {@code tollgate_limit_rejections_total}: each a {@link Limits} guard. */
    static final List<String> LIMITS = List.of("header_timeout", "handshake_timeout", "request_line", "headers",
            "idle_timeout", "connections", "connections_per_source", "connections_per_principal", "request_rate",
            "max_tunnel_lifetime");
    private final Map<String, Counter> limitRejections;

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
        Gauge.builder("tollgate.config.last.reload.success", this, m -> m.reloads.lastReloadOk() ? 1 : 0)
                .description("1 when the last configuration reload succeeded, 0 while the configuration in force "
                        + "is stale (the last good snapshot is kept)").register(registry);
        Gauge.builder("tollgate.config.age.seconds", this, m -> m.reloads.ageSeconds(Instant.now()))
                .description("seconds since the configuration in force was last known current: 0 while it is, counting "
                        + "from the first failed reload, the broken control-plane stream or the rejected version").register(registry);
        for (String limit : new String[] {"file-too-large", "scalar-too-large"}) {
            FunctionCounter.builder("tollgate.limit.rejections", this,
                            m -> m.reloads.limitRejections().applyAsLong(limit))
                    .tag("limit", limit.equals("file-too-large") ? "config_file_size" : "yaml_scalar_size")
                    .description("work refused by a limit").register(registry);
        }
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
        // during a root rotation an operator watches the count go to 2 (both trusted) and back to 1 (old one removed)
        Gauge.builder("tollgate.trust.roots", identity.trust(), t -> t.roots().size())
                .description("mesh roots trusted now").register(registry);
        FunctionCounter.builder("tollgate.trust.bundle.reload.failures", identity.trust(),
                        dev.tollgate.identity.TrustBundle::reloadFailures)
                .description("changes of the root file refused (the last good roots stayed in force)").register(registry);
        Gauge.builder("tollgate.connections.active", activeConnections, AtomicLong::get)
                .description("open client connections").register(registry);
        // registered up front, so that a dashboard sees 0 rather than no series before the first refusal
        limitRejections = LIMITS.stream().collect(java.util.stream.Collectors.toUnmodifiableMap(l -> l,
                l -> Counter.builder("tollgate.limit.rejections").tag("limit", l)
                        .description("connections closed or requests refused by a limit (see proxy/README.md)")
                        .register(registry)));
        upstreamRetries = Counter.builder("tollgate.upstream.retries")
                .description("requests sent again on a new connection after a reused upstream connection closed "
                        + "before responding").register(registry);
    }

    /** Counts one refusal by the limit named (one of {@link #LIMITS}). */
    void limitRejected(String limit) {
        Counter c = limitRejections.get(limit);
        if (c == null) {
            throw new IllegalArgumentException("unknown limit " + limit);
        }
        c.increment();
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

    /** {@code tollgate_address_guard_rejections_total{reason}}: upstream addresses the {@link AddressGuard} refused. */
    void addressRefused(String rule) {
        Counter.builder("tollgate.address.guard.rejections").tag("reason", rule)
                .description("upstream connections refused by the address guard, by rule").register(registry)
                .increment();
    }

    /** {@code tollgate_upstream_connect_timeouts_total}: upstreams not ready within the connect timeout. */
    void connectTimedOut() {
        Counter.builder("tollgate.upstream.connect.timeouts")
                .description("upstream connections not ready within --connect-timeout").register(registry)
                .increment();
    }

    /** For {@code /ready}: empty, or why the configuration in force is stale. */
    String configStaleNote() {
        return reloads.staleNote();
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
