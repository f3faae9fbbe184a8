package dev.tollgate.core.registry;

import dev.tollgate.core.model.EgressGatewayIdentity;
import dev.tollgate.core.model.MeshSettings;
import dev.tollgate.core.model.OutboundMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.stream.Stream;

import static dev.tollgate.core.registry.RegistryCase.of;
import static dev.tollgate.core.registry.RegistryCase.se;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The registry against Istio's documentation, one statement per case. Sources: the ServiceEntry and Sidecar
 * references (istio.io/latest/docs/reference/config/networking/service-entry, .../sidecar), the MeshConfig reference
 * (defaultServiceExportTo, outboundTrafficPolicy), and where the documents are silent, istio/istio's
 * pilot/pkg/model/push_context.go, sidecar.go and pkg/config/host/name.go, named as such.
 */
class RegistryConformanceTest {
    private static final String GOOGLE = "developers.google.com";

    private static final String SIDECAR_OWN_NS_ONLY = """
            apiVersion: networking.istio.io/v1
            kind: Sidecar
            metadata: {name: default}
            spec:
              egress:
              - hosts: ["./*"]
            """;

    @ParameterizedTest(name = "{0}")
    @MethodSource({"hosts", "exportTo", "duplicates", "sidecarSelection", "egressHosts", "egressPorts",
            "outboundPolicy", "egressGateway", "addresses", "gatewayScope"})
    void registryFollowsIstio(RegistryCase c) {
        assertThat(c.check()).isEmpty();
    }

    static Stream<Arguments> hosts() {
        return cases(
                of("H01", "ServiceEntry: \"The hosts associated with the ServiceEntry\" — an exact host is known")
                        .apply("default", se("google", GOOGLE, "443/TLS")).lookup(GOOGLE, 443).sees("default/google"),
                of("H02", "DESIGN.md: host names match case-insensitively")
                        .apply("default", se("google", GOOGLE, "443/TLS"))
                        .lookup("Developers.Google.COM", 443).sees("default/google"),
                of("H03", "DESIGN.md: a trailing dot is ignored")
                        .apply("default", se("google", GOOGLE, "443/TLS"))
                        .lookup(GOOGLE + ".", 443).sees("default/google"),
                of("H04", "DESIGN.md: host names match case-insensitively, also as written in the ServiceEntry")
                        .apply("default", se("google", "Developers.GOOGLE.com.", "443/TLS"))
                        .lookup(GOOGLE, 443).sees("default/google", GOOGLE),
                of("H05", "ServiceEntry: \"Could be a DNS name with wildcard prefix\" — *.bar.com covers foo.bar.com")
                        .apply("default", se("wild", "*.bar.com", "80/HTTP"))
                        .lookup("foo.bar.com", 80).sees("default/wild", "*.bar.com"),
                of("H06", "host.Name.SubsetOf (pkg/config/host): a wildcard covers names at any depth")
                        .apply("default", se("wild", "*.bar.com", "80/HTTP"))
                        .lookup("a.b.foo.bar.com", 80).sees("default/wild"),
                of("H07", "host.Name: Name(\"*.foo.com\").Matches(\"foo.com\") = false — not the bare parent")
                        .apply("default", se("wild", "*.bar.com", "80/HTTP"))
                        .lookup("bar.com", 80).seesNothing(),
                of("H08", "ServiceEntry example: wikipedia.org and *.wikipedia.org together cover the apex")
                        .apply("default", se("wiki", List.of("wikipedia.org", "*.wikipedia.org"), "443/TLS", null,
                                "NONE"))
                        .lookup("wikipedia.org", 443).sees("default/wiki", "wikipedia.org"),
                of("H09", "ServiceEntry example: *.wikipedia.org covers en.wikipedia.org")
                        .apply("default", se("wiki", List.of("wikipedia.org", "*.wikipedia.org"), "443/TLS", null,
                                "NONE"))
                        .lookup("en.wikipedia.org", 443).sees("default/wiki", "*.wikipedia.org"),
                of("H10", "Envoy virtual host / SNI matching: an exact host beats a wildcard")
                        .apply("default", se("wild", "*.example.com", "443/TLS"))
                        .apply("default", se("exact", "api.example.com", "443/TLS"))
                        .lookup("api.example.com", 443).sees("default/exact"),
                of("H11", "Envoy domain matching: the longest wildcard suffix wins")
                        .apply("default", se("short", "*.example.com", "443/TLS"))
                        .apply("default", se("long", "*.api.example.com", "443/TLS"))
                        .lookup("v1.api.example.com", 443).sees("default/long"),
                of("H12", "Istio builds one listener per port: an exact host without the port does not hide a"
                        + " wildcard with it")
                        .apply("default", se("exact", "api.example.com", "80/HTTP"))
                        .apply("default", se("wild", "*.example.com", "443/TLS"))
                        .lookup("api.example.com", 443).sees("default/wild"),
                of("H13", "A known host on an undeclared port falls to the outbound traffic policy")
                        .apply("default", se("google", GOOGLE, "443/TLS"))
                        .lookup(GOOGLE, 8443).seesHostOnly("default/google"),
                of("H14", "An unknown host is not in the registry")
                        .apply("default", se("google", GOOGLE, "443/TLS"))
                        .lookup("developer.yahoo.com", 443).seesNothing(),
                of("H15", "ServiceEntry example external-svc-https: every host of an entry is a service")
                        .apply("default", se("apis", List.of("api.dropboxapi.com", "www.googleapis.com",
                                "api.facebook.com"), "443/TLS", null))
                        .lookup("www.googleapis.com", 443).sees("default/apis", "www.googleapis.com"),
                of("H16", "ServicePort: \"The ports associated with the external service\" — port 80 of two")
                        .apply("default", se("google", GOOGLE, "443/HTTPS,80/HTTP"))
                        .lookup(GOOGLE, 80).sees("default/google"),
                of("H17", "A ServiceEntry without ports knows the host on no port")
                        .apply("default", se("noports", GOOGLE, ""))
                        .lookup(GOOGLE, 443).seesHostOnly("default/noports"),
                of("H18", "A wildcard request host is not a name: it matches only a wildcard that covers it")
                        .apply("default", se("exact", "a.example.com", "443/TLS"))
                        .lookup("*.example.com", 443).seesNothing(),
                of("H19", "An empty host matches nothing, not even a broad wildcard (fail closed)")
                        .apply("default", se("wild", "*.com", "443/TLS"))
                        .lookup("", 443).seesNothing(),
                of("H20", "RFC 1035: a name longer than 253 characters is no DNS name and matches nothing, not even"
                        + " a wildcard (and costs no quadratic suffix walk)")
                        .apply("default", se("wild", "*.com", "443/TLS"))
                        .lookup("a.".repeat(20_000) + "com", 443).seesNothing(),
                of("H21", "A 253-character name is still matched")
                        .apply("default", se("wild", "*.com", "443/TLS"))
                        .lookup("a".repeat(249) + ".com", 443).sees("default/wild"),
                of("H22", "A name of dots only is no host of a wildcard entry")
                        .apply("default", se("wild", "*.com", "443/TLS"))
                        .lookup("...", 443).seesNothing(),
                of("H23", "Deliberate difference (SidecarScope.lookup): Istio's IST0134 \"If addresses is not set, all"
                        + " traffic on the port defined in the ServiceEntry is matched, regardless of the host\" is a"
                        + " capture artefact; Tollgate's sidecar knows the requested name, as Istio's does with DNS"
                        + " capture and IP auto-allocation, so a TCP entry claims only its own host")
                        .apply("default", se("db", "db.example.com", "5432/TCP"))
                        .lookup("other.example.com", 5432).seesNothing());
    }

