package dev.tollgate.cli.demo;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * One step of the tutorial.
 *
 * @param id     the tutorial's name for it, e.g. {@code A3}
 * @param title  what the step does, in the tutorial's words
 * @param mesh   the fixture with the mesh settings (an IstioOperator)
 * @param config the whole configuration in force during the step (not a delta): for each namespace, the
 *               fixtures applied there, as {@code kubectl apply -n NAMESPACE -f FILE} would
 * @param checks the requests to make and their expected outcomes
 */
public record Step(String id, String title, String mesh, Map<String, List<String>> config, List<Check> checks) {
    public Step {
        config = config.entrySet().stream()
                .collect(Collectors.toUnmodifiableMap(Map.Entry::getKey, e -> List.copyOf(e.getValue())));
        checks = List.copyOf(checks);
    }
}
