package dev.tollgate.config;

import dev.tollgate.core.model.KubernetesNames;
import dev.tollgate.core.model.MeshSettings;
import dev.tollgate.core.model.Visibility;
import dev.tollgate.core.model.Origin;
import dev.tollgate.core.model.OutboundMode;
import dev.tollgate.core.model.PathNormalization;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Merges mesh settings as Istio users give them: the {@code istio} ConfigMap's {@code mesh}, then an IstioOperator's
 * {@code spec.meshConfig}, then {@code --set meshConfig.K=V}, each overriding the one before field by field.
 * A MeshConfig field Tollgate does not use is ignored with a notice (a WARNING when ignoring it can weaken what
 * Istio would enforce); a key that is no MeshConfig field is an error.
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
            "defaultServiceExportTo", "defaultVirtualServiceExportTo", "defaultDestinationRuleExportTo",
            "trustDomainAliases", "pathNormalization");
    /** The list-valued fields Tollgate reads (whole list, or istioctl's {@code K[i]=V} on --set). */
    private static final Set<String> LISTS = Set.of("defaultServiceExportTo", "defaultVirtualServiceExportTo",
            "defaultDestinationRuleExportTo", "trustDomainAliases");
    /**
     * Ignored fields whose effect in Istio is a restriction that Tollgate does not apply, so that ignoring them can let
     * through what Istio would refuse: each gets a WARNING, not a notice.
     */
    private static final Map<String, String> WIDENS_WHEN_IGNORED = Map.of(
            "discoverySelectors", "istiod only reads namespaces it selects; Tollgate reads every resource given to it, "
                    + "so ServiceEntries (and other config) from namespaces istiod would skip take effect",
            "meshMTLS", "its TLS minimum version / cipher restrictions for mTLS are not applied",
            "tlsDefaults", "its TLS minimum version / cipher / curve restrictions are not applied",
            "authPolicy", "the legacy mesh-wide mTLS requirement is not applied (Tollgate has no PeerAuthentication)",
            "inboundTrafficPolicy", "its restriction of inbound passthrough traffic is not applied",
            "serviceSettings", "settings such as clusterLocal that limit where a service is reachable are not applied",
            "serviceScopeConfigs", "its limits on which services are global are not applied");
    private static final Pattern INDEXED = Pattern.compile("([A-Za-z]+)\\[(\\d{1,4})]");

    private OutboundMode mode = MeshSettings.DEFAULTS.outboundMode();
    private String trustDomain = MeshSettings.DEFAULTS.trustDomain();
    private String rootNamespace = MeshSettings.DEFAULTS.rootNamespace();
    private final Map<String, List<String>> exportTo = new HashMap<>(Map.of(
            "defaultServiceExportTo", MeshSettings.DEFAULTS.defaultServiceExportTo(),
            "defaultVirtualServiceExportTo", MeshSettings.DEFAULTS.defaultVirtualServiceExportTo(),
            "defaultDestinationRuleExportTo", MeshSettings.DEFAULTS.defaultDestinationRuleExportTo()));
    private List<String> trustDomainAliases = MeshSettings.DEFAULTS.trustDomainAliases();
    private PathNormalization pathNormalization = MeshSettings.DEFAULTS.pathNormalization();
    private final Map<String, Origin> origins = new HashMap<>();
    /** Who gave which setting what, in order (for explain's "where the mesh mode came from"). */
    private final List<dev.tollgate.core.model.MeshSettingSource> sources = new ArrayList<>();
    /** The source being applied: "ConfigMap istio", "IstioOperator ns/name" or "--set". */
    private String from = "--set";
    /** {@code --set K[i]=V}, by K then i, applied after the whole-list --set values. */
    private final Map<String, TreeMap<Integer, String>> indexed = new TreeMap<>();
    private final Problems.Scoped problems;

    MeshConfigReader(Problems.Scoped problems) {
        this.problems = problems;
    }

    /** Applies one meshConfig tree (from the ConfigMap or an IstioOperator) over what was read before. */
    void apply(FieldNode meshConfig, String from) {
        this.from = from;
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
                ignored(key, field.origin(), field.path());
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
            case "pathNormalization" -> {
                if (!(field.node() instanceof YamlNode.MapNode)) {
                    problems.error("wrong-type", field, "expected an object, got " + YamlNode.describe(field.node()));
                    return;
                }
                for (FieldNode sub : field.entries()) {
                    if (!sub.key().equals("normalization")) {
                        problems.error("unknown-field", sub, "unknown field \"" + sub.key()
                                + "\" in pathNormalization" + SchemaChecker.suggestion(sub.key(), Set.of("normalization")));
                    }
                }
                field.get("normalization").ifPresent(n -> pathNormalization(n.text(), n.origin(), n.path()));
            }
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
                list(key, values, field.origin(), field.path());
            }
        }
    }

    private void ignored(String key, Origin origin, String path) {
        String why = WIDENS_WHEN_IGNORED.get(key);
        if (why != null) {
            problems.warning("ignored-mesh-config", origin, path, "MeshConfig field " + key
                    + " is ignored by Tollgate: " + why);
        } else {
            problems.info("ignored-mesh-config", origin, path, "MeshConfig field " + key
                    + " is not used by Tollgate; ignored");
        }
    }

    /** Applies {@code --set meshConfig.K=V}; {@code key} is K (a leading "meshConfig." is tolerated). */
    void applyOverride(String rawKey, String value) {
        String key = rawKey.startsWith("meshConfig.") ? rawKey.substring("meshConfig.".length()) : rawKey;
        Origin origin = new Origin("--set", 0, 0);
        from = "--set";
        String path = "meshConfig." + key;
        String top = key.contains(".") ? key.substring(0, key.indexOf('.')) : key;
        String rest = key.contains(".") ? key.substring(key.indexOf('.') + 1) : "";
        Matcher item = INDEXED.matcher(top);
        if (item.matches() && rest.isEmpty()) {
            String list = item.group(1);
            if (!MESH_CONFIG_FIELDS.contains(list)) {
                problems.error("unknown-field", origin, path, "unknown MeshConfig field \"" + list + "\" in --set"
                        + SchemaChecker.suggestion(list, MESH_CONFIG_FIELDS));
            } else if (!USED.contains(list)) {
                ignored(list, origin, path);
            } else if (!LISTS.contains(list)) {
                problems.error("wrong-type", origin, path, "meshConfig." + list + " is not a list");
            } else if (indexed.computeIfAbsent(list, k -> new TreeMap<>())
                    .put(Integer.parseInt(item.group(2)), value) != null) {
                problems.error("invalid-field", origin, path, "index given twice in --set " + path);
            }
            return;
        }
        if (!MESH_CONFIG_FIELDS.contains(top)) {
            problems.error("unknown-field", origin, path, "unknown MeshConfig field \"" + top + "\" in --set"
                    + SchemaChecker.suggestion(top, MESH_CONFIG_FIELDS));
            return;
        }
        if (!USED.contains(top)) {
            ignored(top, origin, path);
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
            case "pathNormalization" -> {
                if (!rest.equals("normalization")) {
                    problems.error("unknown-field", origin, path, "unknown field \"" + rest
                            + "\" in pathNormalization (only normalization)");
                } else {
                    pathNormalization(value, origin, path);
                }
            }
            default -> noSubKey(rest, path, origin, () -> list(top, parseList(value), origin, path));
        }
    }

    /**
     * istioctl's {@code --set meshConfig.K[i]=V}: sets item i of the list as read so far (ConfigMap, IstioOperator,
     * whole-list --set); i may be at most the list's length (append). A gap is an error rather than a guess.
     */
    private void applyIndexed() {
        Origin origin = new Origin("--set", 0, 0);
        indexed.forEach((key, items) -> {
            List<String> values = new ArrayList<>(current(key));
            for (Map.Entry<Integer, String> e : items.entrySet()) {
                String path = "meshConfig." + key + "[" + e.getKey() + "]";
                if (e.getKey() > values.size()) {
                    problems.error("invalid-field", origin, path, "index " + e.getKey() + " is past the end of "
                            + key + " (it has " + values.size() + " item(s)); set the items in order from [0]");
                    return;
                }
                if (e.getKey() == values.size()) {
                    values.add(e.getValue());
                } else {
                    values.set(e.getKey(), e.getValue());
                }
            }
            list(key, values, origin, "meshConfig." + key);
        });
        indexed.clear();
    }

    private List<String> current(String key) {
        return key.equals("trustDomainAliases") ? trustDomainAliases : exportTo.get(key);
    }

    private void list(String key, List<String> values, Origin origin, String path) {
        if (key.equals("trustDomainAliases")) {
            trustDomainAliases(values, origin, path);
        } else {
            exportTo(key, values, origin, path);
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
            sources.add(new dev.tollgate.core.model.MeshSettingSource("outboundTrafficPolicy.mode", mode.name(),
                    from, origin));
        } catch (IllegalArgumentException e) {
            problems.error("invalid-field", origin, path, "unsupported outboundTrafficPolicy.mode \"" + value
                    + "\", must be ALLOW_ANY or REGISTRY_ONLY");
        }
    }

    private void trustDomain(String value, Origin origin, String path) {
        if (!validTrustDomain(value)) {
            problems.error("invalid-field", origin, path, "trust domain name \"" + value + "\" invalid");
            return;
        }
        trustDomain = value;
        origins.put("trustDomain", origin);
    }

    private static boolean validTrustDomain(String value) {
        String[] labels = value.split("\\.", -1);
        boolean ok = !value.isEmpty();
        for (int i = 0; i < labels.length && ok; i++) {
            ok = (i == labels.length - 1 && labels[i].isEmpty() && i > 0) || IstioNames.isDnsLabel(labels[i]);
        }
        return ok;
    }

    /** Each alias is a trust domain name: a wildcard or junk alias would make policy principals match strangers. */
    private void trustDomainAliases(List<String> values, Origin origin, String path) {
        for (String v : values) {
            if (!validTrustDomain(v)) {
                problems.error("invalid-field", origin, path, "trust domain alias \"" + v + "\" invalid");
                return;
            }
        }
        trustDomainAliases = List.copyOf(values);
        origins.put("trustDomainAliases", origin);
    }

    private void pathNormalization(String value, Origin origin, String path) {
        String v = value.equals("DEFAULT") ? "BASE" : value;
        try {
            pathNormalization = PathNormalization.valueOf(v);
            origins.put("pathNormalization.normalization", origin);
        } catch (IllegalArgumentException e) {
            problems.error("invalid-field", origin, path, "unsupported pathNormalization.normalization \"" + value
                    + "\", must be DEFAULT, NONE, BASE, MERGE_SLASHES or DECODE_AND_MERGE_SLASHES");
        }
    }

    private void rootNamespace(String value, Origin origin, String path) {
        if (!KubernetesNames.isLabel(value)) {
            problems.error("invalid-field", origin, path, "rootNamespace \"" + value
                    + "\" is not a valid namespace name (DNS-1123 label)");
            return;
        }
        rootNamespace = value;
        origins.put("rootNamespace", origin);
    }

    private void exportTo(String key, List<String> values, Origin origin, String path) {
        List<Visibility.Problem> found = Visibility.problems(values, null, Visibility.Owner.MESH_DEFAULT);
        if (!found.isEmpty()) {
            // a list from --set or a file line has no position per entry: the first problem says enough
            problems.error("invalid-field", origin, path, key + ": " + found.get(0).message());
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
        applyIndexed();
        return new MeshSettings(mode, trustDomain, rootNamespace, exportTo.get("defaultServiceExportTo"),
                exportTo.get("defaultVirtualServiceExportTo"), exportTo.get("defaultDestinationRuleExportTo"), origins,
                trustDomainAliases, pathNormalization, sources);
    }
}
