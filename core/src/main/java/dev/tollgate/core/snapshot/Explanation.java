package dev.tollgate.core.snapshot;

import dev.tollgate.core.model.Consideration;
import java.util.List;

/** {@code tollgate explain}: the check result plus every resource considered along the path. */
public record Explanation(CheckResult result, List<Consideration> considerations) {
    public Explanation {
        considerations = List.copyOf(considerations);
    }
}
