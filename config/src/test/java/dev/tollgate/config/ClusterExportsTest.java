package dev.tollgate.config;

import dev.tollgate.core.model.Diagnostic;
import dev.tollgate.core.model.Resource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 10, section 1: what {@code kubectl get ... -o yaml} prints on a live cluster loads, with the API server's
 * metadata, while the fields Istio reads stay strict.
 */
class ClusterExportsTest {
    @TempDir
    Path dir;

    @Test
    void aServiceEntryExportFromALiveClusterLoadsItemByItemWithTheItemsLines() {
        // the reported error was: metadata.managedFields[0].fieldsV1.f:metadata: unknown field "f:metadata" in FieldsV1
        Path file = Fixtures.resource("exports/serviceentries-all-namespaces.yaml");
        LoadResult r = Fixtures.load(file);
        assertThat(r.errors()).as(Fixtures.dump(r.diagnostics())).isEmpty();
        assertThat(r.diagnostics()).as(Fixtures.dump(r.diagnostics())).isEmpty();
        List<? extends Resource<?>> entries = r.config().orElseThrow().serviceEntries();
        assertThat(entries).extracting(e -> e.key().toString())
                .containsExactly("ServiceEntry istio-system/httpbin-ext", "ServiceEntry payments/api-stripe");
        assertThat(entries).extracting(e -> e.origin().line()).containsExactly(5, 62);
        assertThat(entries).allSatisfy(e -> assertThat(e.origin().source()).isEqualTo(file.toString()));
        // labels and annotations are still read; the last-applied annotation is an ordinary annotation
        assertThat(entries.get(1).labels()).containsEntry("app", "payments");
        assertThat(entries.get(0).annotations()).containsKey("kubectl.kubernetes.io/last-applied-configuration");
        // a field of the spec keeps its own line inside the List
        assertThat(entries.get(0).fields().get("spec.hosts").line()).isEqualTo(46);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "managedFields:\n  - manager: kubectl\n    fieldsV1:\n      f:spec:\n        f:hosts: {}\n        .: {}",
            "managedFields: []",
            "resourceVersion: \"1843021\"",
            "uid: 6f0d7c52-3b8e-4b1a-9d2f-0c8e5a7b1e44",
            "generation: 7",
            "creationTimestamp: \"2025-03-14T09:26:53Z\"",
            "creationTimestamp: 2025-03-14T09:26:53Z",
            "deletionTimestamp: \"2025-03-16T08:00:00Z\"\n  deletionGracePeriodSeconds: 30",
            "selfLink: /apis/networking.istio.io/v1/namespaces/default/serviceentries/x",
            "finalizers: [example.com/cleanup]",
            "ownerReferences:\n  - {apiVersion: argoproj.io/v1alpha1, kind: Application, name: a, uid: u, controller: true}",
            "annotations:\n    kubectl.kubernetes.io/last-applied-configuration: |\n      {\"kind\":\"ServiceEntry\"}",
    })
    void metadataTheApiServerWritesLoads(String metadata) {
        LoadResult r = Fixtures.load(dir, "se.yaml", serviceEntry("  " + metadata, "status:\n  anything: [1, {a: b}]\n"));
        assertThat(r.diagnostics()).as(Fixtures.dump(r.diagnostics())).isEmpty();
        assertThat(r.config().orElseThrow().serviceEntries()).hasSize(1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"lables", "nmespace", "annotatons"})
    void aTypoInTheMetadataIstioReadsIsStillAnErrorWithFileAndLine(String typo) {
        Path file = Fixtures.write(dir, "se.yaml", serviceEntry("  " + typo + ":\n    app: x", ""));
        LoadResult r = Fixtures.load(file);
        assertThat(r.ok()).isFalse();
        assertThat(r.errors()).singleElement().satisfies(d -> {
            assertThat(d.code()).isEqualTo("unknown-field");
            assertThat(d.format()).startsWith("Error [unknown-field] (ServiceEntry default/x " + file + ":5:3) metadata."
                    + typo + ": unknown field \"" + typo + "\" in ObjectMeta (did you mean ");
        });
    }

    @Test
    void theMetadataIstioReadsKeepsItsTypes() {
        LoadResult r = Fixtures.load(dir, "se.yaml", serviceEntry("  labels: [app]", ""));
        assertThat(r.errors()).singleElement().satisfies(d -> assertThat(d.format())
                .contains("metadata.labels: expected an object (map), got a list"));
    }

    @Test
    void theSpecStaysStrictInAnExport() {
        LoadResult r = Fixtures.load(dir, "se.yaml", """
                apiVersion: v1
                kind: List
                items:
                - apiVersion: networking.istio.io/v1
                  kind: ServiceEntry
                  metadata:
                    name: x
                    resourceVersion: "1"
                    managedFields: [{fieldsV1: {f:spec: {}}}]
                  spec:
                    hosts: [a.example.com]
                    resolutoin: DNS
                    ports: [{number: 80, name: http, protocol: HTTP}]
                """);
        assertThat(r.errors()).singleElement().satisfies(d -> assertThat(d.format())
                .contains("se.yaml:12:5) spec.resolutoin: unknown field ").startsWith("Error [unknown-field] (ServiceEntry default/x ")
                .endsWith("spec.resolutoin: unknown field "
                        + "\"resolutoin\" in ServiceEntry (did you mean \"resolution\"?)"));
    }

    @Test
    void theIstioConfigMapAndADeploymentAsExportedLoad() {
        LoadResult r = Fixtures.load(dir, "export.yaml", """
                apiVersion: v1
                kind: List
                items:
                - apiVersion: v1
                  kind: ConfigMap
                  metadata:
                    name: istio
                    namespace: istio-system
                    resourceVersion: "1021"
                    uid: 0f6b2f1e-2a1c-4a8e-9d5e-7c3b1a2d4e5f
                    labels: {install.operator.istio.io/owning-resource: unknown, istio.io/rev: default}
                    managedFields:
                    - {apiVersion: v1, fieldsType: FieldsV1, fieldsV1: {f:data: {f:mesh: {}}}, manager: istioctl}
                  data:
                    mesh: |-
                      outboundTrafficPolicy:
                        mode: REGISTRY_ONLY
                - apiVersion: apps/v1
                  kind: Deployment
                  metadata:
                    name: sleep
                    namespace: default
                    generation: 4
                    annotations: {deployment.kubernetes.io/revision: "2"}
                    managedFields:
                    - {apiVersion: apps/v1, fieldsType: FieldsV1, fieldsV1: {f:spec: {f:replicas: {}}}}
                  spec:
                    replicas: 1
                    selector: {matchLabels: {app: sleep}}
                    template:
                      metadata: {labels: {app: sleep}, creationTimestamp: null}
                      spec: {serviceAccountName: sleep, containers: [{name: sleep, image: curlimages/curl}]}
                  status:
                    availableReplicas: 1
                    conditions: [{type: Available, status: "True"}]
                """);
        assertThat(r.errors()).as(Fixtures.dump(r.diagnostics())).isEmpty();
        assertThat(r.config().orElseThrow().mesh().outboundMode().name()).isEqualTo("REGISTRY_ONLY");
        assertThat(r.config().orElseThrow().workloads()).singleElement()
                .satisfies(w -> assertThat(w.serviceAccount()).isEqualTo("sleep"));
    }

    private static String serviceEntry(String metadata, String tail) {
        return """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata:
                  name: x
                %s
                spec:
                  hosts: [a.example.com]
                  resolution: DNS
                  ports: [{number: 80, name: http, protocol: HTTP}]
                %s""".formatted(metadata, tail);
    }

    static String dump(List<Diagnostic> d) {
        return Fixtures.dump(d);
    }
}
