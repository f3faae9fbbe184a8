package dev.tollgate.cli.inject;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Adds Tollgate's sidecar to one pod template, as {@code istioctl kube-inject} adds Envoy: the proxy container (uid
 * 1337, non-root, read-only root filesystem), its identity and trust inputs (the projected token with audience
 * {@code tollgate}, the {@code tollgate-ca-root} ConfigMap, the pod's labels through the downward API), an init
 * container that installs the transparent capture with NET_ADMIN and NET_RAW only, and http_proxy for the
 * applications that honour it. The names, paths and ports are the control-plane contract's.
 *
 * <p>With {@link InjectionSettings#nativeSidecar} the proxy is a Kubernetes native sidecar (1.29 or later, as Istio's
 * ENABLE_NATIVE_SIDECARS): an init container with {@code restartPolicy: Always}, right after the capture's init
 * container and before the pod's own, with a startup probe on {@code /ready}. The kubelet then starts the pod's own
 * init containers and the applications only once the proxy has its configuration, stops it only after them, and a
 * Job's pod completes although the proxy never exits. Without it, an application may start before its proxy (its
 * first connections are refused) and the pod's own init containers, captured too, have no proxy at all.
 */
public final class SidecarInjector {
    /** Set to "false" on a pod template (annotation or label) to leave it alone, as Istio's sidecar.istio.io/inject. */
    public static final String INJECT = "sidecar.tollgate.dev/inject";
    /** What was added, recorded on the pod template; its presence means "already injected". */
    public static final String STATUS = "sidecar.tollgate.dev/status";
    public static final String PROXY = "tollgate-proxy";
    public static final String INIT = "tollgate-init";
    public static final String TOKEN_VOLUME = "tollgate-token";
    public static final String ROOT_VOLUME = "tollgate-ca-root";
    public static final String PODINFO_VOLUME = "tollgate-podinfo";
    public static final String TMP_VOLUME = "tollgate-tmp";
    public static final long PROXY_UID = 1337;
    public static final int LISTEN_PORT = 15001;
    public static final int CAPTURE_PORT = 15006;
    public static final int HEALTH_PORT = 15021;
    public static final String LABELS_FILE = "/etc/tollgate/podinfo/labels";
    /** The cluster's own names and the pod itself: reached directly, never through the explicit proxy. */
    public static final String NO_PROXY = "localhost,127.0.0.1,::1,.svc,.cluster.local";
    private static final Set<String> PROXY_ENV = Set.of("http_proxy", "https_proxy", "no_proxy", "HTTP_PROXY",
            "HTTPS_PROXY", "NO_PROXY");
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** What happened to one pod template. */
    public enum Outcome { INJECTED, ALREADY_INJECTED, OPTED_OUT, HOST_NETWORK }

    private final InjectionSettings settings;

    public SidecarInjector(InjectionSettings settings) {
        this.settings = settings;
    }

    /**
     * Injects into {@code spec} and records it on {@code meta}, or leaves both untouched and says why.
     *
     * @param warn told of what the user should know (an application's own proxy variables replaced)
     * @throws IllegalArgumentException when the pod already holds one of the names the sidecar needs
     */
    public Outcome inject(ObjectMeta meta, PodSpec spec, Consumer<String> warn) {
        if (annotation(meta, STATUS).isPresent() || java.util.stream.Stream.concat(spec.getContainers().stream(),
                spec.getInitContainers().stream()).anyMatch(c -> PROXY.equals(c.getName()))) {
            return Outcome.ALREADY_INJECTED;
        }
        if ("false".equals(annotation(meta, INJECT).orElse(label(meta, INJECT).orElse("")))) {
            return Outcome.OPTED_OUT;
        }
        // the capture rules would be installed in the node's network namespace, redirecting the node's traffic
        if (Boolean.TRUE.equals(spec.getHostNetwork())) {
            return Outcome.HOST_NETWORK;
        }
        conflicts(spec);
        for (Container app : spec.getContainers()) {
            proxyEnvironment(app, warn);
        }
        if (settings.nativeSidecar()) {
            // the pod's own init containers run after the proxy has started, so they can use it too
            for (Container app : spec.getInitContainers()) {
                proxyEnvironment(app, warn);
            }
            // the capture first (it needs no proxy), then the proxy, then the pod's own, which the capture sends to it
            spec.getInitContainers().addAll(0, List.of(init(), nativeProxy()));
        } else {
            spec.getContainers().add(proxy());
            spec.getInitContainers().add(init());
        }
        spec.getVolumes().addAll(volumes());
        Map<String, String> annotations = meta.getAnnotations() == null ? new LinkedHashMap<>()
                : new LinkedHashMap<>(meta.getAnnotations());
        annotations.put(STATUS, status());
        meta.setAnnotations(annotations);
        return Outcome.INJECTED;
    }

