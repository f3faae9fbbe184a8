package dev.tollgate.control.push;

import dev.tollgate.core.model.ProxyRef;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The push's meters: {@code tollgate_config_push_total{result="ack|nack"}} counts the proxies' answers (a NACK is a
 * proxy that refused a version and keeps its last good one: alert on it), {@code tollgate_config_responses_total}
 * the versions sent, {@code tollgate_config_superseded_total} the versions never sent because a newer one replaced
 * them while the proxy was not reading, and {@code tollgate_config_proxies{kind}} the proxies connected now.
 */
final class PushMetrics {
    private final Counter acks;
    private final Counter nacks;
    private final Map<ProxyRef.Kind, Counter> sent = new EnumMap<>(ProxyRef.Kind.class);
    private final Map<ProxyRef.Kind, Counter> superseded = new EnumMap<>(ProxyRef.Kind.class);
    private final Map<ProxyRef.Kind, AtomicInteger> connected = new EnumMap<>(ProxyRef.Kind.class);

    PushMetrics(MeterRegistry meters) {
        acks = Counter.builder("tollgate.config.push").tag("result", "ack")
                .description("Config versions the proxies acknowledged").register(meters);
        nacks = Counter.builder("tollgate.config.push").tag("result", "nack")
                .description("Config versions the proxies rejected (they keep their last good one)").register(meters);
        for (ProxyRef.Kind k : ProxyRef.Kind.values()) {
            sent.put(k, Counter.builder("tollgate.config.responses").tag("kind", k.text())
                    .description("Config versions sent to proxies").register(meters));
            superseded.put(k, Counter.builder("tollgate.config.superseded").tag("kind", k.text())
                    .description("Config versions not sent because a newer one replaced them while the proxy was "
                            + "not reading").register(meters));
            AtomicInteger n = new AtomicInteger();
            connected.put(k, n);
            Gauge.builder("tollgate.config.proxies", n, AtomicInteger::get).tag("kind", k.text())
                    .description("Proxies with an open config stream to this replica").register(meters);
        }
    }

    void ack() {
        acks.increment();
    }

    void nack() {
        nacks.increment();
    }

    void sent(ProxyRef.Kind kind) {
        sent.get(kind).increment();
    }

    void superseded(ProxyRef.Kind kind) {
        superseded.get(kind).increment();
    }

    void connected(ProxyRef.Kind kind, int delta) {
        connected.get(kind).addAndGet(delta);
    }
}
