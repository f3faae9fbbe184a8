package dev.tollgate.config;

import dev.tollgate.core.model.Diagnostic;
import dev.tollgate.core.model.Diagnostic.Severity;
import dev.tollgate.core.model.Origin;
import dev.tollgate.core.model.ResourceKey;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Collects the diagnostics of one load, each with its origin, resource and field path. */
final class Problems {
    private final List<Diagnostic> diagnostics = new ArrayList<>();

    /** The diagnostics about one resource. */
    Scoped about(Optional<ResourceKey> resource) {
        return new Scoped(resource);
    }

    void add(Severity severity, String code, Origin origin, Optional<ResourceKey> resource, String path,
             String message) {
        diagnostics.add(new Diagnostic(severity, code, message, origin, resource, path));
    }

    /** A diagnostic another {@code Problems} collected (a text checked on its own), in its place in this load. */
    void add(Diagnostic diagnostic) {
        diagnostics.add(diagnostic);
    }

    int size() {
        return diagnostics.size();
    }

    List<Diagnostic> all() {
        return List.copyOf(diagnostics);
    }

    boolean hasErrors() {
        return diagnostics.stream().anyMatch(d -> d.severity() == Severity.ERROR);
    }

    /** Diagnostics bound to one resource; counts its own errors so that an invalid resource is never loaded. */
    final class Scoped {
        private final Optional<ResourceKey> resource;
        private int errors;

        private Scoped(Optional<ResourceKey> resource) {
            this.resource = resource;
        }

        void error(String code, FieldNode at, String message) {
            error(code, at.origin(), at.path(), message);
        }

        void error(String code, Origin origin, String path, String message) {
            errors++;
            add(Severity.ERROR, code, origin, resource, path, message);
        }

        void warning(String code, FieldNode at, String message) {
            add(Severity.WARNING, code, at.origin(), resource, at.path(), message);
        }

        void warning(String code, Origin origin, String path, String message) {
            add(Severity.WARNING, code, origin, resource, path, message);
        }

        void info(String code, Origin origin, String path, String message) {
            add(Severity.INFO, code, origin, resource, path, message);
        }

        int errors() {
            return errors;
        }
    }
}
