package dev.tollgate.config;

import dev.tollgate.core.model.Diagnostic;
import dev.tollgate.core.model.MeshSettings;
import dev.tollgate.core.model.OutboundMode;
import dev.tollgate.core.model.PathNormalization;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static dev.tollgate.config.Fixtures.resource;
import static org.assertj.core.api.Assertions.assertThat;

/** Mesh settings: the istio ConfigMap, then an IstioOperator, then --set, each overriding field by field. */
class MeshSettingsTest {

    private static MeshSettings mesh(LoadResult r) {
        assertThat(r.ok()).as(Fixtures.dump(r.diagnostics())).isTrue();
        return r.config().orElseThrow().mesh();
    }

    private static ConfigSource src(String name) {
        return new ConfigSource(resource(name), Optional.empty());
    }

    @Test
    void istioDefaultsWithoutAnyMeshSource() {
        // resources but no ConfigMap, IstioOperator or --set (no configuration at all is an error: InputSourcesTest)
        assertThat(mesh(Fixtures.load(LoadOptions.DEFAULTS, src("tutorial/serviceentry-google.yaml"))))
                .isEqualTo(MeshSettings.DEFAULTS);
    }

    @Test
    void configMapMeshKeyIsReadWithLocationsInsideTheBlock() {
        LoadResult r = Fixtures.load(LoadOptions.DEFAULTS, src("mesh/istio-configmap.yaml"));
        MeshSettings m = mesh(r);
        assertThat(m.outboundMode()).isEqualTo(OutboundMode.REGISTRY_ONLY);
        assertThat(m.trustDomain()).isEqualTo("configmap.example");
        assertThat(m.rootNamespace()).isEqualTo("mesh-root");
        assertThat(m.origins().get("outboundTrafficPolicy.mode").line()).isEqualTo(9);
        assertThat(m.origins().get("trustDomain").line()).isEqualTo(10);
        assertThat(m.origins().get("trustDomain").source()).endsWith("istio-configmap.yaml");
        assertThat(r.diagnostics()).singleElement().satisfies(d -> {
            assertThat(d.severity()).isEqualTo(Diagnostic.Severity.INFO);
            assertThat(d.message()).contains("accessLogFile").contains("ignored");
            assertThat(d.origin().line()).isEqualTo(12);
        });
    }

    @Test
    void istioOperatorOverridesTheConfigMapFieldByField() {
        MeshSettings m = mesh(Fixtures.load(LoadOptions.DEFAULTS, src("mesh/istio-operator.yaml"),
                src("mesh/istio-configmap.yaml")));
        assertThat(m.outboundMode()).isEqualTo(OutboundMode.ALLOW_ANY);
        assertThat(m.trustDomain()).isEqualTo("operator.example");
        assertThat(m.rootNamespace()).isEqualTo("mesh-root");
        assertThat(m.origins().get("outboundTrafficPolicy.mode").source()).endsWith("istio-operator.yaml");
    }

    @Test
    void setOverridesTheIstioOperator() {
        LoadOptions options = Fixtures.withSet(Map.of("outboundTrafficPolicy.mode", "REGISTRY_ONLY"));
        MeshSettings m = mesh(Fixtures.load(options, src("mesh/istio-configmap.yaml"), src("mesh/istio-operator.yaml")));
        assertThat(m.outboundMode()).isEqualTo(OutboundMode.REGISTRY_ONLY);
        assertThat(m.origins().get("outboundTrafficPolicy.mode").source()).isEqualTo("--set");
        assertThat(m.trustDomain()).isEqualTo("operator.example");
    }

    @Test
    void unknownModeInConfigMapIsAnErrorAtItsLine() {
        LoadResult r = Fixtures.load(LoadOptions.DEFAULTS, src("mesh/bad-mode-configmap.yaml"));
        assertThat(r.ok()).isFalse();
        assertThat(r.errors()).singleElement().satisfies(d -> {
            assertThat(d.origin().source()).endsWith("bad-mode-configmap.yaml");
            assertThat(d.origin().line()).isEqualTo(10);
            assertThat(d.message()).contains("DENY_ALL").contains("ALLOW_ANY or REGISTRY_ONLY");
        });
    }

    @Test
    void misspelledMeshConfigFieldIsAnError() {
        LoadResult r = Fixtures.load(LoadOptions.DEFAULTS, src("mesh/typo-operator.yaml"));
        assertThat(r.errors()).singleElement().satisfies(d -> {
            assertThat(d.code()).isEqualTo("unknown-field");
            assertThat(d.origin().line()).isEqualTo(7);
            assertThat(d.message()).contains("did you mean \"outboundTrafficPolicy\"");
        });
    }

