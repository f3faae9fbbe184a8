package dev.tollgate.config;

import dev.tollgate.core.model.ConfigSet;
import dev.tollgate.core.model.Diagnostic;

import java.util.List;
import java.util.Optional;

/** The outcome of loading: a config set when there was no error, and every diagnostic (errors, warnings, notices). */
public record LoadResult(Optional<ConfigSet> config, List<Diagnostic> diagnostics) {
    public LoadResult {
        config = config == null ? Optional.empty() : config;
        diagnostics = List.copyOf(diagnostics);
    }

    public boolean ok() {
        return config.isPresent() && diagnostics.stream().noneMatch(d -> d.severity() == Diagnostic.Severity.ERROR);
    }

    public List<Diagnostic> errors() {
        return diagnostics.stream().filter(d -> d.severity() == Diagnostic.Severity.ERROR).toList();
    }
}
