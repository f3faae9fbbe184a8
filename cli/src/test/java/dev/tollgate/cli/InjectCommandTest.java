package dev.tollgate.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesList;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static dev.tollgate.cli.ConfigInputTest.withStdin;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code tollgate inject} on a sleep Deployment like the tutorial's: the output, read back with fabric8's model
 * classes, holds every piece the control-plane contract asks of an injected pod, and nothing else changed;
 * injecting twice changes nothing; opted-out and hostNetwork pods, other kinds and hostile input.
 */
class InjectCommandTest {
    private static final KubernetesSerialization K8S = new KubernetesSerialization();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path SLEEP = Path.of("src", "test", "resources", "inject", "sleep.yaml");

    @TempDir
    Path dir;

    @Test
    void theSleepDeploymentGetsEveryPieceOfTheSidecar() throws IOException {
        CliRun r = CliRun.of("inject", "-f", SLEEP.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.err()).isEmpty();
        List<HasMetadata> out = objects(r.out());
        List<HasMetadata> in = objects(Files.readString(SLEEP));
        assertThat(out).hasSize(3);
        // the ServiceAccount and the Service pass through as they were
        assertThat(out.get(0)).isEqualTo(in.get(0));
        assertThat(out.get(1)).isEqualTo(in.get(1));

        Deployment d = (Deployment) out.get(2);
        Deployment original = (Deployment) in.get(2);
        assertThat(d.getMetadata()).isEqualTo(original.getMetadata());
        assertThat(d.getSpec().getSelector()).isEqualTo(original.getSpec().getSelector());
        PodTemplateSpec t = d.getSpec().getTemplate();
        PodSpec pod = t.getSpec();
        assertThat(t.getMetadata().getLabels()).isEqualTo(Map.of("app", "sleep"));
        assertThat(pod.getServiceAccountName()).isEqualTo("sleep");
        assertThat(pod.getContainers()).extracting(Container::getName).containsExactly("sleep", "tollgate-proxy");
        assertThat(pod.getInitContainers()).extracting(Container::getName).containsExactly("tollgate-init");
        assertThat(pod.getVolumes()).extracting(Volume::getName).containsExactly("secret-volume", "tollgate-token",
                "tollgate-ca-root", "tollgate-podinfo", "tollgate-tmp");

        Container proxy = pod.getContainers().get(1);
        assertThat(proxy.getImage()).isEqualTo("tollgate:" + InjectCommand.VERSION);
        assertThat(proxy.getArgs()).containsExactly("sidecar", "--namespace", "$(POD_NAMESPACE)",
                "--service-account", "$(SERVICE_ACCOUNT)", "--pod-name", "$(POD_NAME)",
                "--control-plane", "tollgate-control.tollgate-system.svc:15012", "--listen", "127.0.0.1:15001",
                "--capture", "15006", "--health", "0.0.0.0:15021", "--labels-file", "/etc/tollgate/podinfo/labels");
        assertThat(proxy.getEnv()).extracting(EnvVar::getName, e -> e.getValueFrom().getFieldRef().getFieldPath())
                .containsExactly(org.assertj.core.groups.Tuple.tuple("POD_NAME", "metadata.name"),
                        org.assertj.core.groups.Tuple.tuple("POD_NAMESPACE", "metadata.namespace"),
                        org.assertj.core.groups.Tuple.tuple("SERVICE_ACCOUNT", "spec.serviceAccountName"));
        var sc = proxy.getSecurityContext();
        assertThat(sc.getRunAsUser()).isEqualTo(1337L);
        assertThat(sc.getRunAsNonRoot()).isTrue();
        assertThat(sc.getReadOnlyRootFilesystem()).isTrue();
        assertThat(sc.getAllowPrivilegeEscalation()).isFalse();
        assertThat(sc.getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(sc.getCapabilities().getAdd()).isEmpty();
        assertThat(proxy.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/ready");
        assertThat(proxy.getReadinessProbe().getHttpGet().getPort().getIntVal()).isEqualTo(15021);
        assertThat(proxy.getPorts()).singleElement().satisfies(p -> assertThat(p.getContainerPort()).isEqualTo(15021));
        assertThat(proxy.getResources().getRequests()).containsKeys("cpu", "memory");
        assertThat(proxy.getResources().getLimits()).containsEntry("memory", new Quantity("512Mi"));
        assertThat(proxy.getVolumeMounts()).extracting(VolumeMount::getName, VolumeMount::getMountPath)
                .contains(org.assertj.core.groups.Tuple.tuple("tollgate-token", "/var/run/secrets/tokens"),
                        org.assertj.core.groups.Tuple.tuple("tollgate-ca-root", "/var/run/secrets/tollgate"),
                        org.assertj.core.groups.Tuple.tuple("tollgate-podinfo", "/etc/tollgate/podinfo"));
        assertThat(proxy.getVolumeMounts()).allSatisfy(m -> assertThat(m.getSubPath()).isNull());
        assertThat(proxy.getVolumeMounts()).filteredOn(m -> m.getName().startsWith("tollgate-t") && !m.getName().endsWith("tmp"))
                .allSatisfy(m -> assertThat(m.getReadOnly()).isTrue());

        Volume token = pod.getVolumes().get(1);
        var sat = token.getProjected().getSources().get(0).getServiceAccountToken();
        assertThat(sat.getAudience()).isEqualTo("tollgate");
        assertThat(sat.getExpirationSeconds()).isEqualTo(3600L);
        assertThat(sat.getPath()).isEqualTo("tollgate-token");
        assertThat(pod.getVolumes().get(2).getConfigMap().getName()).isEqualTo("tollgate-ca-root");
        assertThat(pod.getVolumes().get(3).getDownwardAPI().getItems()).singleElement().satisfies(i -> {
            assertThat(i.getPath()).isEqualTo("labels");
            assertThat(i.getFieldRef().getFieldPath()).isEqualTo("metadata.labels");
        });

        Container init = pod.getInitContainers().get(0);
        assertThat(init.getImage()).isEqualTo(proxy.getImage());
        assertThat(init.getArgs()).containsExactly("capture-rules", "--apply", "--capture-port", "15006",
                "--proxy-uid", "1337");
        assertThat(init.getSecurityContext().getCapabilities().getAdd()).containsExactlyInAnyOrder("NET_ADMIN", "NET_RAW");
        assertThat(init.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(init.getSecurityContext().getPrivileged()).isFalse();
        assertThat(init.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();

        Container app = pod.getContainers().get(0);
        Container appBefore = original.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(app.getCommand()).isEqualTo(appBefore.getCommand());
        assertThat(app.getVolumeMounts()).isEqualTo(appBefore.getVolumeMounts());
        Map<String, String> env = new java.util.LinkedHashMap<>();
        app.getEnv().forEach(e -> env.put(e.getName(), e.getValue()));
        assertThat(env).containsEntry("GREETING", "hello")
                .containsEntry("http_proxy", "http://127.0.0.1:15001").containsEntry("HTTP_PROXY", "http://127.0.0.1:15001")
                .containsEntry("https_proxy", "http://127.0.0.1:15001").containsEntry("HTTPS_PROXY", "http://127.0.0.1:15001");
        for (String noProxy : List.of(env.get("no_proxy"), env.get("NO_PROXY"))) {
            assertThat(List.of(noProxy.split(","))).contains(".svc", ".cluster.local", "localhost", "127.0.0.1");
        }

        JsonNode status = JSON.readTree(t.getMetadata().getAnnotations().get("sidecar.tollgate.dev/status"));
        assertThat(status.get("containers").get(0).asText()).isEqualTo("tollgate-proxy");
        assertThat(status.get("initContainers").get(0).asText()).isEqualTo("tollgate-init");
        assertThat(status.get("volumes")).hasSize(4);
    }

    @Test
    void injectingTwiceChangesNothing() throws IOException {
        CliRun once = CliRun.of("inject", "-f", SLEEP.toString());
        Path injected = Files.writeString(dir.resolve("injected.yaml"), once.out());
        CliRun twice = CliRun.of("inject", "-f", injected.toString());
        assertThat(twice.exitCode()).isZero();
        assertThat(objects(twice.out())).isEqualTo(objects(once.out()));
        assertThat(twice.err()).contains("Deployment sleep: already injected, left as it is");
    }

    @Test
    void optedOutAndHostNetworkPodsAreLeftAsTheyAreWithAWarning() throws IOException {
        String pods = """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: batch
                  namespace: jobs
                  annotations: {sidecar.tollgate.dev/inject: "false"}
                spec:
                  containers: [{name: c, image: busybox}]
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: node-agent}
                spec:
                  hostNetwork: true
                  containers: [{name: c, image: busybox}]
                """;
        CliRun r = withStdin(pods, "inject", "-f", "-");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(objects(r.out())).isEqualTo(objects(pods));
        assertThat(r.err()).contains("<stdin>: Pod jobs/batch: sidecar.tollgate.dev/inject is \"false\"")
                .contains("<stdin>: Pod node-agent: hostNetwork pods are not injected");
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyWorkloadKindInAListIsInjectedAndOtherKindsPassUntouched() throws IOException {
        String list = """
                apiVersion: v1
                kind: List
                items:
                - {apiVersion: v1, kind: Pod, metadata: {name: p}, spec: {containers: [{name: c, image: i}]}}
                - apiVersion: apps/v1
                  kind: StatefulSet
                  metadata: {name: s}
                  spec: {selector: {matchLabels: {a: b}}, serviceName: s,
                         template: {metadata: {labels: {a: b}}, spec: {containers: [{name: c, image: i}]}}}
                - apiVersion: apps/v1
                  kind: DaemonSet
                  metadata: {name: d}
                  spec: {selector: {matchLabels: {a: b}},
                         template: {metadata: {labels: {a: b}}, spec: {containers: [{name: c, image: i}]}}}
                - apiVersion: batch/v1
                  kind: Job
                  metadata: {name: j}
                  spec: {template: {spec: {restartPolicy: Never, containers: [{name: c, image: i}]}}}
                - apiVersion: batch/v1
                  kind: CronJob
                  metadata: {name: cj}
                  spec: {schedule: "* * * * *", jobTemplate: {spec: {template: {spec: {restartPolicy: Never,
                         containers: [{name: c, image: i}]}}}}}
                - apiVersion: argoproj.io/v1alpha1
                  kind: Rollout
                  metadata: {name: r}
                  spec: {template: {spec: {containers: [{name: c, image: i}]}}}
                - {apiVersion: v1, kind: ConfigMap, metadata: {name: cm}, data: {"on": "yes", n: "0012"}}
                """;
        CliRun r = withStdin(list, "inject", "-f", "-", "--image", "registry.example/tollgate:test");
        assertThat(r.exitCode()).as(r.err()).isZero();
        KubernetesList out = K8S.unmarshal(r.out(), KubernetesList.class);
        List<HasMetadata> items = out.getItems();
        assertThat(items).hasSize(7);
        assertThat(injected(((Pod) items.get(0)).getSpec())).isTrue();
        assertThat(injected(((StatefulSet) items.get(1)).getSpec().getTemplate().getSpec())).isTrue();
        assertThat(injected(((DaemonSet) items.get(2)).getSpec().getTemplate().getSpec())).isTrue();
        assertThat(injected(((Job) items.get(3)).getSpec().getTemplate().getSpec())).isTrue();
        assertThat(injected(((CronJob) items.get(4)).getSpec().getJobTemplate().getSpec().getTemplate().getSpec()))
                .isTrue();
        assertThat(((Pod) items.get(0)).getSpec().getContainers().get(1).getImage())
                .isEqualTo("registry.example/tollgate:test");
        // as kubectl reads YAML (1.1: yes, on and 0012 are no strings unless quoted), every string stayed one
        Map<?, ?> raw = new org.yaml.snakeyaml.Yaml().load(r.out());
        List<?> rawItems = (List<?>) raw.get("items");
        assertThat(rawItems.get(6)).isEqualTo(((List<?>) ((Map<?, ?>) new org.yaml.snakeyaml.Yaml().load(list))
                .get("items")).get(6));
        Map<?, ?> rawPod = (Map<?, ?>) ((Map<?, ?>) rawItems.get(0)).get("spec");
        for (Object container : (List<?>) rawPod.get("containers")) {
            Object args = ((Map<?, ?>) container).get("args");
            if (args != null) {
                assertThat((List<?>) args).allSatisfy(a -> assertThat(a).isInstanceOf(String.class));
            }
        }
        assertThat((List<Object>) ((Map<?, ?>) ((List<?>) rawPod.get("initContainers")).get(0)).get("args"))
                .contains("15006", "1337").allSatisfy(a -> assertThat(a).isInstanceOf(String.class));
        KubernetesList in = K8S.unmarshal(list, KubernetesList.class);
        // a kind Tollgate does not know, even with a pod template, and a ConfigMap whose strings look like
        // a boolean and a number: unchanged
        assertThat(items.get(5)).isEqualTo(in.getItems().get(5));
        assertThat(items.get(6)).isEqualTo(in.getItems().get(6));
    }

    @Test
    void malformedYamlIsAnErrorAtItsFileAndLine() throws IOException {
        Path bad = Files.writeString(dir.resolve("bad.yaml"), """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: p
                spec: {containers: [
                """);
        CliRun r = CliRun.of("inject", "-f", bad.toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).startsWith("tollgate inject: " + bad + ":").doesNotContain("\tat ");
        assertThat(r.out()).isEmpty();

        Path duplicate = Files.writeString(dir.resolve("dup.yaml"), """
                apiVersion: v1
                kind: Pod
                metadata: {name: p}
                spec:
                  containers: [{name: c, image: i}]
                  hostNetwork: false
                  hostNetwork: true
                """);
        CliRun d = CliRun.of("inject", "-f", duplicate.toString());
        assertThat(d.exitCode()).isEqualTo(2);
        assertThat(d.err()).startsWith("tollgate inject: " + duplicate + ":7:").contains("hostNetwork");

        CliRun scalar = withStdin("apiVersion: v1\n---\njust a string\n", "inject", "-f", "-");
        assertThat(scalar.exitCode()).isEqualTo(2);
        assertThat(scalar.err()).contains("<stdin>:3:").contains("not a Kubernetes object");
    }

    @Test
    void aPodHoldingTheSidecarsNamesWithoutItsStatusIsRefused() {
        CliRun r = withStdin("""
                apiVersion: v1
                kind: Pod
                metadata: {name: p, namespace: ns}
                spec:
                  containers: [{name: c, image: i}]
                  volumes: [{name: tollgate-token, emptyDir: {}}]
                """, "inject", "-f", "-");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("tollgate inject: Pod ns/p: the pod already has tollgate-token, names the "
                + "sidecar needs, but no sidecar.tollgate.dev/status annotation; remove them or inject by hand\n");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void anApplicationsOwnProxyVariablesAreReplacedWithAWarning() {
        CliRun r = withStdin("""
                apiVersion: v1
                kind: Pod
                metadata: {name: p, namespace: ns}
                spec:
                  containers:
                  - name: app
                    image: i
                    env:
                    - {name: HTTPS_PROXY, value: "http://corporate-proxy.example:3128"}
                    - {name: no_proxy, value: "*"}
                """, "inject", "-f", "-");
        assertThat(r.exitCode()).as(r.err()).isZero();
        Pod pod = (Pod) objects(r.out()).get(0);
        List<EnvVar> env = pod.getSpec().getContainers().get(0).getEnv();
        // exactly one of each: a second, older HTTPS_PROXY would win in some runtimes and bypass the sidecar
        assertThat(env).extracting(EnvVar::getName).containsExactlyInAnyOrder("http_proxy", "https_proxy",
                "HTTP_PROXY", "HTTPS_PROXY", "no_proxy", "NO_PROXY");
        assertThat(env).extracting(EnvVar::getValue).doesNotContain("http://corporate-proxy.example:3128", "*");
        assertThat(r.err()).isEqualTo("tollgate inject: <stdin>: Pod ns/p: container app: its own HTTPS_PROXY, "
                + "no_proxy replaced by the sidecar's\n");
    }

    @Test
    void writesToAFileWithDashO() throws IOException {
        Path out = dir.resolve("out.yaml");
        CliRun r = CliRun.of("inject", "-f", SLEEP.toString(), "-o", out.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).isEmpty();
        assertThat(objects(Files.readString(out))).hasSize(3);
        // the injected manifest is still one the configuration loader reads (its workloads included)
        CliRun analyze = CliRun.of("analyze", "-f", out.toString());
        assertThat(analyze.exitCode()).as(analyze.out() + analyze.err()).isZero();
    }

    private static boolean injected(PodSpec spec) {
        return spec.getContainers().stream().anyMatch(c -> c.getName().equals("tollgate-proxy"))
                && spec.getInitContainers().stream().anyMatch(c -> c.getName().equals("tollgate-init"))
                && spec.getContainers().get(0).getEnv().stream().anyMatch(e -> e.getName().equals("https_proxy"));
    }

    private static List<HasMetadata> objects(String yaml) {
        Object parsed = K8S.unmarshal(yaml);
        @SuppressWarnings("unchecked")
        List<HasMetadata> list = parsed instanceof List<?> l ? (List<HasMetadata>) l : List.of((HasMetadata) parsed);
        return list;
    }
}
