package dev.tollgate.cli.conformance;

import dev.tollgate.cli.conformance.Conformance.Case;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.stream.Stream;

import static dev.tollgate.cli.conformance.Conformance.check;
import static dev.tollgate.cli.conformance.Yaml.istioConfigMap;
import static dev.tollgate.cli.conformance.Yaml.istioOperator;
import static dev.tollgate.cli.conformance.Yaml.meshPolicy;
import static dev.tollgate.cli.conformance.Yaml.tlsSe;

/**
 * The mesh-wide outbound traffic policy and where it comes from: --set, an IstioOperator's spec.meshConfig, the
 * istio ConfigMap's mesh key, and their precedence (ConfigMap, then IstioOperator, then --set).
 */
class MeshConfigTest {
    private static final String MODE = "MeshConfig.OutboundTrafficPolicy.Mode: \"REGISTRY_ONLY: outbound traffic will be"
            + " restricted to services defined in the service registry as well as those defined through ServiceEntry"
            + " configurations. ALLOW_ANY: outbound traffic to unknown destinations will be allowed\""
            + " (istio.io/latest/docs/reference/config/istio.mesh.v1alpha1/#MeshConfig-OutboundTrafficPolicy-Mode)";
    private static final String DEFAULT = "Accessing External Services: \"Istio has an installation option,"
            + " meshConfig.outboundTrafficPolicy.mode ... by default ... ALLOW_ANY\""
            + " (istio.io/latest/docs/tasks/traffic-management/egress/egress-control/#envoy-passthrough-to-external-services)";
    private static final String HOW = "Accessing External Services: change the option with \"istioctl install"
            + " --set meshConfig.outboundTrafficPolicy.mode=REGISTRY_ONLY\" or in the IstioOperator spec / istio ConfigMap"
            + " (istio.io/latest/docs/tasks/traffic-management/egress/egress-control/#change-to-the-blocking-by-default-policy)";
    private static final String PRECEDENCE = "issue 2 section 2 / DESIGN.md: \"the ConfigMap, then the IstioOperator,"
            + " then --set, each overriding the one before\"";
    private static final String VALIDATION = "issue 2 section 2: invalid input is an error (exit 2), never a wider policy;"
            + " OutboundTrafficPolicy.Mode has only REGISTRY_ONLY and ALLOW_ANY";

    private static final String ROOT_ONLY = "istiod reads the mesh config from the ConfigMap istio in its own (root)"
            + " namespace (MeshConfig.rootNamespace: \"The namespace to treat as the administrative root namespace\";"
            + " pilot's meshwatcher reads istio-system/istio); one elsewhere is an ordinary ConfigMap";

    private static final String UNKNOWN = "https://unknown.example.org/";

    @TempDir
    Path dir;

