package dev.tollgate.core.analysis;

import dev.tollgate.core.model.Diagnostic;
import dev.tollgate.core.model.Origin;
import dev.tollgate.core.model.ResourceKey;
import dev.tollgate.core.model.Resource;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Collects analyze warnings, each pointing at the resource and the field path it concerns. */
final class Findings {
    private final List<Diagnostic> out = new ArrayList<>();

    void warn(String code, Resource<?> resource, String path, String message) {
        out.add(new Diagnostic(Diagnostic.Severity.WARNING, code, message, resource.originOf(path),
                Optional.of(resource.key()), path));
    }

    /** A finding about a compiled part of a resource, which carries its own origin ({@code path}'s). */
    void warn(String code, ResourceKey resource, Origin origin, String path, String message) {
        out.add(new Diagnostic(Diagnostic.Severity.WARNING, code, message, origin, Optional.of(resource), path));
    }

    /** A finding about something that is not an Istio resource (a workload), or is one ({@code resource}). */
    void warn(String code, Optional<ResourceKey> resource, Origin origin, String path, String message) {
        out.add(new Diagnostic(Diagnostic.Severity.WARNING, code, message, origin, resource, path));
    }

    List<Diagnostic> list() {
        return List.copyOf(out);
    }
}
