package dev.tollgate.core.routing;

import dev.tollgate.core.model.Consideration;
import dev.tollgate.core.model.Stage;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * What the router looked at while it decided one request: each VirtualService, whether its routes decided and why
 * (not). The router fills it during the same walk that decides, so explain cannot tell a different story from the
 * decision. Deciding for real traffic passes {@link #OFF}, which records nothing; callers build sentences only when
 * {@link #on()}.
 *
 * <p>The first verdict for a VirtualService stands: the rule matcher, which sees the most, records first, and the
 * router then words why every other VirtualService it listed did not take part.
 */
final class RouteTrace {
    static final RouteTrace OFF = new RouteTrace(false, vs -> "");

    private final boolean on;
    private final Function<CompiledVirtualService, String> defaultPrefix;
    private final Map<CompiledVirtualService, Entry> entries = new LinkedHashMap<>();

    private RouteTrace(boolean on, Function<CompiledVirtualService, String> defaultPrefix) {
        this.on = on;
        this.defaultPrefix = defaultPrefix;
    }

    /**
     * @param defaultPrefix how a sentence about a VirtualService starts when the router did not find it by the
     *                      request's host (a gateway's TCP routes, a service's virtual host reached by address)
     */
    static RouteTrace recording(Function<CompiledVirtualService, String> defaultPrefix) {
        return new RouteTrace(true, defaultPrefix);
    }

    boolean on() {
        return on;
    }

    /** A VirtualService the router found for the request's host; its sentence starts with {@code prefix}. */
    void named(CompiledVirtualService vs, String prefix) {
        if (on) {
            entries.putIfAbsent(vs, new Entry(prefix));
        }
    }

    /** Not the proxy's at all (bound elsewhere, not exported, not imported): {@code why} is the whole sentence. */
    void excluded(CompiledVirtualService vs, String why) {
        verdict(vs, false, why, true);
    }

    /** Its routes decided the request. */
    void applied(CompiledVirtualService vs, String why) {
        verdict(vs, true, why, false);
    }

    /** The proxy has it, but it did not decide, because {@code why}. */
    void passed(CompiledVirtualService vs, String why) {
        verdict(vs, false, why, false);
    }

    /** The proxy has it, but the request never reached its routes, because {@code why}. */
    void notReached(CompiledVirtualService vs, String why) {
        if (on && !hasVerdict(vs)) {
            verdict(vs, false, why, false);
            entry(vs).reached = false;
        }
    }

    /** A note appended to its sentence if it decides (which virtual host it owns, and why). */
    void note(CompiledVirtualService vs, String note) {
        if (on) {
            entry(vs).note = note;
        }
    }

    boolean hasVerdict(CompiledVirtualService vs) {
        Entry e = entries.get(vs);
        return e != null && e.why != null;
    }

    /** The VirtualServices listed that no step has yet said anything about. */
    List<CompiledVirtualService> withoutVerdict() {
        List<CompiledVirtualService> out = new ArrayList<>();
        entries.forEach((vs, e) -> {
            if (e.why == null) {
                out.add(vs);
            }
        });
        return out;
    }

    List<Consideration> considerations() {
        List<Consideration> out = new ArrayList<>();
        entries.forEach((vs, e) -> {
            if (e.why == null) {
                throw new IllegalStateException("the router listed " + vs.label() + " but gave no verdict on it");
            }
            String why = e.whole ? e.why : e.prefix + (e.applied ? "; " : ", but ") + e.why
                    + (e.applied && e.note != null ? " (" + e.note + ")" : "");
            out.add(e.reached ? new Consideration(Stage.ROUTE, vs.resource().key(), e.applied, why,
                    vs.resource().origin()) : Consideration.notReached(Stage.ROUTE, vs.resource().key(), why,
                    vs.resource().origin()));
        });
        return List.copyOf(out);
    }

    private void verdict(CompiledVirtualService vs, boolean applied, String why, boolean whole) {
        if (!on) {
            return;
        }
        Entry e = entry(vs);
        if (e.why == null) {
            e.why = why;
            e.applied = applied;
            e.whole = whole;
        }
    }

    private Entry entry(CompiledVirtualService vs) {
        return entries.computeIfAbsent(vs, k -> new Entry(defaultPrefix.apply(k)));
    }

    private static final class Entry {
        final String prefix;
        String why;
        String note;
        boolean applied;
        boolean whole;
        boolean reached = true;

        Entry(String prefix) {
            this.prefix = prefix;
        }
    }
}
