package dev.tollgate.core.model;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The parts of Istio's MeshConfig that Tollgate's semantics read, after merging the {@code istio}
 * ConfigMap, an IstioOperator's {@code spec.meshConfig} and {@code --set meshConfig.*} (in that order).
 *
 * @param origins            where each setting came from, keyed by its meshConfig path (e.g. {@code outboundTrafficPolicy.mode})
 * @param trustDomainAliases {@code trustDomainAliases}: trust domains treated as the mesh's own in policy principals
 * @param pathNormalization  {@code pathNormalization.normalization} (Istio's default: BASE)
 * @param sources            every value a source gave a setting, in the order applied (the last one is in force)
 */
public record MeshSettings(OutboundMode outboundMode, String trustDomain, String rootNamespace,
                           List<String> defaultServiceExportTo, List<String> defaultVirtualServiceExportTo,
                           List<String> defaultDestinationRuleExportTo, Map<String, Origin> origins,
                           List<String> trustDomainAliases, PathNormalization pathNormalization,
                           List<MeshSettingSource> sources) {

    public static final MeshSettings DEFAULTS = new MeshSettings(OutboundMode.ALLOW_ANY, "cluster.local",
            "istio-system", List.of("*"), List.of("*"), List.of("*"), Map.of(), List.of(), PathNormalization.BASE,
            List.of());

    public MeshSettings {
        Objects.requireNonNull(outboundMode, "outboundMode");
        Objects.requireNonNull(trustDomain, "trustDomain");
        Objects.requireNonNull(rootNamespace, "rootNamespace");
        defaultServiceExportTo = List.copyOf(defaultServiceExportTo);
        defaultVirtualServiceExportTo = List.copyOf(defaultVirtualServiceExportTo);
        defaultDestinationRuleExportTo = List.copyOf(defaultDestinationRuleExportTo);
        origins = Map.copyOf(origins);
        trustDomainAliases = List.copyOf(trustDomainAliases);
        Objects.requireNonNull(pathNormalization, "pathNormalization");
        sources = sources == null ? List.of() : List.copyOf(sources);
    }

    /** The settings without a record of their sources (tests, and callers that build them by hand). */
    public MeshSettings(OutboundMode outboundMode, String trustDomain, String rootNamespace,
                        List<String> defaultServiceExportTo, List<String> defaultVirtualServiceExportTo,
                        List<String> defaultDestinationRuleExportTo, Map<String, Origin> origins,
                        List<String> trustDomainAliases, PathNormalization pathNormalization) {
        this(outboundMode, trustDomain, rootNamespace, defaultServiceExportTo, defaultVirtualServiceExportTo,
                defaultDestinationRuleExportTo, origins, trustDomainAliases, pathNormalization, List.of());
    }

    /** The values the sources gave {@code key}, in the order applied; the last is in force. */
    public List<MeshSettingSource> sourcesOf(String key) {
        return sources.stream().filter(s -> s.key().equals(key)).toList();
    }

    /** The settings before trustDomainAliases and pathNormalization were read: no aliases, BASE normalization. */
    public MeshSettings(OutboundMode outboundMode, String trustDomain, String rootNamespace,
                        List<String> defaultServiceExportTo, List<String> defaultVirtualServiceExportTo,
                        List<String> defaultDestinationRuleExportTo, Map<String, Origin> origins) {
        this(outboundMode, trustDomain, rootNamespace, defaultServiceExportTo, defaultVirtualServiceExportTo,
                defaultDestinationRuleExportTo, origins, List.of(), PathNormalization.BASE);
    }

    public MeshSettings withOutboundMode(OutboundMode mode) {
        return new MeshSettings(mode, trustDomain, rootNamespace, defaultServiceExportTo,
                defaultVirtualServiceExportTo, defaultDestinationRuleExportTo, origins, trustDomainAliases,
                pathNormalization, sources);
    }

    public MeshSettings withTrustDomainAliases(List<String> aliases) {
        return new MeshSettings(outboundMode, trustDomain, rootNamespace, defaultServiceExportTo,
                defaultVirtualServiceExportTo, defaultDestinationRuleExportTo, origins, aliases, pathNormalization,
                sources);
    }

    public MeshSettings withPathNormalization(PathNormalization normalization) {
        return new MeshSettings(outboundMode, trustDomain, rootNamespace, defaultServiceExportTo,
                defaultVirtualServiceExportTo, defaultDestinationRuleExportTo, origins, trustDomainAliases,
                normalization, sources);
    }
}
