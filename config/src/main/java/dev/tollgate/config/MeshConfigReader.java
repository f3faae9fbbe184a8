package dev.tollgate.config;

import dev.tollgate.core.model.MeshSettings;
import dev.tollgate.core.model.Origin;
import dev.tollgate.core.model.OutboundMode;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Merges mesh settings as Istio users give them: the {@code istio} ConfigMap's {@code mesh}, then an IstioOperator's
 * {@code spec.meshConfig}, then {@code --set meshConfig.K=V}, each overriding the one before field by field.
 * A MeshConfig field Tollgate does not use is ignored with a notice; a key that is no MeshConfig field is an error.
 */
final class MeshConfigReader {
    /** Every top-level field of istio.mesh.v1alpha1.MeshConfig (istio/api mesh/v1alpha1/config.proto), as JSON names. */
    static final Set<String> MESH_CONFIG_FIELDS = Set.of("proxyListenPort", "proxyInboundListenPort",
            "proxyHttpPort", "connectTimeout", "hboneIdleTimeout", "protocolDetectionTimeout", "tcpKeepalive",
            "ingressClass", "ingressService", "ingressControllerMode", "ingressSelector", "enableTracing",
            "accessLogFile", "accessLogFormat", "accessLogEncoding", "enableEnvoyAccessLogService",
            "disableEnvoyListenerLog", "defaultConfig", "outboundTrafficPolicy", "inboundTrafficPolicy",
            "configSources", "enableAutoMtls", "trustDomain", "trustDomainAliases", "caCertificates",
            "defaultServiceExportTo", "defaultVirtualServiceExportTo", "defaultDestinationRuleExportTo",
            "rootNamespace", "localityLbSetting", "zoneAwareLbSetting", "dnsRefreshRate", "h2UpgradePolicy",
            "inboundClusterStatName", "outboundClusterStatName", "certificates", "serviceSettings",
            "serviceScopeConfigs", "enablePrometheusMerge", "verifyCertificateAtClient", "ca", "extensionProviders",
            "defaultProviders", "discoverySelectors", "pathNormalization", "defaultHttpRetryPolicy", "meshMTLS",
            "tlsDefaults", "defaultTrafficPolicy", "serviceEntryVisibility",
            // older fields still accepted by istiod
            "thriftConfig", "enableSdsTokenMount", "sdsUdsPath", "mixerCheckServer", "mixerReportServer",
            "disablePolicyChecks", "policyCheckFailOpen", "sidecarToTelemetrySessionAffinity", "rootCert",
            "reportBatchMaxEntries", "reportBatchMaxTime", "authPolicy", "rdsRefreshDelay", "mixerAddress",
            "disableMixerHttpReports", "proxyListenPortTls");
    private static final Set<String> USED = Set.of("outboundTrafficPolicy", "trustDomain", "rootNamespace",
            "defaultServiceExportTo", "defaultVirtualServiceExportTo", "defaultDestinationRuleExportTo");

    private OutboundMode mode = MeshSettings.DEFAULTS.outboundMode();
    private String trustDomain = MeshSettings.DEFAULTS.trustDomain();
    private String rootNamespace = MeshSettings.DEFAULTS.rootNamespace();
    private final Map<String, List<String>> exportTo = new HashMap<>(Map.of(
            "defaultServiceExportTo", MeshSettings.DEFAULTS.defaultServiceExportTo(),
            "defaultVirtualServiceExportTo", MeshSettings.DEFAULTS.defaultVirtualServiceExportTo(),
            "defaultDestinationRuleExportTo", MeshSettings.DEFAULTS.defaultDestinationRuleExportTo()));
    private final Map<String, Origin> origins = new HashMap<>();
    private final Problems.Scoped problems;

    MeshConfigReader(Problems.Scoped problems) {
        this.problems = problems;
    }

