package dev.tollgate.core.registry;

import dev.tollgate.core.model.Resource;
import io.fabric8.istio.api.api.networking.v1alpha3.Sidecar;

import java.util.ArrayList;
import java.util.List;

/**
 * What {@link Registry#scopeFor} made of every Sidecar it could have used for a workload, recorded by the walk that
 * chose, so that {@code explain} words that walk instead of reading the rules again. A recording walk does not stop
 * at the Sidecar that applies: it goes on through the rest of the namespace and the root namespace. {@link #OFF}
 * records nothing.
 */
final class SidecarTrace {

    /** What the walk made of one Sidecar. */
    enum Outcome {
        /** The first Sidecar of the namespace whose workloadSelector matches the workload: it applies. */
        APPLIES_BY_SELECTOR,
        /** The namespace's first Sidecar without workloadSelector, and none with a matching selector: it applies. */
        APPLIES_NAMESPACE_WIDE,
        /** The root namespace's first Sidecar without workloadSelector, and the namespace has none: it applies. */
        APPLIES_FROM_ROOT,
        SELECTOR_DOES_NOT_MATCH,
        /** Its workloadSelector matches too, but an earlier one (by name) was taken. */
        EARLIER_SELECTOR_APPLIES,
        /** Namespace-wide, but a Sidecar with a matching selector takes precedence. */
        SELECTOR_TAKES_PRECEDENCE,
        /** A second namespace-wide Sidecar: Istio uses only the first. */
        DUPLICATE_NAMESPACE_WIDE,
        /** In the root namespace with a workloadSelector: it applies only to root namespace workloads. */
        ROOT_WITH_SELECTOR,
        /** The root namespace's default, but the workload's namespace has a Sidecar that applies. */
        ROOT_OVERRIDDEN,
        /** A second selector-less Sidecar in the root namespace. */
        DUPLICATE_ROOT;

        boolean applies() {
            return this == APPLIES_BY_SELECTOR || this == APPLIES_NAMESPACE_WIDE || this == APPLIES_FROM_ROOT;
        }
    }

    record Note(Resource<Sidecar> sidecar, Outcome outcome) {
    }

    static final SidecarTrace OFF = new SidecarTrace(false);

    private final boolean on;
    private final List<Note> notes = new ArrayList<>();

    private SidecarTrace(boolean on) {
        this.on = on;
    }

    static SidecarTrace recording() {
        return new SidecarTrace(true);
    }

    boolean on() {
        return on;
    }

    void note(Resource<Sidecar> sidecar, Outcome outcome) {
        if (on) {
            notes.add(new Note(sidecar, outcome));
        }
    }

    /** The workload namespace's Sidecars in Istio's order, then the root namespace's. */
    List<Note> notes() {
        return List.copyOf(notes);
    }
}
