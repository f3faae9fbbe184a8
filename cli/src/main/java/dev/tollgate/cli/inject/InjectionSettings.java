package dev.tollgate.cli.inject;

import java.util.Objects;

/**
 * What an injected pod is given, beyond the fixed names and ports of the control-plane contract.
 *
 * @param image        the image of the sidecar and of the init container (both run the tollgate command)
 * @param controlPlane the control plane's gRPC address, HOST:PORT
 * @param version      recorded in the status annotation, to tell which injector wrote a pod
 * @param nativeSidecar the proxy as a Kubernetes native sidecar (Kubernetes 1.29 or later): an init container with
 *                      {@code restartPolicy: Always}, as Istio's ENABLE_NATIVE_SIDECARS
 */
public record InjectionSettings(String image, String controlPlane, String version, boolean nativeSidecar) {
    public static final String DEFAULT_CONTROL_PLANE = "tollgate-control.tollgate-system.svc:15012";

    public InjectionSettings {
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(controlPlane, "controlPlane");
        Objects.requireNonNull(version, "version");
    }

    /** The proxy as an ordinary container. */
    public InjectionSettings(String image, String controlPlane, String version) {
        this(image, controlPlane, version, false);
    }
}
