package dev.tollgate.core.model;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * Visibility as Istio defines it: {@code pkg/config/visibility} ("." Private "implies namespace local config", "*"
 * Public "implies config is visible to all", "~" None "implies service is visible to no one") and as
 * {@code pilot/pkg/model/push_context.go} indexes it ("if service has exportTo *, make it public and ignore all other
 * exportTos"; "if service does not have exportTo *, but has exportTo ~ - i.e. not visible to anyone, ignore all
 * exportTos"; "exportTo with same namespace is effectively private").
 */
class VisibilityTest {
    private static final String OWN = "team";

    static Stream<Arguments> table() {
        return Stream.of(
                // exportTo, asking namespace, visible?
                arguments(List.of("."), OWN, true),
                arguments(List.of("."), "default", false),
                arguments(List.of("*"), OWN, true),
                arguments(List.of("*"), "default", true),
                arguments(List.of("~"), OWN, false),
                arguments(List.of("~"), "default", false),
                arguments(List.of("default"), "default", true),
                // a named namespace exports there only, not to the resource's own namespace
                arguments(List.of("default"), OWN, false),
                arguments(List.of(OWN), OWN, true),
                arguments(List.of(".", "default"), OWN, true),
                arguments(List.of(".", "default"), "default", true),
                arguments(List.of(".", "default"), "third", false),
                // validation refuses these (validateExportTo: "cannot have both public (*) and non-public exportTo
                // values", "cannot export service entry to no one (~) and someone"); the index still reads them
                arguments(List.of("default", "*"), "third", true),
                arguments(List.of("*", "~"), "third", true),
                arguments(List.of("~", "default"), "default", false),
                arguments(List.of(".", "~"), OWN, false));
    }

    @ParameterizedTest(name = "exportTo {0} from {1}: {2}")
    @MethodSource("table")
    void isVisibleAsIstioIndexesIt(List<String> exportTo, String from, boolean visible) {
        assertThat(Visibility.ofConfig(exportTo, List.of("*")).isVisibleFrom(from, OWN)).isEqualTo(visible);
        assertThat(Visibility.ofService(exportTo, List.of("*")).isVisibleFrom(from, OWN)).isEqualTo(visible);
    }

    static Stream<Arguments> serviceDefaults() {
        return Stream.of(
                arguments(List.of("*"), OWN, true),
                arguments(List.of("*"), "default", true),
                arguments(List.of("."), OWN, true),
                arguments(List.of("."), "default", false),
                arguments(List.of("~"), OWN, false),
                // as written (push_context.go serviceExportTo; RegistryConformanceTest E15): * anywhere is public,
                // a name exports to that namespace only
                arguments(List.of(".", "*"), "default", true),
                arguments(List.of("default"), "default", true),
                arguments(List.of("default"), OWN, false),
                arguments(List.of(".", "default"), OWN, true),
                arguments(List.of(".", "default"), "third", false));
    }

    static Stream<Arguments> destinationRuleDefaults() {
        return Stream.of(
                // push_context.go setDestinationRules: "We only honor . and *": . makes it private, anything else
                // leaves the exportTo set empty, which every namespace sees
                arguments(List.of("*"), "default", true),
                arguments(List.of("."), OWN, true),
                arguments(List.of("."), "default", false),
                arguments(List.of(".", "*"), "default", false),
                arguments(List.of("default"), "third", true),
                arguments(List.of("~"), "default", true),
                arguments(List.of(), "default", true));
    }

    @ParameterizedTest(name = "defaultDestinationRuleExportTo {0} from {1}: {2}")
    @MethodSource("destinationRuleDefaults")
    void anEmptyDestinationRuleExportToReadsOnlyDotFromTheMeshDefault(List<String> meshDefault, String from,
                                                                      boolean visible) {
        Visibility v = Visibility.ofDestinationRule(List.of(), meshDefault);
        assertThat(v.fromMeshDefault()).isTrue();
        assertThat(v.meshDefault()).isEqualTo(meshDefault);
        assertThat(v.isVisibleFrom(from, OWN)).isEqualTo(visible);
    }

    @ParameterizedTest(name = "exportTo {0} from {1}: {2}")
    @MethodSource("table")
    void aDestinationRuleWithExportToReadsItAsWritten(List<String> exportTo, String from, boolean visible) {
        assertThat(Visibility.ofDestinationRule(exportTo, List.of(".")).isVisibleFrom(from, OWN)).isEqualTo(visible);
    }

    static Stream<Arguments> validation() {
        return Stream.of(
                // exportTo, owner, the problems as Istio's validateExportTo words them (entry index: message)
                arguments(List.of(".", "other"), Visibility.Owner.SERVICE_ENTRY, List.of()),
                arguments(List.of("~"), Visibility.Owner.SERVICE_ENTRY, List.of()),
                arguments(List.of(OWN, "."), Visibility.Owner.CONFIG,
                        List.of("1: duplicate entries in exportTo: . and current namespace team")),
                arguments(List.of("a", "a"), Visibility.Owner.CONFIG,
                        List.of("1: duplicate entries in exportTo for entry a")),
                arguments(List.of("~"), Visibility.Owner.CONFIG,
                        List.of("0: exportTo ~ (none) is only allowed on a ServiceEntry")),
                arguments(List.of("Bad_NS"), Visibility.Owner.SERVICE_ENTRY, List.of("0: exportTo entry \"Bad_NS\" is "
                        + "invalid: only ., *, ~ or a namespace name (DNS-1123 label) is allowed")),
                arguments(List.of("*", "a"), Visibility.Owner.CONFIG,
                        List.of("-1: cannot have both public (*) and non-public exportTo values for a resource")),
                arguments(List.of("~", "a"), Visibility.Owner.SERVICE_ENTRY,
                        List.of("-1: cannot export service entry to no one (~) and someone")),
                arguments(List.of("."), Visibility.Owner.DESTINATION_RULE_WITH_SELECTOR, List.of()),
                arguments(List.of("other"), Visibility.Owner.DESTINATION_RULE_WITH_SELECTOR, List.of("-1: destination "
                        + "rule with workload selector cannot have exportTo beyond current namespace")),
                arguments(List.of(".", "other"), Visibility.Owner.DESTINATION_RULE_WITH_SELECTOR, List.of("-1: "
                        + "destination rule with workload selector cannot have multiple entries in exportTo")),
                // mesh defaults: no own namespace, duplicates pass, ~ allowed, * and ~ alone
                arguments(List.of(".", "."), Visibility.Owner.MESH_DEFAULT, List.of()),
                arguments(List.of("~"), Visibility.Owner.MESH_DEFAULT, List.of()),
                arguments(List.of("*", "."), Visibility.Owner.MESH_DEFAULT,
                        List.of("-1: cannot have both public (*) and non-public exportTo values for a resource")));
    }

    @ParameterizedTest(name = "{0} on {1}: {2}")
    @MethodSource("validation")
    void validationIsIstiosValidateExportTo(List<String> exportTo, Visibility.Owner owner, List<String> expected) {
        assertThat(Visibility.problems(exportTo, OWN, owner)).extracting(p -> p.entry() + ": " + p.message())
                .containsExactlyElementsOf(expected);
    }

    @ParameterizedTest(name = "defaultServiceExportTo {0} from {1}: {2}")
    @MethodSource("serviceDefaults")
    void anEmptyServiceExportToTakesTheMeshDefault(List<String> meshDefault, String from, boolean visible) {
        Visibility v = Visibility.ofService(List.of(), meshDefault);
        assertThat(v.fromMeshDefault()).isTrue();
        assertThat(v.meshDefault()).isEqualTo(meshDefault);
        assertThat(v.isVisibleFrom(from, OWN)).isEqualTo(visible);
    }

    @ParameterizedTest(name = "defaultVirtualServiceExportTo {0} from {1}: {2}")
    @MethodSource("table")
    void anEmptyConfigExportToTakesTheMeshDefaultAsWritten(List<String> meshDefault, String from, boolean visible) {
        assertThat(Visibility.ofConfig(List.of(), meshDefault).isVisibleFrom(from, OWN)).isEqualTo(visible);
        assertThat(Visibility.ofConfig(null, meshDefault).isVisibleFrom(from, OWN)).isEqualTo(visible);
    }

    static Stream<Arguments> precedence() {
        return Stream.of(
                // Istio's VirtualService index: private to the namespace, then exported to it, then public
                arguments(List.of("."), OWN, 0),
                arguments(List.of(OWN), OWN, 0),
                arguments(List.of("default"), "default", 1),
                arguments(List.of(".", "default"), "default", 1),
                arguments(List.of("*"), OWN, 2),
                arguments(List.of("*"), "default", 2),
                arguments(List.of("."), "default", 2));
    }

    @ParameterizedTest(name = "exportTo {0} seen from {1}: group {2}")
    @MethodSource("precedence")
    void precedenceFollowsIstiosThreeGroups(List<String> exportTo, String from, int group) {
        assertThat(Visibility.ofConfig(exportTo, List.of()).precedenceFor(from, OWN)).isEqualTo(group);
    }

    @Property
    void publicAnywhereIsVisibleEverywhere(@ForAll("entries") List<String> exportTo,
                                           @ForAll("namespaces") String from) {
        List<String> withPublic = new ArrayList<>(exportTo);
        withPublic.add("*");
        assertThat(Visibility.ofConfig(withPublic, List.of()).isVisibleFrom(from, OWN)).isTrue();
    }

    @Property
    void noneWithoutPublicIsVisibleNowhere(@ForAll("entries") List<String> exportTo,
                                           @ForAll("namespaces") String from) {
        List<String> withNone = new ArrayList<>(exportTo.stream().filter(e -> !e.equals("*")).toList());
        withNone.add("~");
        assertThat(Visibility.ofService(withNone, List.of("*")).isVisibleFrom(from, OWN)).isFalse();
    }

    /** validateExportTo treats "." and the own namespace's name as duplicates: they mean the same. */
    @Property
    void dotIsTheOwnNamespace(@ForAll("entries") List<String> exportTo, @ForAll("namespaces") String from) {
        List<String> named = exportTo.stream().map(e -> e.equals(".") ? OWN : e).toList();
        assertThat(Visibility.ofConfig(exportTo, List.of()).isVisibleFrom(from, OWN))
                .isEqualTo(Visibility.ofConfig(named, List.of()).isVisibleFrom(from, OWN));
    }

    @Property
    void aDeclaredExportToIgnoresTheMeshDefault(@ForAll("entries") List<String> exportTo,
                                                @ForAll("entries") List<String> meshDefault,
                                                @ForAll("namespaces") String from) {
        if (exportTo.isEmpty()) {
            return;
        }
        assertThat(Visibility.ofConfig(exportTo, meshDefault).isVisibleFrom(from, OWN))
                .isEqualTo(Visibility.ofConfig(exportTo, List.of()).isVisibleFrom(from, OWN));
        assertThat(Visibility.ofService(exportTo, meshDefault).isVisibleFrom(from, OWN))
                .isEqualTo(Visibility.ofConfig(exportTo, List.of()).isVisibleFrom(from, OWN));
    }

    /** The listed namespaces and the visibility answer agree: one rule, two views of it. */
    @Property
    void namespacesAgreeWithIsVisibleFrom(@ForAll("entries") List<String> exportTo,
                                          @ForAll("namespaces") String from) {
        Visibility v = Visibility.ofConfig(exportTo, List.of());
        boolean expected = switch (v.scope()) {
            case PUBLIC -> true;
            case NONE -> false;
            case NAMESPACES -> v.namespaces(OWN).contains(from);
        };
        assertThat(v.isVisibleFrom(from, OWN)).isEqualTo(expected);
        assertThat(v.scope() == Visibility.Scope.NAMESPACES || v.namespaces(OWN).isEmpty()).isTrue();
    }

    @Provide
    Arbitrary<List<String>> entries() {
        return Arbitraries.of(".", "*", "~", OWN, "default", "third").list().ofMaxSize(4);
    }

    @Provide
    Arbitrary<String> namespaces() {
        return Arbitraries.of(OWN, "default", "third", "fourth");
    }
}