    static Stream<Case> cases() {
        String io = istioOperator(meshPolicy("REGISTRY_ONLY"));
        String ioAny = istioOperator(meshPolicy("ALLOW_ANY"));
        String cm = istioConfigMap("istio-system", meshPolicy("REGISTRY_ONLY"));
        String cmAny = istioConfigMap("istio-system", meshPolicy("ALLOW_ANY"));
        return Stream.of(
                check("default mesh is ALLOW_ANY: unknown host allowed", DEFAULT).meshDefaults().allowed(UNKNOWN),
                check("default mesh is ALLOW_ANY: unknown http host allowed", DEFAULT).meshDefaults()
                        .allowed("http://unknown.example.org/x"),
                check("no configuration at all is an error, not the default mesh", "issue 10 section 1: \"a run with no"
                        + " configuration at all is an error (exit 2). It must not silently answer ALLOWED\"")
                        .error(UNKNOWN, "Error [no-config] (-f) no configuration given"),
                check("--set REGISTRY_ONLY blocks an unknown host", HOW).registryOnly().blocked(UNKNOWN),
                check("--set ALLOW_ANY explicit allows an unknown host", MODE)
                        .args(Conformance.ALLOW_ANY).allowed(UNKNOWN),
                check("--set REGISTRY_ONLY still lets a ServiceEntry host out", MODE)
                        .file(tlsSe("api.example.com")).registryOnly().allowed("https://api.example.com/"),
                check("IstioOperator spec.meshConfig REGISTRY_ONLY blocks", HOW).file(io).blocked(UNKNOWN),
                check("istio ConfigMap mesh key REGISTRY_ONLY blocks", HOW).file(cm).blocked(UNKNOWN),
                check("IstioOperator overrides the ConfigMap (ConfigMap REGISTRY_ONLY, IOP ALLOW_ANY)", PRECEDENCE)
                        .file(cm).file(ioAny).allowed(UNKNOWN),
                check("IstioOperator overrides the ConfigMap whatever the file order", PRECEDENCE)
                        .file(io).file(cmAny).blocked(UNKNOWN),
                check("--set overrides the ConfigMap", PRECEDENCE)
                        .file(cm).args(Conformance.ALLOW_ANY).allowed(UNKNOWN),
                check("--set overrides the IstioOperator (to ALLOW_ANY)", PRECEDENCE)
                        .file(io).args(Conformance.ALLOW_ANY).allowed(UNKNOWN),
                check("--set overrides the IstioOperator (to REGISTRY_ONLY)", PRECEDENCE)
                        .file(ioAny).registryOnly().blocked(UNKNOWN),
                check("ConfigMap mesh with other settings but no outboundTrafficPolicy keeps ALLOW_ANY", DEFAULT)
                        .file(istioConfigMap("istio-system", "accessLogFile: /dev/stdout")).allowed(UNKNOWN),
                check("--set with an invalid mode is a usage error", VALIDATION)
                        .args("--set", "meshConfig.outboundTrafficPolicy.mode=BLOCK_ALL").error(UNKNOWN),
                check("IstioOperator with an invalid mode is a configuration error", VALIDATION)
                        .file(istioOperator(meshPolicy("BLOCK_ALL"))).error(UNKNOWN),
                check("ConfigMap with an invalid mode is a configuration error", VALIDATION)
                        .file(istioConfigMap("istio-system", meshPolicy("BLOCK_ALL"))).error(UNKNOWN),
                check("ConfigMap whose mesh is not YAML is a configuration error", VALIDATION)
                        .file(istioConfigMap("istio-system", "outboundTrafficPolicy: [mode")).error(UNKNOWN),
                check("--set without meshConfig. prefix is a usage error", "istioctl install --set takes"
                        + " meshConfig.<path>=<value> for mesh settings (issue 2 section 2)")
                        .args("--set", "outboundTrafficPolicy.mode=REGISTRY_ONLY").error(UNKNOWN),
                check("istio ConfigMap in a namespace other than the root is not read (istiod reads its own namespace)",
                        ROOT_ONLY).file(istioConfigMap("default", meshPolicy("REGISTRY_ONLY"))).allowed(UNKNOWN),
                check("istio ConfigMap in the root namespace set by --set is read", ROOT_ONLY)
                        .args("--set", "meshConfig.rootNamespace=mesh-root")
                        .file(istioConfigMap("mesh-root", meshPolicy("REGISTRY_ONLY"))).blocked(UNKNOWN),
                check("an IstioOperator counts whatever its namespace (istioctl install -f takes it as given)", HOW)
                        .file(istioOperator(meshPolicy("REGISTRY_ONLY")).replace("namespace: istio-system",
                                "namespace: elsewhere")).blocked(UNKNOWN),
                check("--set pathNormalization with an unknown value is an error", VALIDATION)
                        .args("--set", "meshConfig.pathNormalization.normalization=MERGE").error(UNKNOWN, "MERGE_SLASHES"),
                check("--set trustDomainAliases with a wildcard is an error", VALIDATION)
                        .args("--set", "meshConfig.trustDomainAliases={*}").error(UNKNOWN, "trust domain alias"));
    }

    static Stream<Case> moreCases() {
        return Stream.of(
                check("--set with a lower-case enum value is an error", VALIDATION + "; enum values are case-sensitive")
                        .args("--set", "meshConfig.outboundTrafficPolicy.mode=registry_only").error(UNKNOWN),
                check("--set of an unknown meshConfig field is an error", VALIDATION + "; istioctl rejects unknown fields")
                        .args("--set", "meshConfig.outboundTraficPolicy.mode=REGISTRY_ONLY").error(UNKNOWN),
                check("IstioOperator meshConfig with an unknown field is an error", VALIDATION)
                        .file(istioOperator("outboundTraficPolicy:\n  mode: REGISTRY_ONLY")).error(UNKNOWN),
                check("ConfigMap mesh with an unknown field is an error", VALIDATION)
                        .file(istioConfigMap("istio-system", "outboundTraficPolicy:\n  mode: REGISTRY_ONLY")).error(UNKNOWN),
                check("--set meshConfig.defaultServiceExportTo={.} (list syntax)", "istioctl install --set list values;"
                        + " MeshConfig.defaultServiceExportTo").args("--set", "meshConfig.defaultServiceExportTo={.}")
                        .registryOnly().file("otherns", tlsSe("api.example.com")).blocked("https://api.example.com/"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource({"cases", "moreCases"})
    void conforms(Case c) throws Exception {
        c.run(dir);
    }
}
