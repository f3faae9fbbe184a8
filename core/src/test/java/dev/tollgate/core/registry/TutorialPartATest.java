package dev.tollgate.core.registry;

import dev.tollgate.core.model.MeshSettings;
import dev.tollgate.core.model.OutboundMode;
import dev.tollgate.core.model.WorkloadRef;
import dev.tollgate.core.testing.TestConfig;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Istio egress tutorial's part A (docs/tutorial.md) at the registry level: for each step, which of the four
 * (workload, host) pairs the sidecar's registry knows on port 443, and whether the request goes out ("ok") under the
 * step's outbound policy. The tutorial: "exportTo: ['.'] ... the ServiceEntry is only visible in the namespace it is
 * applied in".
 */
class TutorialPartATest {
    private static final String GOOGLE = "developers.google.com";
    private static final String YAHOO = "developer.yahoo.com";
    private static final WorkloadRef DEFAULT_SLEEP = new WorkloadRef("default", "sleep", Map.of("app", "sleep"));
    private static final WorkloadRef OTHERNS_SLEEP = new WorkloadRef("otherns", "sleep", Map.of("app", "sleep"));

    /** What a step applies: the mesh mode and where each of the tutorial's ServiceEntries is applied. */
    record Step(OutboundMode mode, List<String> googleIn, List<String> yahooIn) {
    }

    /** Expected "ok" for default→google, default→yahoo, otherns→google, otherns→yahoo (docs/tutorial.md, part A). */
    static Stream<Arguments> steps() {
        return Stream.of(
                step("A1 mesh ALLOW_ANY, no ServiceEntry",
                        new Step(OutboundMode.ALLOW_ANY, List.of(), List.of()),
                        new boolean[]{false, false, false, false}, new boolean[]{true, true, true, true}),
                step("A2 mesh REGISTRY_ONLY",
                        new Step(OutboundMode.REGISTRY_ONLY, List.of(), List.of()),
                        new boolean[]{false, false, false, false}, new boolean[]{false, false, false, false}),
                step("A3 + google ServiceEntry (exportTo ['.']) in default",
                        new Step(OutboundMode.REGISTRY_ONLY, List.of("default"), List.of()),
                        new boolean[]{true, false, false, false}, new boolean[]{true, false, false, false}),
                step("A4 + the same in otherns",
                        new Step(OutboundMode.REGISTRY_ONLY, List.of("default", "otherns"), List.of()),
                        new boolean[]{true, false, true, false}, new boolean[]{true, false, true, false}),
                step("A5 + yahoo ServiceEntry in default",
                        new Step(OutboundMode.REGISTRY_ONLY, List.of("default", "otherns"), List.of("default")),
                        new boolean[]{true, true, true, false}, new boolean[]{true, true, true, false}),
                step("A6 + the same in otherns",
                        new Step(OutboundMode.REGISTRY_ONLY, List.of("default", "otherns"),
                                List.of("default", "otherns")),
                        new boolean[]{true, true, true, true}, new boolean[]{true, true, true, true}));
    }

    private static Arguments step(String name, Step step, boolean[] visible, boolean[] ok) {
        return Arguments.of(Named.of(name, step), visible, ok);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("steps")
    void registryViewMatchesTheTutorial(Step step, boolean[] visible, boolean[] ok) {
        TestConfig config = TestConfig.create().mesh(MeshSettings.DEFAULTS.withOutboundMode(step.mode()));
        step.googleIn().forEach(ns -> config.apply(ns, fixture("google-serviceentry.yaml")));
        step.yahooIn().forEach(ns -> config.apply(ns, fixture("yahoo-serviceentry.yaml")));
        Registry registry = Registry.compile(config.build());

        boolean[] actualVisible = new boolean[4];
        boolean[] actualOk = new boolean[4];
        int i = 0;
        for (WorkloadRef from : List.of(DEFAULT_SLEEP, OTHERNS_SLEEP)) {
            SidecarScope scope = registry.scopeFor(from);
            for (String host : List.of(GOOGLE, YAHOO)) {
                var match = scope.lookup(host, 443);
                actualVisible[i] = match.isPresent() && match.get().port().isPresent();
                actualOk[i] = actualVisible[i] || scope.outboundMode() == OutboundMode.ALLOW_ANY;
                i++;
            }
        }
        assertThat(actualVisible).as("visible to default→google, default→yahoo, otherns→google, otherns→yahoo")
                .containsExactly(visible);
        assertThat(actualOk).as("ok for default→google, default→yahoo, otherns→google, otherns→yahoo")
                .containsExactly(ok);
    }

    static String fixture(String name) {
        try (InputStream in = TutorialPartATest.class.getResourceAsStream("/registry/tutorial/" + name)) {
            assertThat(in).as(name).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