    static Stream<Arguments> exportTo() {
        return cases(
                of("E01", "ServiceEntry.exportTo: \"If no namespaces are specified then the service is exported to"
                        + " all namespaces by default\"")
                        .apply("otherns", se("google", GOOGLE, "443/TLS")).lookup(GOOGLE, 443).sees("otherns/google"),
                of("E02", "exportTo: \"The value \\\".\\\" ... defines an export to the same namespace\"")
                        .apply("default", se("google", GOOGLE, "443/TLS", "."))
                        .lookup(GOOGLE, 443).sees("default/google"),
                of("E03", "exportTo [\".\"]: \"so that it cannot be used by other namespaces\"")
                        .apply("otherns", se("google", GOOGLE, "443/TLS", "."))
                        .lookup(GOOGLE, 443).seesNothing(),
                of("E04", "exportTo: \"the value \\\"*\\\" is reserved and defines an export to all namespaces\"")
                        .apply("otherns", se("google", GOOGLE, "443/TLS", "*"))
                        .lookup(GOOGLE, 443).sees("otherns/google"),
                of("E05", "MeshConfig: \"~ - No Namespace\" — exportTo [\"~\"] hides it from its own namespace too")
                        .apply("default", se("google", GOOGLE, "443/TLS", "~"))
                        .lookup(GOOGLE, 443).seesNothing(),
                of("E06", "exportTo: \"A list of namespaces to which this service is exported\" — a named namespace")
                        .apply("otherns", se("google", GOOGLE, "443/TLS", "default"))
                        .lookup(GOOGLE, 443).sees("otherns/google"),
                of("E07", "exportTo names only the listed namespaces: not even its own (push_context"
                        + " exportedToNamespace)")
                        .apply("otherns", se("google", GOOGLE, "443/TLS", "default"))
                        .from("otherns").lookup(GOOGLE, 443).seesNothing(),
                of("E08", "exportTo [\"default\"] is not visible to a third namespace")
                        .apply("otherns", se("google", GOOGLE, "443/TLS", "default"))
                        .from("third").lookup(GOOGLE, 443).seesNothing(),
                of("E09", "exportTo [\".\", \"default\"]: the own namespace and default")
                        .apply("otherns", se("google", GOOGLE, "443/TLS", ".", "default"))
                        .from("otherns").lookup(GOOGLE, 443).sees("otherns/google"),
                of("E10", "push_context: \"exportTo with same namespace is effectively private\"")
                        .apply("otherns", se("google", GOOGLE, "443/TLS", "otherns"))
                        .from("otherns").lookup(GOOGLE, 443).sees("otherns/google"),
                of("E11", "MeshConfig.defaultServiceExportTo: \"The default value for the ServiceEntry.exportTo"
                        + " field\" — [\".\"] keeps entries private")
                        .apply("otherns", se("google", GOOGLE, "443/TLS"))
                        .mesh(m -> withDefaultExportTo(m, ".")).lookup(GOOGLE, 443).seesNothing(),
                of("E12", "defaultServiceExportTo [\".\"]: still visible in the entry's own namespace")
                        .apply("otherns", se("google", GOOGLE, "443/TLS"))
                        .mesh(m -> withDefaultExportTo(m, ".")).from("otherns").lookup(GOOGLE, 443)
                        .sees("otherns/google"),
                of("E13", "defaultServiceExportTo applies only when exportTo is empty: [\"*\"] stays public")
                        .apply("otherns", se("google", GOOGLE, "443/TLS", "*"))
                        .mesh(m -> withDefaultExportTo(m, ".")).lookup(GOOGLE, 443).sees("otherns/google"),
                of("E14", "defaultServiceExportTo [\"~\"]: entries without exportTo are visible nowhere")
                        .apply("default", se("google", GOOGLE, "443/TLS"))
                        .mesh(m -> withDefaultExportTo(m, "~")).lookup(GOOGLE, 443).seesNothing(),
                of("E15", "push_context.go serviceExportTo: \"the declared exportTo (or the mesh default when"
                        + " unset)\", indexed by initServiceRegistry as written: [\"default\"] exports to default")
                        .apply("otherns", se("google", GOOGLE, "443/TLS"))
                        .mesh(m -> withDefaultExportTo(m, "default")).lookup(GOOGLE, 443).sees("otherns/google"),
                of("E15b", "push_context.go serviceExportTo: a default [\"default\"] names default only, not the"
                        + " entry's own namespace")
                        .apply("otherns", se("google", GOOGLE, "443/TLS"))
                        .mesh(m -> withDefaultExportTo(m, "default")).from("otherns").lookup(GOOGLE, 443)
                        .seesNothing(),
                of("E16", "push_context: \"*\" anywhere in exportTo makes it public and ignores the rest")
                        .apply("otherns", se("google", GOOGLE, "443/TLS", "third", "*"))
                        .lookup(GOOGLE, 443).sees("otherns/google"),
                of("E17", "push_context: without \"*\", \"~\" anywhere makes it visible to no one")
                        .apply("default", se("google", GOOGLE, "443/TLS", ".", "~"))
                        .lookup(GOOGLE, 443).seesNothing(),
                of("E18", "exportTo [\".\"] in istio-system is private to istio-system")
                        .apply("istio-system", se("google", GOOGLE, "443/TLS", "."))
                        .lookup(GOOGLE, 443).seesNothing());
    }

