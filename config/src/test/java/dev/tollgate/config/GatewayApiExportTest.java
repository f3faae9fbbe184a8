package dev.tollgate.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Gateway API resources as {@code kubectl get -o yaml} prints them load like Istio kinds: the API server's
 * metadata is accepted, and a typo in the metadata Istio reads is still an error.
 */
class GatewayApiExportTest {
    private static final Path FIXTURE = Path.of("..", "examples", "tutorial-gateway-api", "external-google.yaml");
    private static final String SERVER_METADATA = """
            metadata:
              resourceVersion: "81234"
              uid: 6f1c1f0e-1111-4c4c-9a9a-000000000001
              generation: 2
              creationTimestamp: "2026-11-30T09:00:00Z"
              managedFields:
              - apiVersion: gateway.networking.k8s.io/v1
                fieldsType: FieldsV1
                fieldsV1:
                  f:metadata: {f:annotations: {.: {}}}
                  f:spec: {f:parentRefs: {}}
                manager: kubectl-client-side-apply
                operation: Update
            """;

    @TempDir
    Path dir;

    @Test
    void anExportOfTheGatewayApiVariantLoadsAsTheFilesDo() throws Exception {
        String original = Files.readString(FIXTURE);
        LoadResult plain = Fixtures.load(Fixtures.write(dir, "plain.yaml", original));
        String exported = original.replace("metadata:\n", SERVER_METADATA) + "status:\n  parents: []\n";
        LoadResult export = Fixtures.load(Fixtures.write(dir, "export.yaml", exported));
        assertThat(plain.ok()).as(plain.diagnostics().toString()).isTrue();
        assertThat(export.ok()).as(export.diagnostics().toString()).isTrue();
        assertThat(export.config().orElseThrow().gateways()).hasSameSizeAs(plain.config().orElseThrow().gateways());
        assertThat(export.config().orElseThrow().virtualServices())
                .hasSameSizeAs(plain.config().orElseThrow().virtualServices());
    }

    @Test
    void aTypoInTheMetadataIstioReadsIsStillAnError() throws Exception {
        String typo = Files.readString(FIXTURE).replaceFirst("metadata:\n  name:", "metadata:\n  nmae:");
        LoadResult r = Fixtures.load(Fixtures.write(dir, "typo.yaml", typo));
        assertThat(r.ok()).isFalse();
        assertThat(r.errors()).anySatisfy(d -> assertThat(d.format()).contains("nmae"));
    }
}
