package dev.tollgate.config;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.tollgate.core.model.Diagnostic;
import dev.tollgate.core.model.Resource;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Files laid over a cluster's objects, as {@code istioctl analyze} combines them: a file's object replaces the
 * cluster's of the same name whatever the versions, the others of both count, and errors still name their source.
 */
class FilesOverObjectsLoadTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private static final String CLUSTER_DENY = """
            apiVersion: security.istio.io/v1
            kind: AuthorizationPolicy
            metadata: {name: deny-google, namespace: istio-system}
            spec:
              action: DENY
              rules: [{to: [{operation: {hosts: ["www.google.com"]}}]}]
            """;
    private static final String CLUSTER_SE = """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: google, namespace: default}
            spec: {hosts: ["www.google.com"], ports: [{number: 443, name: tls, protocol: TLS}], resolution: DNS}
            """;

    @Test
    void aFilesObjectReplacesTheClustersOfTheSameNameAtAnyVersion() {
        String file = """
                apiVersion: security.istio.io/v1beta1
                kind: AuthorizationPolicy
                metadata: {name: deny-google}
                spec:
                  action: DENY
                  rules: [{to: [{operation: {hosts: ["www.yahoo.com"]}}]}]
                """;
        LoadResult r = ConfigLoader.load(List.of(ConfigSource.stdin(file.getBytes(), Optional.of("istio-system"))),
                List.of(object("cluster:deny", CLUSTER_DENY), object("cluster:se", CLUSTER_SE)),
                LoadOptions.DEFAULTS);

        assertThat(r.ok()).as(r.diagnostics().toString()).isTrue();
        List<? extends Resource<?>> policies = r.config().orElseThrow().authorizationPolicies();
        assertThat(policies).hasSize(1);
        assertThat(policies.get(0).spec().toString()).contains("www.yahoo.com").doesNotContain("www.google.com");
        assertThat(policies.get(0).key().namespace()).isEqualTo("istio-system");
        assertThat(r.config().orElseThrow().serviceEntries()).extracting(Resource::name).containsExactly("google");
    }

    @Test
    void aFilesObjectInAnotherNamespaceReplacesNothing() {
        String file = CLUSTER_DENY.replace("namespace: istio-system", "namespace: other");
        LoadResult r = ConfigLoader.load(List.of(ConfigSource.stdin(file.getBytes(), Optional.empty())),
                List.of(object("cluster:deny", CLUSTER_DENY)), LoadOptions.DEFAULTS);

        assertThat(r.ok()).isTrue();
        assertThat(r.config().orElseThrow().authorizationPolicies()).extracting(x -> x.key().namespace())
                .containsExactlyInAnyOrder("istio-system", "other");
    }

    @Test
    void anInvalidClusterObjectStillFailsTheLoadNamingIt() {
        String broken = CLUSTER_DENY.replace("action: DENY", "action: DENNY");
        LoadResult r = ConfigLoader.load(List.of(ConfigSource.stdin(CLUSTER_SE.getBytes(), Optional.empty())),
                List.of(object("cluster:security.istio.io/AuthorizationPolicy/istio-system/deny-google", broken)),
                LoadOptions.DEFAULTS);

        assertThat(r.ok()).isFalse();
        assertThat(r.errors()).extracting(d -> d.origin().source())
                .containsOnly("cluster:security.istio.io/AuthorizationPolicy/istio-system/deny-google");
    }

    @Test
    void anInvalidClusterObjectReplacedByAFileNoLongerCounts() {
        String broken = CLUSTER_DENY.replace("action: DENY", "action: DENNY");
        LoadResult r = ConfigLoader.load(List.of(ConfigSource.stdin(CLUSTER_DENY.getBytes(), Optional.empty())),
                List.of(object("cluster:deny", broken)), LoadOptions.DEFAULTS);

        assertThat(r.ok()).as(r.diagnostics().stream().map(Diagnostic::format).toList().toString()).isTrue();
        assertThat(r.config().orElseThrow().authorizationPolicies()).hasSize(1);
    }

    @Test
    void aSyntaxErrorInTheFilesIsReportedAtItsLine() {
        String bad = "apiVersion: v1\nkind: [\n";
        LoadResult r = ConfigLoader.load(List.of(ConfigSource.stdin(bad.getBytes(), Optional.empty())),
                List.of(object("cluster:se", CLUSTER_SE)), LoadOptions.DEFAULTS);

        assertThat(r.ok()).isFalse();
        assertThat(r.errors()).extracting(d -> d.origin().source()).containsOnly(ConfigSource.STDIN);
        assertThat(r.errors().get(0).origin().line()).isPositive();
    }

    @SuppressWarnings("unchecked")
    private static ParsedObject object(String source, String yaml) {
        try {
            return new ParsedObject(source, YAML.readValue(yaml, Map.class));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