    static Stream<Arguments> duplicates() {
        return cases(
                of("D01", "sidecar.go selectServices: \"If the same hostname is imported from multiple namespaces,"
                        + " pick the one in the configNamespace\"")
                        .apply("aaa", se("google-a", GOOGLE, "443/TLS"))
                        .apply("default", se("google-d", GOOGLE, "443/TLS"))
                        .lookup(GOOGLE, 443).sees("default/google-d"),
                of("D02", "selectServices: \"If neither are in configNamespace, an arbitrary one\" — Istio's"
                        + " oldest, by hostname.namespace when created together")
                        .apply("zzz", se("google-z", GOOGLE, "443/TLS"))
                        .apply("bbb", se("google-b", GOOGLE, "443/TLS"))
                        .lookup(GOOGLE, 443).sees("bbb/google-b"),
                of("D03", "selectServices: one namespace per host — the own namespace's entry without the port"
                        + " hides another namespace's port")
                        .apply("default", se("google-d", GOOGLE, "80/HTTP"))
                        .apply("aaa", se("google-a", GOOGLE, "443/TLS"))
                        .lookup(GOOGLE, 443).seesHostOnly("default/google-d"),
                of("D04", "servicesExportedToNamespace: entries exported to the namespace by name come before"
                        + " public ones")
                        .apply("aaa", se("google-a", GOOGLE, "443/TLS", "*"))
                        .apply("zzz", se("google-z", GOOGLE, "443/TLS", "default"))
                        .lookup(GOOGLE, 443).sees("zzz/google-z"),
                of("D05", "appendSidecarServices: \"merge the ports ... we only merge if the found service is in the"
                        + " same namespace\"")
                        .apply("default", se("google-443", GOOGLE, "443/TLS"))
                        .apply("default", se("google-80", GOOGLE, "80/HTTP"))
                        .lookup(GOOGLE, 80).sees("default/google-80"),
                of("D06", "canMergeServices: entries with different resolutions are not merged; the first is kept")
                        .apply("default", se("google-a", List.of(GOOGLE), "443/TLS", null, "DNS"))
                        .apply("default", se("google-b", List.of(GOOGLE), "80/HTTP", null, "NONE"))
                        .lookup(GOOGLE, 80).seesHostOnly("default/google-a"),
                of("D07", "An entry not visible to the namespace does not take part in the choice")
                        .apply("aaa", se("google-a", GOOGLE, "443/TLS", "."))
                        .apply("bbb", se("google-b", GOOGLE, "443/TLS"))
                        .lookup(GOOGLE, 443).sees("bbb/google-b"),
                of("D08", "servicesExportedToNamespace lists private entries first, and canMergeServices does not"
                        + " merge entries with different exportTo")
                        .apply("default", se("google-a", GOOGLE, "443/TLS", "*"))
                        .apply("default", se("google-b", GOOGLE, "80/HTTP", "."))
                        .lookup(GOOGLE, 443).seesHostOnly("default/google-b"),
                of("D10", "canMergeServices compares exportTo as written: [\".\"] and [\"default\"] are not merged")
                        .apply("default", se("google-a", GOOGLE, "443/TLS", "."))
                        .apply("default", se("google-b", GOOGLE, "80/HTTP", "default"))
                        .lookup(GOOGLE, 80).seesHostOnly("default/google-a"),
                of("D11", "canMergeServices: entries with equal labels, resolution and exportTo share ports")
                        .apply("default", se("google-a", GOOGLE, "443/TLS", "."))
                        .apply("default", se("google-b", GOOGLE, "80/HTTP", "."))
                        .lookup(GOOGLE, 443).sees("default/google-a"),
                of("D09", "Two entries of one namespace with the same port: the first (by name order of"
                        + " creation) keeps it")
                        .apply("default", se("google-a", GOOGLE, "443/TLS"))
                        .apply("default", se("google-b", GOOGLE, "443/HTTPS"))
                        .lookup(GOOGLE, 443).sees("default/google-a"));
    }