    /** Applies one meshConfig tree (from the ConfigMap or an IstioOperator) over what was read before. */
    void apply(FieldNode meshConfig, String from) {
        if (!(meshConfig.node() instanceof YamlNode.MapNode)) {
            problems.error("wrong-type", meshConfig, "meshConfig must be an object, got "
                    + YamlNode.describe(meshConfig.node()));
            return;
        }
        for (FieldNode field : meshConfig.entries()) {
            String key = field.key();
            if (!MESH_CONFIG_FIELDS.contains(key)) {
                problems.error("unknown-field", field, "unknown MeshConfig field \"" + key + "\" in " + from
                        + SchemaChecker.suggestion(key, MESH_CONFIG_FIELDS));
            } else if (!USED.contains(key)) {
                problems.info("ignored-mesh-config", field.origin(), field.path(), "MeshConfig field " + key
                        + " is not used by Tollgate; ignored");
            } else if (!(field.node() instanceof YamlNode.Scalar s && s.isNull())) {
                set(key, field);
            }
        }
    }

    private void set(String key, FieldNode field) {
        switch (key) {
            case "outboundTrafficPolicy" -> {
                if (!(field.node() instanceof YamlNode.MapNode)) {
                    problems.error("wrong-type", field, "expected an object, got " + YamlNode.describe(field.node()));
                    return;
                }
                for (FieldNode sub : field.entries()) {
                    if (!sub.key().equals("mode")) {
                        problems.error("unknown-field", sub, "unknown field \"" + sub.key()
                                + "\" in outboundTrafficPolicy" + SchemaChecker.suggestion(sub.key(), Set.of("mode")));
                    }
                }
                field.get("mode").ifPresent(m -> mode(m.text(), m.origin(), m.path()));
            }
            case "trustDomain" -> string(field).ifPresent(v -> trustDomain(v, field.origin(), field.path()));
            case "rootNamespace" -> string(field).ifPresent(v -> rootNamespace(v, field.origin(), field.path()));
            default -> {
                if (!(field.node() instanceof YamlNode.ListNode)) {
                    problems.error("wrong-type", field, "expected a list, got " + YamlNode.describe(field.node()));
                    return;
                }
                List<String> values = new ArrayList<>();
                for (FieldNode item : field.items()) {
                    if (!(item.node() instanceof YamlNode.Scalar s) || s.type() != YamlNode.Scalar.Type.STRING) {
                        problems.error("wrong-type", item, "expected a string");
                        return;
                    }
                    values.add(item.text());
                }
                exportTo(key, values, field.origin(), field.path());
            }
        }
    }

    /** Applies {@code --set meshConfig.K=V}; {@code key} is K (a leading "meshConfig." is tolerated). */
    void applyOverride(String rawKey, String value) {
        String key = rawKey.startsWith("meshConfig.") ? rawKey.substring("meshConfig.".length()) : rawKey;
        Origin origin = new Origin("--set", 0, 0);
        String path = "meshConfig." + key;
        String top = key.contains(".") ? key.substring(0, key.indexOf('.')) : key;
        String rest = key.contains(".") ? key.substring(key.indexOf('.') + 1) : "";
        if (!MESH_CONFIG_FIELDS.contains(top)) {
            problems.error("unknown-field", origin, path, "unknown MeshConfig field \"" + top + "\" in --set"
                    + SchemaChecker.suggestion(top, MESH_CONFIG_FIELDS));
            return;
        }
        if (!USED.contains(top)) {
            problems.info("ignored-mesh-config", origin, path, "MeshConfig field " + top
                    + " is not used by Tollgate; ignored");
            return;
        }
        switch (top) {
            case "outboundTrafficPolicy" -> {
                if (!rest.equals("mode")) {
                    problems.error("unknown-field", origin, path, "unknown field \"" + rest
                            + "\" in outboundTrafficPolicy (only mode)");
                } else {
                    mode(value, origin, path);
                }
            }
            case "trustDomain" -> noSubKey(rest, path, origin, () -> trustDomain(value, origin, path));
            case "rootNamespace" -> noSubKey(rest, path, origin, () -> rootNamespace(value, origin, path));
            default -> noSubKey(rest, path, origin, () -> exportTo(top, parseList(value), origin, path));
        }
    }

