package dev.tollgate.cli.conformance;

import dev.tollgate.cli.conformance.Conformance.Case;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.stream.Stream;

import static dev.tollgate.cli.conformance.Conformance.check;
import static dev.tollgate.cli.conformance.Yaml.sidecar;
import static dev.tollgate.cli.conformance.Yaml.sidecarMode;
import static dev.tollgate.cli.conformance.Yaml.tlsSe;

/** Sidecar resources: outboundTrafficPolicy, workloadSelector, the root-namespace default and egress host imports. */
class SidecarTest {
    private static final String OTP = "Sidecar.outboundTrafficPolicy: \"Configuration for the outbound traffic policy."
            + " If your application uses one or more external services that are not known apriori, setting the policy"
            + " to ALLOW_ANY will cause the sidecars to route any unknown traffic ... If not specified, inherits the"
            + " system detected defaults from the installation-wide meshConfig\""
            + " (istio.io/latest/docs/reference/config/networking/sidecar/#Sidecar)";
    private static final String SCOPE = "Sidecar: \"A Sidecar configuration in the MeshConfig root namespace will be"
            + " applied by default to all namespaces without a Sidecar configuration\" and \"preference will be given to"
            + " the resource with a workloadSelector that selects this workload, over a Sidecar resource without any"
            + " workloadSelector\" (istio.io/latest/docs/reference/config/networking/sidecar/)";
    private static final String SELECTOR = "Sidecar.workloadSelector: \"Criteria used to select the specific set of"
            + " pods/VMs on which this Sidecar configuration should be applied. If omitted, the Sidecar configuration"
            + " will be applied to all workload instances in the same namespace\"";
    private static final String EGRESS_HOSTS = "IstioEgressListener.hosts: \"One or more service hosts exposed by the"
            + " listener in namespace/dnsName format. Services in the specified namespace matching dnsName will be"
            + " exposed ... Set the dnsName to * to select all services from the specified namespace ... `./*` the"
            + " current namespace, `*/` any namespace\" (istio.io/latest/docs/reference/config/networking/sidecar/#IstioEgressListener)";
    private static final String API = "https://api.example.com/";

    @TempDir
    Path dir;

    private static String egress(String... hosts) {
        StringBuilder b = new StringBuilder("egress:\n- hosts:\n");
        for (String h : hosts) {
            b.append("  - \"").append(h).append("\"\n");
        }
        return b.toString();
    }

