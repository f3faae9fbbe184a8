package dev.tollgate.config;

import java.lang.invoke.MethodHandles;

/**
 * A head start for a process that is about to load configuration but is still parsing its command line: sets up,
 * on another core, what loading needs whatever the files hold (the loader's JSON mapper, the YAML reader, the
 * metadata schema), about a tenth of {@code check}'s start-up. Loading does the same when it gets there first;
 * the JVM's class initialization makes either wait for the other, never run twice.
 */
public final class ConfigWarmUp {
    private ConfigWarmUp() {
    }

    public static void start() {
        Thread.ofPlatform().daemon().name("tollgate-config-warm-up").start(() -> {
            try {
                MethodHandles.Lookup lookup = MethodHandles.lookup();
                lookup.ensureInitialized(ConfigLoader.class);
                YamlReader.read("warm-up", "kind: ServiceEntry\n", YamlLimits.DEFAULTS);
                MetadataRules.metadataShape().properties();
            } catch (IllegalAccessException | YamlReader.SyntaxError | RuntimeException e) {
                // only a head start: loading meets (and reports) whatever went wrong here
            }
        });
    }
}
