package dev.tollgate.config;

import dev.tollgate.core.model.Workload;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static dev.tollgate.config.Fixtures.resource;
import static org.assertj.core.api.Assertions.assertThat;

/** Workloads from Kubernetes manifests; other kinds are skipped with one notice each. */
class WorkloadsTest {
    @TempDir
    Path dir;

    @Test
    void sleepCustomGivesTwoWorkloadsWithTheirServiceAccounts() {
        LoadResult r = Fixtures.load(LoadOptions.DEFAULTS,
                new ConfigSource(resource("workloads/sleep-custom.yaml"), Optional.of("otherns")));
        assertThat(r.ok()).as(Fixtures.dump(r.diagnostics())).isTrue();
        List<Workload> workloads = r.config().orElseThrow().workloads();
        assertThat(workloads).extracting(Workload::name).containsExactly("sleep-google", "sleep-yahoo");
        assertThat(workloads.get(0).namespace()).isEqualTo("otherns");
        assertThat(workloads.get(0).serviceAccount()).isEqualTo("sleep-google");
        assertThat(workloads.get(0).labels()).isEqualTo(Map.of("app", "sleep-google"));
        assertThat(workloads.get(1).ref().principal("cluster.local"))
                .isEqualTo("cluster.local/ns/otherns/sa/sleep-yahoo");
        assertThat(workloads.get(0).origin().line()).isEqualTo(37); // the Deployment's apiVersion line
        // the two Services join the registry and ServiceAccounts are understood, all silently
        assertThat(r.diagnostics()).isEmpty();
        assertThat(r.config().orElseThrow().services()).extracting(s -> s.host())
                .containsExactly("sleep-google.otherns.svc.cluster.local", "sleep-yahoo.otherns.svc.cluster.local");
    }

    @Test
    void podsCronJobsAndStatefulSetsAreWorkloads() {
        LoadResult r = Fixtures.load(resource("workloads/pods-and-jobs.yaml"));
        assertThat(r.ok()).as(Fixtures.dump(r.diagnostics())).isTrue();
        assertThat(r.config().orElseThrow().workloads()).extracting(Workload::name, Workload::namespace,
                        Workload::serviceAccount)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("debug", "apps", "default"),
                        org.assertj.core.groups.Tuple.tuple("nightly", "apps", "batch"),
                        org.assertj.core.groups.Tuple.tuple("db", "default", "legacy-sa"));
        assertThat(r.config().orElseThrow().workloads().get(2).labels()).containsEntry("tier", "data");
    }

    @Test
    void nonStringLabelIsAnError() {
        Path file = Fixtures.write(dir, "pod.yaml", """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: p
                  labels:
                    version: 1.0
                """);
        LoadResult r = Fixtures.load(file);
        assertThat(r.errors()).singleElement().satisfies(d -> {
            assertThat(d.origin().line()).isEqualTo(6);
            assertThat(d.message()).contains("label values must be strings");
        });
    }
}