    static Stream<Case> cases() {
        String deployment = """
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: sleep
                spec:
                  selector:
                    matchLabels: {app: sleep}
                  template:
                    metadata:
                      labels: {app: sleep}
                    spec:
                      serviceAccountName: sleep
                      containers:
                      - name: sleep
                        image: curlimages/curl
                """;
        String selRegistryOnly = sidecar("sel", "workloadSelector:\n  labels:\n    app: sleep\n"
                + "outboundTrafficPolicy:\n  mode: REGISTRY_ONLY");
        String selAllowAny = sidecar("sel", "workloadSelector:\n  labels:\n    app: sleep\n"
                + "outboundTrafficPolicy:\n  mode: ALLOW_ANY");
        return Stream.of(
                // outboundTrafficPolicy
                check("namespace Sidecar REGISTRY_ONLY overrides mesh ALLOW_ANY", OTP)
                        .file("default", sidecarMode("default", "REGISTRY_ONLY")).blocked(API),
                check("namespace Sidecar REGISTRY_ONLY does not touch another namespace", OTP)
                        .file("default", sidecarMode("default", "REGISTRY_ONLY")).from("otherns/sleep").allowed(API),
                check("namespace Sidecar ALLOW_ANY overrides mesh REGISTRY_ONLY", OTP)
                        .file("default", sidecarMode("default", "ALLOW_ANY")).registryOnly().allowed(API),
                check("Sidecar without outboundTrafficPolicy inherits mesh REGISTRY_ONLY", OTP)
                        .file("default", sidecar("default", egress("*/*"))).registryOnly().blocked(API),
                check("Sidecar without outboundTrafficPolicy inherits mesh ALLOW_ANY", OTP)
                        .file("default", sidecar("default", egress("./*"))).allowed(API),
                check("root-namespace Sidecar applies to a namespace without its own", SCOPE)
                        .file("istio-system", sidecarMode("default", "REGISTRY_ONLY")).blocked(API),
                check("namespace Sidecar wins over the root-namespace default", SCOPE)
                        .file("istio-system", sidecarMode("default", "REGISTRY_ONLY"))
                        .file("default", sidecarMode("default", "ALLOW_ANY")).allowed(API),
                check("root default still applies to namespaces without their own", SCOPE)
                        .file("istio-system", sidecarMode("default", "REGISTRY_ONLY"))
                        .file("default", sidecarMode("default", "ALLOW_ANY")).from("otherns/sleep").blocked(API),
                check("meshConfig.rootNamespace moves the root-namespace default", "MeshConfig.rootNamespace: \"The"
                        + " namespace to treat as the administrative root namespace for Istio configuration\"; "
                        + SCOPE).args("--set", "meshConfig.rootNamespace=mesh-root")
                        .file("mesh-root", sidecarMode("default", "REGISTRY_ONLY")).blocked(API),
                check("a Sidecar in istio-system is no longer the root default when rootNamespace moved", SCOPE)
                        .args("--set", "meshConfig.rootNamespace=mesh-root")
                        .file("istio-system", sidecarMode("default", "REGISTRY_ONLY")).allowed(API),
                // workloadSelector
                check("workloadSelector Sidecar applies to a workload with those --labels", SELECTOR)
                        .file("default", selRegistryOnly).labels("app=sleep").blocked(API),
                check("workloadSelector Sidecar does not apply to other labels", SELECTOR)
                        .file("default", selRegistryOnly).labels("app=other").allowed(API),
                check("workloadSelector Sidecar does not apply to a workload without labels", SELECTOR)
                        .file("default", selRegistryOnly).allowed(API),
                check("workloadSelector Sidecar applies via the Deployment's pod labels", SELECTOR)
                        .file("default", selRegistryOnly).file("default", deployment).blocked(API),
                check("selector Sidecar preferred over the namespace-wide one (selected workload)", SCOPE)
                        .file("default", sidecarMode("default", "REGISTRY_ONLY")).file("default", selAllowAny)
                        .labels("app=sleep").allowed(API),
                check("selector Sidecar preferred: namespace-wide still applies to others", SCOPE)
                        .file("default", sidecarMode("default", "REGISTRY_ONLY")).file("default", selAllowAny)
                        .labels("app=web").blocked(API),
                check("selector Sidecar in another namespace does not select this workload", SELECTOR)
                        .file("otherns", selRegistryOnly).labels("app=sleep").allowed(API),
                check("workloadSelector needs all its labels", SELECTOR)
                        .file("default", sidecar("sel", "workloadSelector:\n  labels:\n    app: sleep\n    tier: x\n"
                                + "outboundTrafficPolicy:\n  mode: REGISTRY_ONLY")).labels("app=sleep").allowed(API),
                // egress host imports (under REGISTRY_ONLY)
                check("egress ./* imports a ServiceEntry of the same namespace", EGRESS_HOSTS)
                        .file("default", tlsSe("api.example.com")).file("default", sidecar("default", egress("./*")))
                        .registryOnly().allowed(API),
                check("egress ./* does not import another namespace's ServiceEntry", EGRESS_HOSTS)
                        .file("otherns", tlsSe("api.example.com")).file("default", sidecar("default", egress("./*")))
                        .registryOnly().blocked(API),
                check("egress */* imports every namespace", EGRESS_HOSTS)
                        .file("otherns", tlsSe("api.example.com")).file("default", sidecar("default", egress("*/*")))
                        .registryOnly().allowed(API),
                check("egress ns/* imports that namespace", EGRESS_HOSTS)
                        .file("otherns", tlsSe("api.example.com"))
                        .file("default", sidecar("default", egress("otherns/*"))).registryOnly().allowed(API),
                check("egress ns/host imports that exact host", EGRESS_HOSTS)
                        .file("otherns", tlsSe("api.example.com"))
                        .file("default", sidecar("default", egress("otherns/api.example.com"))).registryOnly()
                        .allowed(API),
                check("egress ns/host does not import the same host from another namespace", EGRESS_HOSTS)
                        .file("thirdns", tlsSe("api.example.com"))
                        .file("default", sidecar("default", egress("otherns/api.example.com"))).registryOnly()
                        .blocked(API),
                check("egress ns/host does not import another host of that namespace", EGRESS_HOSTS)
                        .file("otherns", tlsSe("api.example.com")).file("otherns", tlsSe("www.example.com"))
                        .file("default", sidecar("default", egress("otherns/api.example.com"))).registryOnly()
                        .blocked("https://www.example.com/"),
                check("egress ns/*.example.com imports matching hosts", EGRESS_HOSTS)
                        .file("otherns", tlsSe("api.example.com"))
                        .file("default", sidecar("default", egress("otherns/*.example.com"))).registryOnly()
                        .allowed(API),
                check("egress */api.example.com imports that host from any namespace", EGRESS_HOSTS)
                        .file("otherns", tlsSe("api.example.com"))
                        .file("default", sidecar("default", egress("*/api.example.com"))).registryOnly().allowed(API),
                check("egress import does not override exportTo", EGRESS_HOSTS + "; exportTo still applies")
                        .file("otherns", Yaml.seExport("api", "api.example.com", 443, "TLS", "[\".\"]"))
                        .file("default", sidecar("default", egress("otherns/*"))).registryOnly().blocked(API),
                check("egress imports do not block under ALLOW_ANY (unknown traffic passes through)", OTP)
                        .file("otherns", tlsSe("api.example.com")).file("default", sidecar("default", egress("./*")))
                        .allowed(API));
    }