    static Stream<Arguments> sidecarSelection() {
        String selectorSidecar = """
                apiVersion: networking.istio.io/v1
                kind: Sidecar
                metadata: {name: for-sleep}
                spec:
                  workloadSelector:
                    labels: {app: sleep}
                  egress:
                  - hosts: ["*/*"]
                """;
        String rootDefault = """
                apiVersion: networking.istio.io/v1
                kind: Sidecar
                metadata: {name: default, namespace: istio-system}
                spec:
                  egress:
                  - hosts: ["./*", "istio-system/*"]
                """;
        return cases(
                of("S01", "Sidecar: by default Istio programs every sidecar \"to reach every workload in the mesh\"")
                        .apply("otherns", se("google", GOOGLE, "443/TLS")).lookup(GOOGLE, 443)
                        .sees("otherns/google").noSidecar(),
                of("S02", "Sidecar: \"In the absence of a workloadSelector, it will apply to all workloads in the"
                        + " same namespace\"")
                        .apply("default", SIDECAR_OWN_NS_ONLY).apply("otherns", se("google", GOOGLE, "443/TLS"))
                        .lookup(GOOGLE, 443).seesNothing().sidecar("default/default"),
                of("S03", "Sidecar ./*: the workload's own namespace is imported")
                        .apply("default", SIDECAR_OWN_NS_ONLY).apply("default", se("google", GOOGLE, "443/TLS"))
                        .lookup(GOOGLE, 443).sees("default/google"),
                of("S04", "Sidecar: \"preference will be given to the resource with a workloadSelector that selects"
                        + " this workload\"")
                        .apply("default", SIDECAR_OWN_NS_ONLY).apply("default", selectorSidecar)
                        .apply("otherns", se("google", GOOGLE, "443/TLS"))
                        .from("default", "app=sleep").lookup(GOOGLE, 443).sees("otherns/google")
                        .sidecar("default/for-sleep"),
                of("S05", "Sidecar: a workloadSelector that does not select the workload leaves the namespace-wide"
                        + " one")
                        .apply("default", SIDECAR_OWN_NS_ONLY).apply("default", selectorSidecar)
                        .apply("otherns", se("google", GOOGLE, "443/TLS"))
                        .from("default", "app=other").lookup(GOOGLE, 443).seesNothing().sidecar("default/default"),
                of("S06", "WorkloadSelector: \"all conditions need to match\" — a subset of labels is not enough")
                        .apply("default", """
                                apiVersion: networking.istio.io/v1
                                kind: Sidecar
                                metadata: {name: strict}
                                spec:
                                  workloadSelector:
                                    labels: {app: sleep, version: v2}
                                  egress:
                                  - hosts: ["~/*"]
                                """)
                        .apply("default", se("google", GOOGLE, "443/TLS"))
                        .from("default", "app=sleep", "version=v1").lookup(GOOGLE, 443).sees("default/google")
                        .noSidecar(),
                of("S07", "Sidecar: a global default in the root namespace \"configures sidecars in all namespaces\"")
                        .apply("otherns", se("google", GOOGLE, "443/TLS")).apply("istio-system", rootDefault)
                        .lookup(GOOGLE, 443).seesNothing().sidecar("istio-system/default"),
                of("S08", "Sidecar root default example: \"./*\" means \"other workloads in the same namespace\" of"
                        + " each workload")
                        .apply("default", se("google", GOOGLE, "443/TLS")).apply("istio-system", rootDefault)
                        .lookup(GOOGLE, 443).sees("default/google"),
                of("S09", "Sidecar root default example: services in istio-system are imported")
                        .apply("istio-system", se("google", GOOGLE, "443/TLS")).apply("istio-system", rootDefault)
                        .lookup(GOOGLE, 443).sees("istio-system/google"),
                of("S10", "getSidecarScope: a namespace's own Sidecar beats the root namespace default")
                        .apply("istio-system", rootDefault)
                        .apply("default", """
                                apiVersion: networking.istio.io/v1
                                kind: Sidecar
                                metadata: {name: open}
                                spec:
                                  egress:
                                  - hosts: ["*/*"]
                                """)
                        .apply("otherns", se("google", GOOGLE, "443/TLS"))
                        .lookup(GOOGLE, 443).sees("otherns/google").sidecar("default/open"),
                of("S11", "A root-namespace Sidecar with a workloadSelector is no mesh-wide default")
                        .apply("istio-system", """
                                apiVersion: networking.istio.io/v1
                                kind: Sidecar
                                metadata: {name: selective}
                                spec:
                                  workloadSelector:
                                    labels: {app: sleep}
                                  egress:
                                  - hosts: ["~/*"]
                                """)
                        .apply("otherns", se("google", GOOGLE, "443/TLS"))
                        .from("default", "app=sleep").lookup(GOOGLE, 443).sees("otherns/google").noSidecar(),
                of("S12", "Sidecar: \"A Sidecar resource in a namespace will apply to ... workloads in the same"
                        + " namespace\"")
                        .apply("otherns", SIDECAR_OWN_NS_ONLY).apply("aaa", se("google", GOOGLE, "443/TLS"))
                        .lookup(GOOGLE, 443).sees("aaa/google").noSidecar(),
                of("S13", "MeshConfig.rootNamespace: the root namespace is configurable")
                        .mesh(m -> new MeshSettings(m.outboundMode(), m.trustDomain(), "istio-config",
                                m.defaultServiceExportTo(), m.defaultVirtualServiceExportTo(),
                                m.defaultDestinationRuleExportTo(), m.origins()))
                        .apply("istio-config", SIDECAR_OWN_NS_ONLY).apply("otherns", se("google", GOOGLE, "443/TLS"))
                        .lookup(GOOGLE, 443).seesNothing().sidecar("istio-config/default"),
                of("S14", "With a custom rootNamespace, a Sidecar in istio-system is an ordinary namespace's")
                        .mesh(m -> new MeshSettings(m.outboundMode(), m.trustDomain(), "istio-config",
                                m.defaultServiceExportTo(), m.defaultVirtualServiceExportTo(),
                                m.defaultDestinationRuleExportTo(), m.origins()))
                        .apply("istio-system", SIDECAR_OWN_NS_ONLY).apply("otherns", se("google", GOOGLE, "443/TLS"))
                        .lookup(GOOGLE, 443).sees("otherns/google").noSidecar(),
                of("S15", "Sidecar.egress: \"If omitted, Istio will autoconfigure the sidecar to be able to reach"
                        + " every service in the mesh that is visible to this namespace\"")
                        .apply("default", """
                                apiVersion: networking.istio.io/v1
                                kind: Sidecar
                                metadata: {name: policy-only}
                                spec:
                                  outboundTrafficPolicy: {mode: REGISTRY_ONLY}
                                """)
                        .apply("otherns", se("google", GOOGLE, "443/TLS"))
                        .lookup(GOOGLE, 443).sees("otherns/google").mode(OutboundMode.REGISTRY_ONLY),
                of("S16", "Sidecar: \"undefined if two or more Sidecar resources with a workload selector select the"
                        + " same workload\" — Tollgate takes the first by name, as Istio's equal-age order")
                        .apply("default", """
                                apiVersion: networking.istio.io/v1
                                kind: Sidecar
                                metadata: {name: b-open}
                                spec:
                                  workloadSelector: {labels: {app: sleep}}
                                  egress: [{hosts: ["*/*"]}]
                                ---
                                apiVersion: networking.istio.io/v1
                                kind: Sidecar
                                metadata: {name: a-closed}
                                spec:
                                  workloadSelector: {labels: {app: sleep}}
                                  egress: [{hosts: ["~/*"]}]
                                """)
                        .apply("otherns", se("google", GOOGLE, "443/TLS"))
                        .from("default", "app=sleep").lookup(GOOGLE, 443).seesNothing().sidecar("default/a-closed"),
                of("S17", "Sidecar: \"Each namespace can have only one Sidecar resource without any workload"
                        + " selector\" — with two, the first by name applies")
                        .apply("default", """
                                apiVersion: networking.istio.io/v1
                                kind: Sidecar
                                metadata: {name: zz-open}
                                spec:
                                  egress: [{hosts: ["*/*"]}]
                                ---
                                apiVersion: networking.istio.io/v1
                                kind: Sidecar
                                metadata: {name: aa-closed}
                                spec:
                                  egress: [{hosts: ["~/*"]}]
                                """)
                        .apply("otherns", se("google", GOOGLE, "443/TLS"))
                        .lookup(GOOGLE, 443).seesNothing().sidecar("default/aa-closed"),
                of("S18", "The root namespace's own workloads use its namespace-wide Sidecar")
                        .apply("istio-system", rootDefault).apply("otherns", se("google", GOOGLE, "443/TLS"))
                        .from("istio-system").lookup(GOOGLE, 443).seesNothing().sidecar("istio-system/default"));
    }