    private static void conflicts(PodSpec spec) {
        List<String> taken = new ArrayList<>();
        spec.getInitContainers().stream().map(Container::getName).filter(INIT::equals).forEach(taken::add);
        spec.getVolumes().stream().map(Volume::getName)
                .filter(Set.of(TOKEN_VOLUME, ROOT_VOLUME, PODINFO_VOLUME, TMP_VOLUME)::contains).forEach(taken::add);
        if (!taken.isEmpty()) {
            throw new IllegalArgumentException("the pod already has " + String.join(", ", taken)
                    + ", names the sidecar needs, but no " + STATUS + " annotation; remove them or inject by hand");
        }
    }

    private static void proxyEnvironment(Container app, Consumer<String> warn) {
        List<EnvVar> env = new ArrayList<>(app.getEnv() == null ? List.of() : app.getEnv());
        List<String> replaced = env.stream().map(EnvVar::getName).filter(PROXY_ENV::contains).toList();
        if (!replaced.isEmpty()) {
            warn.accept("container " + app.getName() + ": its own " + String.join(", ", replaced)
                    + " replaced by the sidecar's");
        }
        env.removeIf(e -> PROXY_ENV.contains(e.getName()));
        String proxy = "http://127.0.0.1:" + LISTEN_PORT;
        // both cases: curl reads only lower-case http_proxy, Go and others read either
        for (String name : List.of("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY")) {
            env.add(new EnvVar(name, proxy, null));
        }
        env.add(new EnvVar("no_proxy", NO_PROXY, null));
        env.add(new EnvVar("NO_PROXY", NO_PROXY, null));
        app.setEnv(env);
    }

    /** The proxy as an init container that keeps running; the kubelet waits for its startup probe. */
    private Container nativeProxy() {
        return new ContainerBuilder(proxy()).withRestartPolicy("Always")
                .withNewStartupProbe().withNewHttpGet().withPath("/ready").withNewPort(HEALTH_PORT).endHttpGet()
                .withPeriodSeconds(1).withFailureThreshold(600).endStartupProbe()
                .build();
    }

    private Container proxy() {
        return new ContainerBuilder().withName(PROXY).withImage(settings.image())
                .withArgs("sidecar", "--namespace", "$(POD_NAMESPACE)", "--service-account", "$(SERVICE_ACCOUNT)",
                        "--pod-name", "$(POD_NAME)", "--control-plane", settings.controlPlane(),
                        "--listen", "127.0.0.1:" + LISTEN_PORT, "--capture", String.valueOf(CAPTURE_PORT),
                        "--health", "0.0.0.0:" + HEALTH_PORT, "--labels-file", LABELS_FILE)
                .withEnv(field("POD_NAME", "metadata.name"), field("POD_NAMESPACE", "metadata.namespace"),
                        field("SERVICE_ACCOUNT", "spec.serviceAccountName"))
                .addNewPort().withName("tollgate-health").withContainerPort(HEALTH_PORT).withProtocol("TCP").endPort()
                .withNewReadinessProbe().withNewHttpGet().withPath("/ready").withNewPort(HEALTH_PORT).endHttpGet()
                .withInitialDelaySeconds(1).withPeriodSeconds(2).withFailureThreshold(30).endReadinessProbe()
                .withNewResources()
                .addToRequests("cpu", new Quantity("100m")).addToRequests("memory", new Quantity("128Mi"))
                .addToLimits("memory", new Quantity("512Mi")).endResources()
                .withNewSecurityContext().withRunAsUser(PROXY_UID).withRunAsGroup(PROXY_UID).withRunAsNonRoot(true)
                .withReadOnlyRootFilesystem(true).withAllowPrivilegeEscalation(false)
                .withNewCapabilities().withDrop("ALL").endCapabilities().endSecurityContext()
                .addNewVolumeMount().withName(TOKEN_VOLUME).withMountPath("/var/run/secrets/tokens")
                .withReadOnly(true).endVolumeMount()
                // a directory, never subPath: the control plane's updates of the roots must reach the running pod
                .addNewVolumeMount().withName(ROOT_VOLUME).withMountPath("/var/run/secrets/tollgate")
                .withReadOnly(true).endVolumeMount()
                .addNewVolumeMount().withName(PODINFO_VOLUME).withMountPath("/etc/tollgate/podinfo")
                .withReadOnly(true).endVolumeMount()
                .addNewVolumeMount().withName(TMP_VOLUME).withMountPath("/tmp").endVolumeMount()
                .build();
    }

