package dev.tollgate.core.snapshot;

import com.google.common.base.Suppliers;
import dev.tollgate.core.model.Origin;
import dev.tollgate.core.model.ProxyRef;
import dev.tollgate.core.model.ResourceKey;
import dev.tollgate.core.model.Stage;

import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * One step of a decision: which proxy, which stage, what happened, and the resource that decided it.
 *
 * <p>A class rather than a record so that its words can wait: some details (why a host is not visible to a
 * workload) walk the registry to be worded, and most decisions (every forwarded request of a proxy, every cell of a
 * matrix) never print them. The decision is made first; {@link #detail} words it from the facts that walk captured,
 * once, when someone reads it. Equality and {@code toString} are a record's.
 *
 * @param proxy    printed e.g. {@code sidecar default/sleep} or {@code gateway istio-system/istio-egressgateway}
 * @param resource the deciding resource, if one did (empty e.g. for "mesh ALLOW_ANY")
 */
public final class Hop {
    public enum Outcome { PASS, DENY }

    private final ProxyRef proxy;
    private final Stage stage;
    private final Outcome outcome;
    private final Supplier<String> detail;
    private final Optional<ResourceKey> resource;
    private final Origin origin;

    public Hop(ProxyRef proxy, Stage stage, Outcome outcome, String detail, Optional<ResourceKey> resource,
               Origin origin) {
        this(proxy, stage, outcome, constant(detail), resource, origin);
    }

    /** A hop whose detail is worded when first read ({@code detail} must be pure: it may run on any thread). */
    public Hop(ProxyRef proxy, Stage stage, Outcome outcome, Supplier<String> detail, Optional<ResourceKey> resource,
               Origin origin) {
        this.proxy = Objects.requireNonNull(proxy);
        this.stage = Objects.requireNonNull(stage);
        this.outcome = Objects.requireNonNull(outcome);
        this.detail = Objects.requireNonNull(detail);
        this.resource = resource == null ? Optional.empty() : resource;
        this.origin = origin == null ? Origin.UNKNOWN : origin;
    }

    /** Words worded once, on the first read, by whichever thread reads first; never null. */
    static Supplier<String> lazily(Supplier<String> words) {
        return Suppliers.memoize(() -> Objects.requireNonNull(words.get()));
    }

    private static Supplier<String> constant(String s) {
        Objects.requireNonNull(s);
        return () -> s;
    }

    public ProxyRef proxy() {
        return proxy;
    }

    public Stage stage() {
        return stage;
    }

    public Outcome outcome() {
        return outcome;
    }

    public String detail() {
        return detail.get();
    }

    public Optional<ResourceKey> resource() {
        return resource;
    }

    public Origin origin() {
        return origin;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Hop h && proxy.equals(h.proxy) && stage == h.stage && outcome == h.outcome
                && detail().equals(h.detail()) && resource.equals(h.resource) && origin.equals(h.origin);
    }

    @Override
    public int hashCode() {
        return Objects.hash(proxy, stage, outcome, detail(), resource, origin);
    }

    @Override
    public String toString() {
        return "Hop[proxy=" + proxy + ", stage=" + stage + ", outcome=" + outcome + ", detail=" + detail()
                + ", resource=" + resource + ", origin=" + origin + "]";
    }
}