    private void noSubKey(String rest, String path, Origin origin, Runnable then) {
        if (!rest.isEmpty()) {
            problems.error("unknown-field", origin, path, "\"" + path + "\" has no field \"" + rest + "\"");
        } else {
            then.run();
        }
    }

    /** A list as istioctl's --set takes it: {@code {a,b}}, {@code [a,b]}, {@code a,b} or one item. */
    static List<String> parseList(String value) {
        String v = value.strip();
        if ((v.startsWith("{") && v.endsWith("}")) || (v.startsWith("[") && v.endsWith("]"))) {
            v = v.substring(1, v.length() - 1);
        }
        List<String> out = new ArrayList<>();
        for (String part : v.split(",")) {
            String item = part.strip();
            if (item.length() >= 2 && (item.startsWith("\"") && item.endsWith("\"")
                    || item.startsWith("'") && item.endsWith("'"))) {
                item = item.substring(1, item.length() - 1);
            }
            if (!item.isEmpty()) {
                out.add(item);
            }
        }
        return out;
    }

    private void mode(String value, Origin origin, String path) {
        try {
            mode = OutboundMode.valueOf(value);
            origins.put("outboundTrafficPolicy.mode", origin);
        } catch (IllegalArgumentException e) {
            problems.error("invalid-field", origin, path, "unsupported outboundTrafficPolicy.mode \"" + value
                    + "\", must be ALLOW_ANY or REGISTRY_ONLY");
        }
    }

    private void trustDomain(String value, Origin origin, String path) {
        String[] labels = value.split("\\.", -1);
        boolean ok = !value.isEmpty();
        for (int i = 0; i < labels.length && ok; i++) {
            ok = (i == labels.length - 1 && labels[i].isEmpty() && i > 0) || IstioNames.isDnsLabel(labels[i]);
        }
        if (!ok) {
            problems.error("invalid-field", origin, path, "trust domain name \"" + value + "\" invalid");
            return;
        }
        trustDomain = value;
        origins.put("trustDomain", origin);
    }

    private void rootNamespace(String value, Origin origin, String path) {
        if (!IstioNames.isKubernetesLabel(value)) {
            problems.error("invalid-field", origin, path, "rootNamespace \"" + value
                    + "\" is not a valid namespace name (DNS-1123 label)");
            return;
        }
        rootNamespace = value;
        origins.put("rootNamespace", origin);
    }

    private void exportTo(String key, List<String> values, Origin origin, String path) {
        for (String v : values) {
            if (!v.equals(".") && !v.equals("*") && !v.equals("~") && !IstioNames.isKubernetesLabel(v)) {
                problems.error("invalid-field", origin, path, key + " entry \"" + v
                        + "\" is invalid: only ., *, ~ or a namespace name is allowed");
                return;
            }
        }
        if (values.contains("*") && values.size() > 1 || values.contains("~") && values.size() > 1) {
            problems.error("invalid-field", origin, path, key + ": * and ~ must stand alone");
            return;
        }
        exportTo.put(key, List.copyOf(values));
        origins.put(key, origin);
    }

    private Optional<String> string(FieldNode field) {
        if (field.node() instanceof YamlNode.Scalar s && s.type() == YamlNode.Scalar.Type.STRING) {
            return Optional.of(s.text());
        }
        problems.error("wrong-type", field, "expected a string, got " + YamlNode.describe(field.node()));
        return Optional.empty();
    }

    MeshSettings settings() {
        return new MeshSettings(mode, trustDomain, rootNamespace, exportTo.get("defaultServiceExportTo"),
                exportTo.get("defaultVirtualServiceExportTo"), exportTo.get("defaultDestinationRuleExportTo"), origins);
    }
}
