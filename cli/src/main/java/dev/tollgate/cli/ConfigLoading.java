package dev.tollgate.cli;

import dev.tollgate.config.ConfigLoader;
import dev.tollgate.config.LoadOptions;
import dev.tollgate.config.LoadResult;
import dev.tollgate.config.ParsedObject;
import dev.tollgate.core.model.ConfigSet;
import dev.tollgate.core.model.Diagnostic;

import java.io.PrintWriter;
import java.util.List;

/**
 * Loads the -f files, and with --kubernetes the live cluster's objects under them, for a one-shot command; any error
 * ends the command with exit status 2.
 */
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
        LoadResult result = loadQuietly(options);
        for (Diagnostic d : result.diagnostics()) {
            if (d.severity() != Diagnostic.Severity.INFO || !result.ok()) {
                err.println(d.format());
            }
        }
        if (!result.ok()) {
            throw failed(result);
        }
        return result.config().orElseThrow();
    }

    /**
     * Loads without printing, for a command that reports the diagnostics itself ({@code analyze}); {@link #load}
     * goes through here too, so a rule about the input holds for every command.
     */
    static LoadResult loadQuietly(ConfigOptions options) {
        if (!options.kubernetes) {
            options.cluster();
            return ConfigLoader.load(options.sources(), options.loadOptions());
        }
        LoadOptions load = options.loadOptions();
        List<ParsedObject> cluster = options.cluster();
        // an empty cluster is a configuration (Istio's defaults), not a forgotten -f
        return options.files.isEmpty() ? ConfigLoader.loadObjects(cluster, load)
                : ConfigLoader.load(options.sources(), cluster, load);
    }

    /** The error that ends a command whose configuration did not load, its diagnostics already printed. */
    static ConfigurationError failed(LoadResult result) {
        int n = result.errors().size();
        return new ConfigurationError(n + " configuration error" + (n == 1 ? "" : "s")
                + "; nothing was evaluated (an invalid resource never widens access)");
    }
}