    static Stream<Arguments> egressHosts() {
        return cases(
                of("I01", "Sidecar hosts: \"*/foo.example.com selects the service from any available namespace\"")
                        .apply("default", sidecar("*/" + GOOGLE)).apply("otherns", se("google", GOOGLE, "443/TLS"))
                        .lookup(GOOGLE, 443).sees("otherns/google"),
                of("I02", "Sidecar hosts: \"./foo.example.com only selects the service from the namespace of the"
                        + " sidecar\"")
                        .apply("default", sidecar("./" + GOOGLE)).apply("otherns", se("google", GOOGLE, "443/TLS"))
                        .lookup(GOOGLE, 443).seesNothing(),
                of("I03", "Sidecar hosts: \"Set the dnsName to * to select all services from the specified"
                        + " namespace (e.g., prod/*)\"")
                        .apply("default", sidecar("otherns/*")).apply("otherns", se("google", GOOGLE, "443/TLS"))
                        .lookup(GOOGLE, 443).sees("otherns/google"),
                of("I04", "Sidecar hosts NOTE: \"Private configurations (e.g., exportTo set to .) will not be"
                        + " available\"")
                        .apply("default", sidecar("otherns/*"))
                        .apply("otherns", se("google", GOOGLE, "443/TLS", "."))
                        .lookup(GOOGLE, 443).seesNothing(),
                of("I05", "Sidecar hosts: \"The value ~/* can be used to completely trim the configuration\"")
                        .apply("default", sidecar("~/*")).apply("default", se("google", GOOGLE, "443/TLS"))
                        .lookup(GOOGLE, 443).seesNothing(),
                of("I06", "Sidecar hosts: \"optionally including a wildcard character in the left-most component"
                        + " (e.g., prod/*.example.com)\"")
                        .apply("default", sidecar("*/*.example.com"))
                        .apply("otherns", se("api", "api.example.com", "443/TLS"))
                        .lookup("api.example.com", 443).sees("otherns/api"),
                of("I07", "hostClassification.Matches: *.example.com does not import example.com")
                        .apply("default", sidecar("*/*.example.com"))
                        .apply("otherns", se("apex", "example.com", "443/TLS"))
                        .lookup("example.com", 443).seesNothing(),
                of("I08", "sidecar.go matchingService (SubsetOf): importing api.example.com does not import the"
                        + " entry *.example.com")
                        .apply("default", sidecar("*/api.example.com"))
                        .apply("otherns", se("wild", "*.example.com", "443/TLS"))
                        .lookup("api.example.com", 443).seesNothing(),
                of("I09", "SubsetOf: importing *.example.com imports the entry *.api.example.com")
                        .apply("default", sidecar("*/*.example.com"))
                        .apply("otherns", se("wild", "*.api.example.com", "443/TLS"))
                        .lookup("v1.api.example.com", 443).sees("otherns/wild"),
                of("I10", "SubsetOf: importing *.api.example.com does not import the broader *.example.com")
                        .apply("default", sidecar("*/*.api.example.com"))
                        .apply("otherns", se("wild", "*.example.com", "443/TLS"))
                        .lookup("v1.api.example.com", 443).seesNothing(),
                of("I11", "selectServices: an ns/ import that does not cover the host falls back to */ imports")
                        .apply("default", sidecar("otherns/other.example.com", "*/" + GOOGLE))
                        .apply("otherns", se("google", GOOGLE, "443/TLS"))
                        .lookup(GOOGLE, 443).sees("otherns/google"),
                of("I12", "selectServices: imports decide which namespace's duplicate is seen")
                        .apply("default", sidecar("otherns/" + GOOGLE))
                        .apply("default", se("google-d", GOOGLE, "443/TLS"))
                        .apply("otherns", se("google-o", GOOGLE, "443/TLS"))
                        .lookup(GOOGLE, 443).sees("otherns/google-o"),
                of("I13", "Sidecar ./*: an entry private to the workload's own namespace is imported")
                        .apply("default", SIDECAR_OWN_NS_ONLY).apply("default", se("google", GOOGLE, "443/TLS", "."))
                        .lookup(GOOGLE, 443).sees("default/google"),
                of("I14", "sidecar.go: \"Illegal host in sidecar resource ... must be of form namespace/dnsName\" is"
                        + " skipped, so it imports nothing")
                        .apply("default", sidecar(GOOGLE)).apply("default", se("google", GOOGLE, "443/TLS"))
                        .lookup(GOOGLE, 443).seesNothing(),
                of("I15", "Sidecar hosts: \"*/*\" reaches \"every service in the mesh that is exported to the"
                        + " sidecar's namespace\" — and no other")
                        .apply("default", sidecar("*/*")).apply("otherns", se("google", GOOGLE, "443/TLS", "."))
                        .lookup(GOOGLE, 443).seesNothing(),
                of("I16", "Sidecar imports match host names case-insensitively (DESIGN.md)")
                        .apply("default", sidecar("OtherNS/Developers.Google.com".replace("OtherNS", "otherns")))
                        .apply("otherns", se("google", GOOGLE, "443/TLS"))
                        .lookup(GOOGLE, 443).sees("otherns/google"));
    }

