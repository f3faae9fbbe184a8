package dev.tollgate.cli;

import dev.tollgate.config.ConfigLoader;
import dev.tollgate.config.LoadResult;
import dev.tollgate.core.model.ConfigSet;
import dev.tollgate.core.model.Diagnostic;

import java.io.PrintWriter;

/** Loads the -f files for a one-shot command; any error ends the command with exit status 2. */
final class ConfigLoading {
    private ConfigLoading() {
    }

    /** Thrown when the configuration cannot be used; the diagnostics were already printed. */
    static final class ConfigurationError extends RuntimeException {
        ConfigurationError(String message) {
            super(message);
        }
    }

    static ConfigSet load(ConfigOptions options, PrintWriter err) {
        return load(options, err, true).config().orElseThrow();
    }

    /**
     * Loads for a command that reports the loader's warnings itself ({@code analyze}, among its findings), so they
     * are not printed here too; errors are, as for every command.
     */
    static LoadResult loadKeepingWarnings(ConfigOptions options, PrintWriter err) {
        return load(options, err, false);
    }

    private static LoadResult load(ConfigOptions options, PrintWriter err, boolean printWarnings) {
        LoadResult result = ConfigLoader.load(options.sources(), options.loadOptions());
        for (Diagnostic d : result.diagnostics()) {
            if (!result.ok() || printWarnings && d.severity() != Diagnostic.Severity.INFO) {
                err.println(d.format());
            }
        }
        if (!result.ok()) {
            int n = result.errors().size();
            throw new ConfigurationError(n + " configuration error" + (n == 1 ? "" : "s")
                    + "; nothing was evaluated (an invalid resource never widens access)");
        }
        return result;
    }
}
