package dev.tollgate.core.routing;

import java.util.List;
import java.util.Optional;

/**
 * Picks one destination of a weighted route, deterministically. Envoy splits traffic by weight; a decision tool
 * must give one answer, so Tollgate takes the highest weight and the first on ties, and says so in the trace.
 * Istio ignores 0-weighted destinations when a route has several; a single destination takes all traffic.
 */
record WeightedChoice(RouteTarget target, String note) {

    static Optional<WeightedChoice> choose(List<RouteTarget> targets) {
        if (targets.isEmpty()) {
            return Optional.empty();
        }
        if (targets.size() == 1) {
            return Optional.of(new WeightedChoice(targets.get(0), ""));
        }
        RouteTarget best = null;
        int total = 0;
        for (RouteTarget t : targets) {
            if (t.weight() <= 0) {
                continue;
            }
            total += t.weight();
            if (best == null || t.weight() > best.weight()) {
                best = t;
            }
        }
        if (best == null) {
            return Optional.empty();
        }
        return Optional.of(new WeightedChoice(best, "weighted route: chose " + best.describe() + " (weight "
                + best.weight() + " of " + total + "; Tollgate picks the highest weight, the first on ties)"));
    }
}
