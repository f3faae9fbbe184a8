package dev.tollgate.core.analysis;

import dev.tollgate.core.model.ConfigSet;
import dev.tollgate.core.model.Diagnostic;

import java.util.List;

/** Placeholder so main compiles while the analyzer is written on h/authz; that branch's version replaces this file. */
public final class EgressAnalyzer {
    private EgressAnalyzer() {
    }

    public static List<Diagnostic> analyze(ConfigSet config) {
        throw new UnsupportedOperationException("tollgate analyze is not merged yet");
    }
}
