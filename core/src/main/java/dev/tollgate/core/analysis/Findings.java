package dev.tollgate.core.analysis;

import dev.tollgate.core.model.Diagnostic;
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

    List<Diagnostic> list() {
        return List.copyOf(out);
    }
}