    @Test
    void badModeInSetIsAnErrorFromSet() {
        LoadResult r = Fixtures.load(Fixtures.withSet(Map.of("outboundTrafficPolicy.mode", "registry_only")));
        assertThat(r.errors()).singleElement().satisfies(d -> {
            assertThat(d.origin().source()).isEqualTo("--set");
            assertThat(d.fieldPath()).isEqualTo("meshConfig.outboundTrafficPolicy.mode");
        });
    }

    @Test
    void setOfAnUnknownKeyIsAnErrorAndOfAnUnusedKeyANotice() {
        LoadResult unknown = Fixtures.load(Fixtures.withSet(Map.of("outboundTrafficPolicyy.mode", "ALLOW_ANY")));
        assertThat(unknown.errors()).singleElement().satisfies(d -> assertThat(d.code()).isEqualTo("unknown-field"));
        LoadResult unused = Fixtures.load(Fixtures.withSet(Map.of("accessLogFile", "/dev/stdout")));
        assertThat(unused.ok()).isTrue();
        assertThat(unused.diagnostics()).singleElement()
                .satisfies(d -> assertThat(d.severity()).isEqualTo(Diagnostic.Severity.INFO));
        LoadResult badSub = Fixtures.load(Fixtures.withSet(Map.of("outboundTrafficPolicy.egressProxy", "x")));
        assertThat(badSub.ok()).isFalse();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "{a,b}|a;b", "[a,b]|a;b", "a,b|a;b", "a|a", "'{\"a\", b}'|a;b", "*|*"})
    void setListsAreParsedAsIstioctlDoes(String value, String expected) {
        LoadResult r = Fixtures.load(Fixtures.withSet(Map.of("defaultServiceExportTo", value)));
        assertThat(mesh(r).defaultServiceExportTo()).containsExactlyElementsOf(List.of(expected.split(";")));
    }

    @Test
    void invalidExportToDefaultIsAnError() {
        LoadResult r = Fixtures.load(Fixtures.withSet(Map.of("defaultVirtualServiceExportTo", "{*,default}")));
        assertThat(r.ok()).isFalse();
    }

    @Test
    void meshConfigPrefixInSetKeyIsTolerated() {
        MeshSettings m = mesh(Fixtures.load(Fixtures.withSet(Map.of("meshConfig.trustDomain", "td.example"))));
        assertThat(m.trustDomain()).isEqualTo("td.example");
        assertThat(m.origins()).containsKey("trustDomain");
    }

    @Test
    void twoIstioConfigMapsAreAmbiguous() {
        LoadResult r = Fixtures.load(LoadOptions.DEFAULTS, src("mesh/istio-configmap.yaml"),
                new ConfigSource(resource("mesh/istio-configmap.yaml"), Optional.of("other")));
        assertThat(r.errors()).singleElement().satisfies(d -> assertThat(d.message()).contains("more than one"));
    }

    // ---- pathNormalization (istio.io/latest/docs/reference/config/security/normalization)

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({"NONE,NONE", "BASE,BASE", "DEFAULT,BASE", "MERGE_SLASHES,MERGE_SLASHES",
            "DECODE_AND_MERGE_SLASHES,DECODE_AND_MERGE_SLASHES"})
    void pathNormalizationFromSet(String value, PathNormalization expected) {
        MeshSettings m = mesh(Fixtures.load(Fixtures.withSet(Map.of("pathNormalization.normalization", value))));
        assertThat(m.pathNormalization()).isEqualTo(expected);
        assertThat(m.origins().get("pathNormalization.normalization").source()).isEqualTo("--set");
    }

    @Test
    void pathNormalizationDefaultsToBase() {
        assertThat(MeshSettings.DEFAULTS.pathNormalization()).isEqualTo(PathNormalization.BASE);
    }

    @Test
    void pathNormalizationFromConfigMapThenIstioOperator(@TempDir Path dir) {
        Path cm = Fixtures.write(dir, "cm.yaml", configMap("istio-system",
                "pathNormalization:\n  normalization: NONE"));
        Path iop = Fixtures.write(dir, "iop.yaml", operator("pathNormalization:\n      normalization: MERGE_SLASHES"));
        assertThat(mesh(Fixtures.load(cm)).pathNormalization()).isEqualTo(PathNormalization.NONE);
        assertThat(mesh(Fixtures.load(cm, iop)).pathNormalization()).isEqualTo(PathNormalization.MERGE_SLASHES);
    }

    @Test
    void unknownPathNormalizationIsAnError(@TempDir Path dir) {
        assertThat(Fixtures.load(Fixtures.withSet(Map.of("pathNormalization.normalization", "merge_slashes")))
                .errors()).singleElement().satisfies(d -> assertThat(d.message()).contains("MERGE_SLASHES"));
        assertThat(Fixtures.load(Fixtures.withSet(Map.of("pathNormalization.mode", "NONE"))).ok()).isFalse();
        assertThat(Fixtures.load(Fixtures.write(dir, "iop.yaml", operator("pathNormalization:\n      normalisation: NONE")))
                .errors()).singleElement().satisfies(d -> assertThat(d.code()).isEqualTo("unknown-field"));
    }

    // ---- trustDomainAliases (istio.io/latest/docs/tasks/security/authorization/authz-td-migration)

    @Test
    void trustDomainAliasesFromIstioOperatorSetAndConfigMap(@TempDir Path dir) {
        Path iop = Fixtures.write(dir, "iop.yaml", operator("trustDomain: new-td\n    trustDomainAliases: [old-td, older-td]"));
        MeshSettings m = mesh(Fixtures.load(iop));
        assertThat(m.trustDomain()).isEqualTo("new-td");
        assertThat(m.trustDomainAliases()).containsExactly("old-td", "older-td");
        assertThat(mesh(Fixtures.load(Fixtures.withSet(Map.of("trustDomainAliases", "{a.example,b}"))))
                .trustDomainAliases()).containsExactly("a.example", "b");
        Path cm = Fixtures.write(dir, "cm.yaml", configMap("istio-system", "trustDomainAliases: [x]"));
        assertThat(mesh(Fixtures.load(cm)).trustDomainAliases()).containsExactly("x");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {"*", "old_td", "a..b", "-x"})
    void invalidTrustDomainAliasIsAnError(String alias) {
        LoadResult r = Fixtures.load(Fixtures.withSet(Map.of("trustDomainAliases", alias)));
        assertThat(r.errors()).singleElement().satisfies(d -> assertThat(d.message()).contains("trust domain alias"));
    }

    // ---- istioctl's --set K[i]=V

    @Test
    void setListIndexSyntax() {
        assertThat(mesh(Fixtures.load(Fixtures.withSet(Map.of("defaultServiceExportTo[0]", "."))))
                .defaultServiceExportTo()).containsExactly(".");
        assertThat(mesh(Fixtures.load(Fixtures.withSet(Map.of("meshConfig.trustDomainAliases[0]", "a",
                "meshConfig.trustDomainAliases[1]", "b")))).trustDomainAliases()).containsExactly("a", "b");
        // [0] replaces the first item of the list read so far, as istioctl does over an IstioOperator
        assertThat(mesh(Fixtures.load(Fixtures.withSet(Map.of("defaultServiceExportTo", "{a,b}",
                "defaultServiceExportTo[0]", "c")))).defaultServiceExportTo()).containsExactly("c", "b");
    }

    @Test
    void setListIndexErrors() {
        assertThat(Fixtures.load(Fixtures.withSet(Map.of("defaultServiceExportTo[2]", "."))).errors())
                .singleElement().satisfies(d -> assertThat(d.message()).contains("past the end"));
        assertThat(Fixtures.load(Fixtures.withSet(Map.of("trustDomain[0]", "x"))).errors())
                .singleElement().satisfies(d -> assertThat(d.message()).contains("not a list"));
        assertThat(Fixtures.load(Fixtures.withSet(Map.of("defaultServiceExportTo[0]", "*", 
                "defaultServiceExportTo[1]", "ns"))).ok()).isFalse();
        assertThat(Fixtures.load(Fixtures.withSet(Map.of("defaultServiceExportTo[0]", "Bad_NS"))).ok()).isFalse();
        assertThat(Fixtures.load(Fixtures.withSet(Map.of("discoverySelectorz[0]", "x"))).errors())
                .singleElement().satisfies(d -> assertThat(d.code()).isEqualTo("unknown-field"));
    }

    // ---- the istio ConfigMap counts only where istiod reads it

    @Test
    void istioConfigMapOutsideTheRootNamespaceIsSkippedWithANotice(@TempDir Path dir) {
        Path cm = Fixtures.write(dir, "cm.yaml", configMap("default", "outboundTrafficPolicy:\n  mode: REGISTRY_ONLY"));
        LoadResult r = Fixtures.load(cm);
        assertThat(mesh(r)).isEqualTo(MeshSettings.DEFAULTS);
        assertThat(r.diagnostics()).singleElement().satisfies(d -> {
            assertThat(d.severity()).isEqualTo(Diagnostic.Severity.INFO);
            assertThat(d.code()).isEqualTo("skipped-kind");
            assertThat(d.message()).contains("default/istio").contains("istio-system");
        });
    }

    @Test
    void istioConfigMapOutsideTheRootNamespaceIsNotParsed(@TempDir Path dir) {
        Path cm = Fixtures.write(dir, "cm.yaml", configMap("default", "outboundTrafficPolicy: [mode"));
        assertThat(Fixtures.load(cm).ok()).isTrue();
    }

    @Test
    void istioConfigMapInARootNamespaceSetElsewhereCounts(@TempDir Path dir) {
        Path cm = Fixtures.write(dir, "cm.yaml", configMap("mesh-root", "outboundTrafficPolicy:\n  mode: REGISTRY_ONLY"));
        LoadOptions root = Fixtures.withSet(Map.of("rootNamespace", "mesh-root"));
        assertThat(mesh(Fixtures.load(root, new ConfigSource(cm, Optional.empty()))).outboundMode())
                .isEqualTo(OutboundMode.REGISTRY_ONLY);
        Path iop = Fixtures.write(dir, "iop.yaml", operator("rootNamespace: mesh-root"));
        assertThat(mesh(Fixtures.load(cm, iop)).outboundMode()).isEqualTo(OutboundMode.REGISTRY_ONLY);
    }

    @Test
    void istioOperatorCountsInAnyNamespaceAsIstioctlTakesIt(@TempDir Path dir) {
        Path iop = Fixtures.write(dir, "iop.yaml", operator("outboundTrafficPolicy:\n      mode: REGISTRY_ONLY")
                .replace("namespace: istio-system", "namespace: elsewhere"));
        assertThat(mesh(Fixtures.load(iop)).outboundMode()).isEqualTo(OutboundMode.REGISTRY_ONLY);
    }

    @Test
    void configMapsOutsideTheRootNamespaceAreNotDuplicates(@TempDir Path dir) {
        Path a = Fixtures.write(dir, "a.yaml", configMap("istio-system", "trustDomain: a.example"));
        Path b = Fixtures.write(dir, "b.yaml", configMap("team", "trustDomain: b.example"));
        assertThat(mesh(Fixtures.load(a, b)).trustDomain()).isEqualTo("a.example");
    }

    // ---- ignored keys: a WARNING where ignoring them could let through what Istio refuses

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "discoverySelectors | [{matchLabels: {env: prod}}]",
            "meshMTLS | {minProtocolVersion: TLSV1_3}",
            "tlsDefaults | {minProtocolVersion: TLSV1_3}",
            "inboundTrafficPolicy | {mode: LOCALHOST}",
            "serviceSettings | [{settings: {clusterLocal: true}, hosts: [a.example]}]"})
    void ignoredRestrictionsWarn(String key, String value, @TempDir Path dir) {
        LoadResult r = Fixtures.load(Fixtures.write(dir, "cm.yaml", configMap("istio-system", key + ": " + value)));
        assertThat(r.ok()).isTrue();
        assertThat(r.diagnostics()).singleElement().satisfies(d -> {
            assertThat(d.severity()).isEqualTo(Diagnostic.Severity.WARNING);
            assertThat(d.message()).contains(key).contains("ignored by Tollgate");
        });
        LoadResult set = Fixtures.load(Fixtures.withSet(Map.of(key + ".x", "y")));
        assertThat(set.diagnostics()).singleElement()
                .satisfies(d -> assertThat(d.severity()).isEqualTo(Diagnostic.Severity.WARNING));
    }

    private static String configMap(String namespace, String mesh) {
        return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: istio\n  namespace: " + namespace
                + "\ndata:\n  mesh: |-\n" + mesh.indent(4);
    }

    private static String operator(String meshConfig) {
        return "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nmetadata:\n  name: x\n"
                + "  namespace: istio-system\nspec:\n  meshConfig:\n    " + meshConfig + "\n";
    }
}