    static Stream<Arguments> egressPorts() {
        String portListener = """
                apiVersion: networking.istio.io/v1
                kind: Sidecar
                metadata: {name: default}
                spec:
                  egress:
                  - port: {number: 443, protocol: TLS, name: tls}
                    hosts: ["*/developers.google.com"]
                  - hosts: ["./*"]
                """;
        return cases(
                of("P01", "IstioEgressListener.port: \"the hosts exposed on a listener port will be based on the"
                        + " listener with the most specific port\"")
                        .apply("default", portListener).apply("otherns", se("google", GOOGLE, "443/TLS,80/HTTP"))
                        .lookup(GOOGLE, 443).sees("otherns/google"),
                of("P02", "GetEgressListenerForRDS: other ports use the catch-all listener")
                        .apply("default", portListener).apply("otherns", se("google", GOOGLE, "443/TLS,80/HTTP"))
                        .lookup(GOOGLE, 80).seesNothing(),
                of("P03", "needsPortMatch: a listener with a port imports only services that declare it")
                        .apply("default", """
                                apiVersion: networking.istio.io/v1
                                kind: Sidecar
                                metadata: {name: default}
                                spec:
                                  egress:
                                  - port: {number: 8443, protocol: TLS, name: tls}
                                    hosts: ["*/*"]
                                  - hosts: ["*/*"]
                                """)
                        .apply("otherns", se("google", GOOGLE, "443/TLS"))
                        .lookup(GOOGLE, 8443).seesNothing(),
                of("P04", "GetEgressListenerForRDS: with only port listeners, another port has no listener")
                        .apply("default", """
                                apiVersion: networking.istio.io/v1
                                kind: Sidecar
                                metadata: {name: default}
                                spec:
                                  egress:
                                  - port: {number: 443, protocol: TLS, name: tls}
                                    hosts: ["*/*"]
                                """)
                        .apply("otherns", se("google", GOOGLE, "443/TLS,80/HTTP"))
                        .lookup(GOOGLE, 80).seesNothing(),
                of("P05", "needsPortMatch: an HTTP_PROXY listener does not require the port")
                        .apply("default", """
                                apiVersion: networking.istio.io/v1
                                kind: Sidecar
                                metadata: {name: default}
                                spec:
                                  egress:
                                  - port: {number: 3128, protocol: HTTP_PROXY, name: proxy}
                                    hosts: ["*/*"]
                                  - hosts: ["~/*"]
                                """)
                        .apply("otherns", se("google", GOOGLE, "443/TLS"))
                        .lookup(GOOGLE, 3128).seesHostOnly("otherns/google"),
                of("P06", "A port listener with the port declared sees the entry on that port")
                        .apply("default", """
                                apiVersion: networking.istio.io/v1
                                kind: Sidecar
                                metadata: {name: default}
                                spec:
                                  egress:
                                  - port: {number: 8443, protocol: TLS, name: tls}
                                    hosts: ["*/*"]
                                  - hosts: ["~/*"]
                                """)
                        .apply("otherns", se("google", GOOGLE, "8443/TLS"))
                        .lookup(GOOGLE, 8443).sees("otherns/google"));
    }

