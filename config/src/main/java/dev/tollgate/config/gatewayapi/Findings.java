package dev.tollgate.config.gatewayapi;

import dev.tollgate.core.model.Diagnostic;
import dev.tollgate.core.model.Diagnostic.Severity;
import dev.tollgate.core.model.Origin;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The conversion's diagnostics, each at the Gateway API field it is about. */
final class Findings {
    private final List<Diagnostic> all = new ArrayList<>();

    void add(Severity severity, String code, Origin origin, String path, String message) {
        all.add(new Diagnostic(severity, code, message, origin, Optional.empty(), path));
    }

    List<Diagnostic> all() {
        return List.copyOf(all);
    }
}
