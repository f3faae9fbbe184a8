package dev.tollgate.core.snapshot;

import dev.tollgate.core.model.Consideration;
import java.util.List;

/**
 * {@code tollgate explain}: the check result plus every resource considered along the path.
 *
 * @param meshSettings the mesh settings behind the answer, each with where it came from, and a warning line for
 *                     each source that disagreed
 */
public record Explanation(CheckResult result, List<Consideration> considerations, List<String> meshSettings) {
    public Explanation {
        considerations = List.copyOf(considerations);
        meshSettings = meshSettings == null ? List.of() : List.copyOf(meshSettings);
    }

    public Explanation(CheckResult result, List<Consideration> considerations) {
        this(result, considerations, List.of());
    }
}