    static Stream<Arguments> outboundPolicy() {
        return cases(
                of("O01", "MeshConfig.outboundTrafficPolicy: Istio's default is ALLOW_ANY")
                        .mode(OutboundMode.ALLOW_ANY),
                of("O02", "MeshConfig.outboundTrafficPolicy REGISTRY_ONLY applies to sidecars without a Sidecar")
                        .mesh(m -> m.withOutboundMode(OutboundMode.REGISTRY_ONLY)).mode(OutboundMode.REGISTRY_ONLY),
                of("O03", "Sidecar.outboundTrafficPolicy REGISTRY_ONLY overrides the mesh's ALLOW_ANY")
                        .apply("default", policySidecar("REGISTRY_ONLY")).mode(OutboundMode.REGISTRY_ONLY),
                of("O04", "Sidecar.outboundTrafficPolicy ALLOW_ANY overrides the mesh's REGISTRY_ONLY")
                        .mesh(m -> m.withOutboundMode(OutboundMode.REGISTRY_ONLY))
                        .apply("default", policySidecar("ALLOW_ANY")).mode(OutboundMode.ALLOW_ANY),
                of("O05", "OutboundTrafficPolicy.mode: REGISTRY_ONLY is the proto default, so {} means REGISTRY_ONLY")
                        .apply("default", """
                                apiVersion: networking.istio.io/v1
                                kind: Sidecar
                                metadata: {name: default}
                                spec:
                                  outboundTrafficPolicy: {}
                                """).mode(OutboundMode.REGISTRY_ONLY),
                of("O06", "sidecar.go: a Sidecar without outboundTrafficPolicy takes the mesh's (not the"
                        + " namespace-wide Sidecar's, although the reference says \"inherits\")")
                        .apply("default", policySidecar("REGISTRY_ONLY"))
                        .apply("default", """
                                apiVersion: networking.istio.io/v1
                                kind: Sidecar
                                metadata: {name: for-sleep}
                                spec:
                                  workloadSelector: {labels: {app: sleep}}
                                  egress: [{hosts: ["*/*"]}]
                                """)
                        .from("default", "app=sleep").mode(OutboundMode.ALLOW_ANY).sidecar("default/for-sleep"),
                of("O07", "The root namespace default's outboundTrafficPolicy applies where it applies")
                        .apply("istio-system", policySidecar("REGISTRY_ONLY")).from("otherns")
                        .mode(OutboundMode.REGISTRY_ONLY).sidecar("istio-system/default"),
                of("O08", "A Sidecar's outboundTrafficPolicy does not reach other namespaces")
                        .apply("otherns", policySidecar("REGISTRY_ONLY")).mode(OutboundMode.ALLOW_ANY));
    }

    static Stream<Arguments> egressGateway() {
        String gw = EgressGatewayIdentity.SERVICE_HOST;
        return cases(
                of("G01", "Istio install: istio-egressgateway Service port 80 (http2) is in every sidecar's registry")
                        .from("otherns").lookup(gw, 80).sees("istio-system/istio-egressgateway"),
                of("G02", "Istio install: istio-egressgateway Service port 443 (https)")
                        .lookup(gw, 443).sees("istio-system/istio-egressgateway"),
                of("G03", "The gateway Service has no other port unless a Gateway server declares it")
                        .lookup(gw, 8443).seesHostOnly("istio-system/istio-egressgateway"),
                of("G04", "A Gateway server port that selects the egress gateway is exposed on its Service")
                        .apply("istio-system", """
                                apiVersion: networking.istio.io/v1
                                kind: Gateway
                                metadata: {name: egress}
                                spec:
                                  selector: {istio: egressgateway}
                                  servers:
                                  - port: {number: 8443, name: tls, protocol: TLS}
                                    hosts: ["*"]
                                """)
                        .lookup(gw, 8443).sees("istio-system/istio-egressgateway"),
                of("G05", "A Gateway that selects another workload does not add ports")
                        .apply("istio-system", """
                                apiVersion: networking.istio.io/v1
                                kind: Gateway
                                metadata: {name: ingress}
                                spec:
                                  selector: {istio: ingressgateway}
                                  servers:
                                  - port: {number: 8443, name: tls, protocol: TLS}
                                    hosts: ["*"]
                                """)
                        .lookup(gw, 8443).seesHostOnly("istio-system/istio-egressgateway"),
                of("G06", "The gateway Service is visible even when defaultServiceExportTo is \"~\"")
                        .mesh(m -> withDefaultExportTo(m, "~")).lookup(gw, 443)
                        .sees("istio-system/istio-egressgateway"),
                of("G07", "UnifiedSidecarScoping: a Kubernetes Service is preferred over a ServiceEntry of the same"
                        + " name in another namespace")
                        .apply("aaa", se("squat", gw, "443/TLS")).lookup(gw, 443)
                        .sees("istio-system/istio-egressgateway"),
                of("G08", "Sidecar imports apply to the gateway Service too: ./* does not import istio-system/*")
                        .apply("default", SIDECAR_OWN_NS_ONLY).lookup(gw, 443).seesNothing(),
                of("G09", "Sidecar istio-system/* imports the gateway Service")
                        .apply("default", sidecar("./*", "istio-system/*")).lookup(gw, 80)
                        .sees("istio-system/istio-egressgateway"));
    }