    private Container init() {
        return new ContainerBuilder().withName(INIT).withImage(settings.image())
                .withArgs("capture-rules", "--apply", "--capture-port", String.valueOf(CAPTURE_PORT),
                        "--proxy-uid", String.valueOf(PROXY_UID))
                .withNewResources()
                .addToRequests("cpu", new Quantity("10m")).addToRequests("memory", new Quantity("64Mi"))
                .addToLimits("memory", new Quantity("256Mi")).endResources()
                // root in the pod's own network namespace, with only the two capabilities nft needs there
                .withNewSecurityContext().withRunAsUser(0L).withRunAsNonRoot(false).withReadOnlyRootFilesystem(true)
                .withAllowPrivilegeEscalation(false).withPrivileged(false)
                .withNewCapabilities().withAdd("NET_ADMIN", "NET_RAW").withDrop("ALL").endCapabilities()
                .endSecurityContext()
                .addNewVolumeMount().withName(TMP_VOLUME).withMountPath("/tmp").endVolumeMount()
                .build();
    }

    private static List<Volume> volumes() {
        return List.of(
                new VolumeBuilder().withName(TOKEN_VOLUME).withNewProjected().addNewSource()
                        .withNewServiceAccountToken().withAudience("tollgate").withExpirationSeconds(3600L)
                        .withPath("tollgate-token").endServiceAccountToken().endSource().endProjected().build(),
                new VolumeBuilder().withName(ROOT_VOLUME).withNewConfigMap().withName("tollgate-ca-root")
                        .endConfigMap().build(),
                new VolumeBuilder().withName(PODINFO_VOLUME).withNewDownwardAPI().addNewItem().withPath("labels")
                        .withNewFieldRef().withFieldPath("metadata.labels").endFieldRef().endItem().endDownwardAPI()
                        .build(),
                new VolumeBuilder().withName(TMP_VOLUME).withNewEmptyDir().withMedium("Memory").endEmptyDir().build());
    }

    private String status() {
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("version", settings.version());
        status.put("initContainers", settings.nativeSidecar() ? List.of(INIT, PROXY) : List.of(INIT));
        status.put("containers", settings.nativeSidecar() ? List.of() : List.of(PROXY));
        status.put("volumes", List.of(TOKEN_VOLUME, ROOT_VOLUME, PODINFO_VOLUME, TMP_VOLUME));
        try {
            return JSON.writeValueAsString(status);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static EnvVar field(String name, String path) {
        return new EnvVarBuilder().withName(name).withNewValueFrom().withNewFieldRef().withFieldPath(path)
                .endFieldRef().endValueFrom().build();
    }

    private static Optional<String> annotation(ObjectMeta meta, String key) {
        return meta.getAnnotations() == null ? Optional.empty() : Optional.ofNullable(meta.getAnnotations().get(key));
    }

    private static Optional<String> label(ObjectMeta meta, String key) {
        return meta.getLabels() == null ? Optional.empty() : Optional.ofNullable(meta.getLabels().get(key));
    }
}
