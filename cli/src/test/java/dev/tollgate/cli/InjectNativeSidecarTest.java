package dev.tollgate.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code tollgate inject --native-sidecar}: the proxy as a Kubernetes native sidecar (an init container with
 * restartPolicy Always), read back with fabric8's models as the API server would read it.
 */
class InjectNativeSidecarTest {
    private static final KubernetesSerialization K8S = new KubernetesSerialization();
    private static final Path SLEEP = Path.of("src", "test", "resources", "inject", "sleep.yaml");

    @TempDir
    Path dir;

    static List<HasMetadata> objects(String yaml) {
        Object parsed = K8S.unmarshal(yaml);
        @SuppressWarnings("unchecked")
        List<HasMetadata> list = parsed instanceof List<?> l ? (List<HasMetadata>) l : List.of((HasMetadata) parsed);
        return list;
    }

    static PodSpec inject(String... args) {
        CliRun r = CliRun.of(args);
        assertThat(r.exitCode()).as(r.err()).isZero();
        return switch (objects(r.out()).getLast()) {
            case Deployment d -> d.getSpec().getTemplate().getSpec();
            case Job j -> j.getSpec().getTemplate().getSpec();
            default -> throw new AssertionError(r.out());
        };
    }

    @Test
    void theSleepDeploymentGetsTheProxyAsANativeSidecarThatStartsFirstAndWaitsForItsConfiguration() throws IOException {
        PodSpec classic = inject("inject", "-f", SLEEP.toString());
        PodSpec pod = inject("inject", "--native-sidecar", "-f", SLEEP.toString());

        assertThat(pod.getContainers()).extracting(Container::getName).containsExactly("sleep");
        assertThat(pod.getInitContainers()).extracting(Container::getName)
                .containsExactly("tollgate-init", "tollgate-proxy");
        Container proxy = pod.getInitContainers().get(1);
        assertThat(proxy.getRestartPolicy()).isEqualTo("Always");
        assertThat(proxy.getStartupProbe().getHttpGet().getPath()).isEqualTo("/ready");
        assertThat(proxy.getStartupProbe().getHttpGet().getPort().getIntVal()).isEqualTo(15021);
        assertThat(proxy.getStartupProbe().getPeriodSeconds() * proxy.getStartupProbe().getFailureThreshold())
                .as("seconds the kubelet waits for the first configuration before it restarts the proxy")
                .isGreaterThanOrEqualTo(300);
        assertThat(pod.getInitContainers().getFirst().getRestartPolicy()).as("the capture runs once").isNull();

        // otherwise the same proxy as the classic injection's
        Container classicProxy = classic.getContainers().stream().filter(c -> c.getName().equals("tollgate-proxy"))
                .findFirst().orElseThrow();
        Container comparable = new io.fabric8.kubernetes.api.model.ContainerBuilder(proxy).withRestartPolicy(null)
                .withStartupProbe(null).build();
        assertThat(comparable).isEqualTo(classicProxy);
        assertThat(pod.getVolumes()).isEqualTo(classic.getVolumes());
        assertThat(pod.getContainers().getFirst()).isEqualTo(classic.getContainers().getFirst());

        HasMetadata d = objects(CliRun.of("inject", "--native-sidecar", "-f", SLEEP.toString()).out()).getLast();
        JsonNode status = new ObjectMapper().readTree(((Deployment) d).getSpec().getTemplate().getMetadata()
                .getAnnotations().get("sidecar.tollgate.dev/status"));
        assertThat(status.get("initContainers")).extracting(JsonNode::asText)
                .containsExactly("tollgate-init", "tollgate-proxy");
        assertThat(status.get("containers")).isEmpty();
    }

    @Test
    void thePodsOwnInitContainersRunAfterTheProxyAndUseIt() throws IOException {
        Path job = Files.writeString(dir.resolve("job.yaml"), """
                apiVersion: batch/v1
                kind: Job
                metadata: {name: migrate, namespace: default}
                spec:
                  template:
                    spec:
                      restartPolicy: Never
                      initContainers:
                      - {name: fetch-schema, image: curlimages/curl, command: [curl, -fsS, https://schemas.example.com/v1]}
                      containers:
                      - {name: migrate, image: migrate:1}
                """);
        PodSpec pod = inject("inject", "--native-sidecar", "-f", job.toString());
        assertThat(pod.getInitContainers()).extracting(Container::getName)
                .containsExactly("tollgate-init", "tollgate-proxy", "fetch-schema");
        assertThat(pod.getInitContainers().get(2).getEnv()).extracting(EnvVar::getName)
                .contains("http_proxy", "https_proxy", "no_proxy");
        assertThat(pod.getContainers()).extracting(Container::getName).containsExactly("migrate");
        assertThat(pod.getRestartPolicy()).isEqualTo("Never");

        // without --native-sidecar the pod's init container runs before any proxy: it gets no proxy settings
        PodSpec classic = inject("inject", "-f", job.toString());
        assertThat(classic.getInitContainers()).extracting(Container::getName)
                .containsExactly("fetch-schema", "tollgate-init");
        assertThat(classic.getInitContainers().getFirst().getEnv()).isNullOrEmpty();
    }

    @Test
    void aNativelyInjectedPodIsNotInjectedAgain() throws IOException {
        CliRun once = CliRun.of("inject", "--native-sidecar", "-f", SLEEP.toString());
        Path injected = Files.writeString(dir.resolve("injected.yaml"), once.out());
        CliRun twice = CliRun.of("inject", "--native-sidecar", "-f", injected.toString());
        assertThat(twice.exitCode()).isZero();
        assertThat(objects(twice.out())).isEqualTo(objects(once.out()));
        // nor by the classic injection, even with the status annotation removed: the proxy is among the init containers
        Deployment d = (Deployment) objects(once.out()).getLast();
        d.getSpec().getTemplate().getMetadata().getAnnotations().remove("sidecar.tollgate.dev/status");
        Path stripped = Files.writeString(dir.resolve("stripped.yaml"), K8S.asYaml(d));
        CliRun classic = CliRun.of("inject", "-f", stripped.toString());
        assertThat(classic.exitCode()).as(classic.err()).isZero();
        assertThat(((Deployment) objects(classic.out()).getLast()).getSpec().getTemplate().getSpec().getContainers())
                .extracting(Container::getName).containsExactly("sleep");
    }
}