    static Stream<Arguments> addresses() {
        return cases(
                of("A01", "ServiceEntry.addresses: \"traffic will be identified as belonging to this service if the"
                        + " destination IP matches the IP/CIDRs specified in the addresses field\"")
                        .apply("default", """
                                apiVersion: networking.istio.io/v1
                                kind: ServiceEntry
                                metadata: {name: mongo}
                                spec:
                                  hosts: [mymongodb.somedomain]
                                  addresses: [192.192.192.192/24]
                                  ports: [{number: 27018, name: mongodb, protocol: MONGO}]
                                  location: MESH_INTERNAL
                                  resolution: STATIC
                                  endpoints: [{address: 2.2.2.2}, {address: 3.3.3.3}]
                                """)
                        .lookup("192.192.192.7", 27018).sees("default/mongo"),
                of("A02", "addresses: an IP outside the CIDR is not the service")
                        .apply("default", """
                                apiVersion: networking.istio.io/v1
                                kind: ServiceEntry
                                metadata: {name: mongo}
                                spec:
                                  hosts: [mymongodb.somedomain]
                                  addresses: [192.192.192.192/24]
                                  ports: [{number: 27018, name: mongodb, protocol: MONGO}]
                                  resolution: STATIC
                                  endpoints: [{address: 2.2.2.2}]
                                """)
                        .lookup("192.192.193.7", 27018).seesNothing(),
                of("A03", "addresses follow exportTo like hosts")
                        .apply("otherns", """
                                apiVersion: networking.istio.io/v1
                                kind: ServiceEntry
                                metadata: {name: db}
                                spec:
                                  hosts: [db.internal]
                                  addresses: [10.1.2.3]
                                  exportTo: ["."]
                                  ports: [{number: 5432, name: tcp, protocol: TCP}]
                                  resolution: STATIC
                                  endpoints: [{address: 10.1.2.3}]
                                """)
                        .lookup("10.1.2.3", 5432).seesNothing(),
                of("A04", "addresses: the longest matching prefix wins (Envoy destination prefix matching)")
                        .apply("default", """
                                apiVersion: networking.istio.io/v1
                                kind: ServiceEntry
                                metadata: {name: wide}
                                spec:
                                  hosts: [wide.internal]
                                  addresses: [10.0.0.0/8]
                                  ports: [{number: 5432, name: tcp, protocol: TCP}]
                                  resolution: NONE
                                ---
                                apiVersion: networking.istio.io/v1
                                kind: ServiceEntry
                                metadata: {name: narrow}
                                spec:
                                  hosts: [narrow.internal]
                                  addresses: [10.1.0.0/16]
                                  ports: [{number: 5432, name: tcp, protocol: TCP}]
                                  resolution: NONE
                                """)
                        .lookup("10.1.2.3", 5432).sees("default/narrow"),
                of("A05", "addresses: IPv6 CIDRs")
                        .apply("default", """
                                apiVersion: networking.istio.io/v1
                                kind: ServiceEntry
                                metadata: {name: v6}
                                spec:
                                  hosts: [v6.internal]
                                  addresses: ["2001:db8::/32"]
                                  ports: [{number: 443, name: tls, protocol: TLS}]
                                  resolution: NONE
                                """)
                        .lookup("2001:db8:0:1::5", 443).sees("default/v6"));
    }

    static Stream<Arguments> gatewayScope() {
        String rootDefault = """
                apiVersion: networking.istio.io/v1
                kind: Sidecar
                metadata: {name: default, namespace: istio-system}
                spec:
                  egress:
                  - hosts: ["./*"]
                """;
        return cases(
                of("W01", "push_context getSidecarScope: \"Gateways always use default sidecar scope\" — the root"
                        + " Sidecar does not narrow the egress gateway")
                        .apply("istio-system", rootDefault).apply("default", se("google", GOOGLE, "443/TLS"))
                        .from("istio-system", "istio=egressgateway").asGateway()
                        .lookup(GOOGLE, 443).sees("default/google").noSidecar(),
                of("W02", "The same root Sidecar does narrow a sidecar in istio-system")
                        .apply("istio-system", rootDefault).apply("default", se("google", GOOGLE, "443/TLS"))
                        .from("istio-system", "app=sleep").lookup(GOOGLE, 443).seesNothing(),
                of("W03", "DefaultSidecarScopeForGateway: the first in push-context order, no own-namespace"
                        + " preference (public entries by hostname.namespace)")
                        .apply("aaa", se("google-a", GOOGLE, "443/TLS"))
                        .apply("istio-system", se("google-i", GOOGLE, "443/TLS"))
                        .from("istio-system").asGateway().lookup(GOOGLE, 443).sees("aaa/google-a"),
                of("W04", "selectServices: a sidecar in istio-system prefers its own namespace's entry")
                        .apply("aaa", se("google-a", GOOGLE, "443/TLS"))
                        .apply("istio-system", se("google-i", GOOGLE, "443/TLS"))
                        .from("istio-system").lookup(GOOGLE, 443).sees("istio-system/google-i"),
                of("W05", "servicesExportedToNamespace: entries private to the gateway's namespace come first")
                        .apply("aaa", se("google-a", GOOGLE, "443/TLS"))
                        .apply("istio-system", se("google-i", GOOGLE, "443/TLS", "."))
                        .from("istio-system").asGateway().lookup(GOOGLE, 443).sees("istio-system/google-i"),
                of("W06", "exportTo [\".\"] in another namespace is not visible to the gateway")
                        .apply("default", se("google", GOOGLE, "443/TLS", "."))
                        .from("istio-system").asGateway().lookup(GOOGLE, 443).seesNothing(),
                of("W07", "A Sidecar's outboundTrafficPolicy does not apply to a gateway")
                        .apply("istio-system", policySidecar("REGISTRY_ONLY"))
                        .from("istio-system").asGateway().mode(OutboundMode.ALLOW_ANY));
    }

    // ---- helpers ----------------------------------------------------------------------------------------------

    static Stream<Arguments> cases(RegistryCase... cases) {
        return Stream.of(cases).map(RegistryCase::args);
    }

    static String sidecar(String... hosts) {
        StringBuilder b = new StringBuilder("""
                apiVersion: networking.istio.io/v1
                kind: Sidecar
                metadata: {name: default}
                spec:
                  egress:
                  - hosts:
                """);
        for (String h : hosts) {
            b.append("    - \"").append(h).append("\"\n");
        }
        return b.toString();
    }

    static String policySidecar(String mode) {
        return """
                apiVersion: networking.istio.io/v1
                kind: Sidecar
                metadata: {name: default}
                spec:
                  outboundTrafficPolicy: {mode: %s}
                """.formatted(mode);
    }

    static MeshSettings withDefaultExportTo(MeshSettings m, String... values) {
        return new MeshSettings(m.outboundMode(), m.trustDomain(), m.rootNamespace(), List.of(values),
                m.defaultVirtualServiceExportTo(), m.defaultDestinationRuleExportTo(), m.origins());
    }
}