    private static final String IMPORTS_VS = "IstioEgressListener.hosts: \"The corresponding service can be a service in"
            + " the service registry ... or a service specified using a ServiceEntry or VirtualService configuration\";"
            + " istio/istio SidecarScope adds the destinations of imported VirtualServices";
    private static final String EMPTY_SELECTOR = "istio/istio ValidateSidecar: an empty workloadSelector is a warning,"
            + " \"will be applied to all services in namespace\"";

    static Stream<Case> moreCases() {
        return Stream.of(
                check("egress */*.example.com imports matching hosts of every namespace", EGRESS_HOSTS)
                        .file("otherns", tlsSe("api.example.com"))
                        .file("default", sidecar("default", egress("*/*.example.com"))).registryOnly().allowed(API),
                check("egress listener with captureMode loads", EGRESS_HOSTS + "; IstioEgressListener.captureMode")
                        .file("default", sidecar("default", "egress:\n- hosts: [\"./*\"]\n  captureMode: IPTABLES")).allowed(API),

                check("egress listener on port 443 does not import the same host on 8443", EGRESS_HOSTS
                        + "; IstioEgressListener.port: \"The port associated with the listener\"")
                        .file(Yaml.se("s", "api.example.com", 8443, "TLS"))
                        .file("default", sidecar("default", "egress:\n- port:\n    number: 443\n    protocol: TLS\n"
                                + "    name: tls\n  hosts: [\"*/*\"]")).registryOnly().blocked("https://api.example.com:8443/"),
                check("importing the routed host imports its VirtualService and the gateway it routes to", IMPORTS_VS)
                        .file("istio-system", Yaml.egressHttp("api.example.com"))
                        .file("default", sidecar("default", egress("./*", "istio-system/api.example.com")))
                        .registryOnly().allowed("http://api.example.com/").outContains("\"proxy\" : \"gateway"),
                check("workloadSelector with empty labels: a warning, applied to the whole namespace", EMPTY_SELECTOR)
                        .file("default", sidecar("s", "workloadSelector:\n  labels: {}\noutboundTrafficPolicy:\n"
                                + "  mode: REGISTRY_ONLY")).blocked(API));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource({"cases", "moreCases"})
    void conforms(Case c) throws Exception {
        c.run(dir);
    }
}
