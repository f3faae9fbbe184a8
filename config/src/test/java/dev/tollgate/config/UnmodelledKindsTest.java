package dev.tollgate.config;

import dev.tollgate.core.model.Diagnostic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 10, section 2: a kind that changes what Istio does but that Tollgate does not model is a warning with
 * file:line saying what it may change, never a silent skip; kinds that cannot matter stay an info.
 */
class UnmodelledKindsTest {
    @TempDir
    Path dir;

    private static final String SE = """
            ---
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata:
              name: se
            spec:
              hosts: [a.example.com]
              ports: [{number: 80, name: http, protocol: HTTP}]
            """;

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', value = {
            "networking.istio.io/v1alpha3 | EnvoyFilter        | egress behaviour: it patches the Envoy configuration",
            "networking.istio.io/v1beta1  | WorkloadGroup      | egress routing: it makes WorkloadEntries",
            "networking.istio.io/v1beta1  | ProxyConfig        | egress behaviour: it sets proxy settings",
            "security.istio.io/v1         | PeerAuthentication | mTLS between workloads and the egress gateway",
            "security.istio.io/v1beta1    | PeerAuthentication | mTLS between workloads and the egress gateway",
            "security.istio.io/v1         | RequestAuthentication | egress authorization: it rejects requests",
            "telemetry.istio.io/v1        | Telemetry          | the access logs, metrics and traces of egress traffic",
            "telemetry.istio.io/v1alpha1  | Telemetry          | the access logs, metrics and traces of egress traffic",
            "extensions.istio.io/v1alpha1 | WasmPlugin         | egress behaviour: its Wasm filter",
    })
    void aKindTollgateDoesNotModelIsAWarningSayingWhatItMayChange(String apiVersion, String kind, String effect) {
        Path file = Fixtures.write(dir, "k.yaml", """
                # a comment, so that the resource starts on line 2
                apiVersion: %s
                kind: %s
                metadata:
                  name: x
                  namespace: istio-system
                spec: {}
                """.formatted(apiVersion, kind) + SE);
        LoadResult r = Fixtures.load(file);
        assertThat(r.ok()).as("the rest of the configuration still loads").isTrue();
        assertThat(r.config().orElseThrow().serviceEntries()).hasSize(1);
        assertThat(r.diagnostics()).singleElement().satisfies(d -> {
            assertThat(d.severity()).isEqualTo(Diagnostic.Severity.WARNING);
            assertThat(d.format()).startsWith("Warning [unmodelled-kind] (" + file + ":2:1) " + kind
                    + " istio-system/x may change " + effect);
            assertThat(d.message()).endsWith("; Tollgate does not model " + kind);
        });
    }

    @Test
    void theIssuesExampleReadsAsWritten() {
        Path file = Fixtures.write(dir, "ef.yaml", """
                apiVersion: networking.istio.io/v1alpha3
                kind: EnvoyFilter
                metadata:
                  name: x
                  namespace: istio-system
                spec:
                  configPatches: []
                """);
        assertThat(Fixtures.load(file).diagnostics()).singleElement().satisfies(d -> assertThat(d.message())
                .startsWith("EnvoyFilter istio-system/x may change egress behaviour")
                .endsWith("; Tollgate does not model EnvoyFilter"));
    }

    @Test
    void aServiceIsReadIntoTheRegistryWithoutAWord() {
        LoadResult r = Fixtures.load(dir, "svc.yaml", """
                apiVersion: v1
                kind: Service
                metadata:
                  name: db
                spec:
                  ports: [{name: tcp, port: 5432}]
                """);
        assertThat(r.diagnostics()).isEmpty();
        assertThat(r.config().orElseThrow().services()).singleElement()
                .satisfies(s -> assertThat(s.host()).isEqualTo("db.default.svc.cluster.local"));
    }

    @Test
    void anExternalNameServiceIsReadAsAnAlias() {
        LoadResult r = Fixtures.load(dir, "svc.yaml", """
                apiVersion: v1
                kind: Service
                metadata:
                  name: httpbin
                spec:
                  type: ExternalName
                  externalName: httpbin.org
                """);
        assertThat(r.diagnostics()).isEmpty();
        assertThat(r.config().orElseThrow().services()).singleElement()
                .satisfies(s -> assertThat(s.externalName()).contains("httpbin.org"));
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', value = {
            "v1             | ConfigMap",
            "v1             | ServiceAccount",
            "v1             | Namespace",
            "v1             | Secret",
            "apps/v1        | Deployment",
            "example.com/v1 | Service",
            "example.com/v1 | EnvoyFilter",
    })
    void aKindThatCannotMatterStaysAnInfo(String apiVersion, String kind) {
        String body = kind.equals("Deployment")
                ? "spec:\n  template:\n    metadata: {labels: {app: a}}\n    spec: {serviceAccountName: a}\n" : "";
        LoadResult r = Fixtures.load(dir, "k.yaml", """
                apiVersion: %s
                kind: %s
                metadata:
                  name: other
                """.formatted(apiVersion, kind) + body + SE);
        assertThat(r.ok()).as(Fixtures.dump(r.diagnostics())).isTrue();
        assertThat(r.diagnostics()).noneMatch(d -> d.severity() != Diagnostic.Severity.INFO);
    }

    @Test
    void anUnknownKindInAnIstioGroupIsStillAnError() {
        LoadResult r = Fixtures.load(dir, "k.yaml", """
                apiVersion: networking.istio.io/v1
                kind: EnvoyFilters
                metadata:
                  name: x
                """);
        assertThat(r.errors()).singleElement().satisfies(d -> assertThat(d.message())
                .isEqualTo("unknown kind EnvoyFilters in networking.istio.io (did you mean \"EnvoyFilter\"?)"));
    }
}
