package dev.tollgate.core.registry;

import dev.tollgate.core.model.Stage;
import dev.tollgate.core.model.EgressGatewayIdentity;
import dev.tollgate.core.model.ConfigSet;
import dev.tollgate.core.model.MeshSettings;
import dev.tollgate.core.model.Origin;
import dev.tollgate.core.model.OutboundMode;
import dev.tollgate.core.model.Resource;
import dev.tollgate.core.model.WorkloadRef;
import dev.tollgate.core.model.Consideration;
import dev.tollgate.core.testing.TestConfig;
import io.fabric8.istio.api.api.networking.v1alpha3.ServiceEntry;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static dev.tollgate.core.registry.RegistryCase.se;
import static org.assertj.core.api.Assertions.assertThat;

/** {@link Registry#explain}: the sentences users read, exact, with the field each one points at. */
class RegistryExplainTest {
    private static final String GOOGLE = "developers.google.com";
    private static final WorkloadRef DEFAULT_SLEEP = new WorkloadRef("default", "sleep", Map.of("app", "sleep"));
    private static final WorkloadRef OTHERNS_SLEEP = new WorkloadRef("otherns", "sleep", Map.of("app", "sleep"));

    @Test
    void tutorialA3SaysTheEntryIsExportedOnlyToItsNamespace() {
        Registry registry = Registry.compile(TestConfig.create()
                .mesh(MeshSettings.DEFAULTS.withOutboundMode(OutboundMode.REGISTRY_ONLY))
                .apply("default", TutorialPartATest.fixture("google-serviceentry.yaml")).build());

        List<Consideration> why = registry.explain(OTHERNS_SLEEP, GOOGLE, 443);

        assertThat(why).singleElement().satisfies(c -> {
            assertThat(c.stage()).isEqualTo(Stage.REGISTRY);
            assertThat(c.applied()).isFalse();
            assertThat(c.resource().toString()).isEqualTo("ServiceEntry default/external-developers-google-com");
            assertThat(c.why()).isEqualTo("ServiceEntry default/external-developers-google-com exports "
                    + "developers.google.com only to default (exportTo: [\".\"]); the workload is in otherns");
        });
    }

    @Test
    void theVisibleEntrySaysWhichPortItDeclares() {
        Registry registry = Registry.compile(TestConfig.create()
                .apply("default", TutorialPartATest.fixture("google-serviceentry.yaml")).build());

        assertThat(registry.explain(DEFAULT_SLEEP, GOOGLE, 443)).singleElement().satisfies(c -> {
            assertThat(c.applied()).isTrue();
            assertThat(c.why()).isEqualTo("ServiceEntry default/external-developers-google-com defines "
                    + "developers.google.com on port 443 (name https, protocol TLS) and is visible to default "
                    + "(exportTo: [\".\"]): the sidecar knows developers.google.com:443");
        });
    }

    @Test
    void anUndeclaredPortIsLeftToTheOutboundPolicy() {
        Registry registry = Registry.compile(TestConfig.create()
                .mesh(MeshSettings.DEFAULTS.withOutboundMode(OutboundMode.REGISTRY_ONLY))
                .apply("default", TutorialPartATest.fixture("google-serviceentry.yaml")).build());

        assertThat(registry.explain(DEFAULT_SLEEP, GOOGLE, 80)).singleElement().satisfies(c ->
                assertThat(c.why()).isEqualTo("ServiceEntry default/external-developers-google-com defines "
                        + "developers.google.com but not port 80 (it declares 443): Istio treats "
                        + "developers.google.com:80 as an unknown destination, so the outbound traffic policy "
                        + "(REGISTRY_ONLY) decides"));
    }

    @Test
    void aSidecarThatDoesNotImportTheNamespaceSaysWhatToAdd() {
        Registry registry = Registry.compile(TestConfig.create()
                .apply("otherns", se("x", GOOGLE, "443/TLS"))
                .apply("default", RegistryConformanceTest.sidecar("./*", "istio-system/*")).build());

        List<Consideration> why = registry.explain(DEFAULT_SLEEP, GOOGLE, 443);

        assertThat(why).extracting(Consideration::why).containsExactly(
                "Sidecar default/default applies: it has no workloadSelector, so it covers every workload of "
                        + "namespace default that no Sidecar with a matching workloadSelector claims; for port 443 "
                        + "its egress[0] imports [\"./*\", \"istio-system/*\"]",
                "Sidecar default/default does not import otherns/developers.google.com: its egress[0].hosts "
                        + "[\"./*\", \"istio-system/*\"] cover neither otherns/developers.google.com nor "
                        + "*/developers.google.com; add \"otherns/developers.google.com\" to import it "
                        + "(ServiceEntry otherns/x defines developers.google.com)");
        assertThat(why).extracting(Consideration::applied).containsExactly(true, false);
    }

    @Test
    void aSelectorThatDoesNotMatchIsExplainedWithBothLabelSets() {
        Registry registry = Registry.compile(TestConfig.create().apply("default", """
                apiVersion: networking.istio.io/v1
                kind: Sidecar
                metadata: {name: for-google}
                spec:
                  workloadSelector: {labels: {app: sleep-google}}
                  outboundTrafficPolicy: {mode: ALLOW_ANY}
                """).build());

        assertThat(registry.explain(DEFAULT_SLEEP, GOOGLE, 443)).singleElement().satisfies(c ->
                assertThat(c.why()).isEqualTo("Sidecar default/for-google does not apply: its workloadSelector "
                        + "{app=sleep-google} does not match the workload's labels {app=sleep}"));
    }

    @Test
    void aSidecarPolicyOverrideIsStated() {
        Registry registry = Registry.compile(TestConfig.create()
                .apply("default", RegistryConformanceTest.policySidecar("REGISTRY_ONLY")).build());

        assertThat(registry.explain(DEFAULT_SLEEP, GOOGLE, 443)).extracting(Consideration::why).contains(
                "Sidecar default/default sets outboundTrafficPolicy.mode REGISTRY_ONLY, which replaces the mesh's "
                        + "ALLOW_ANY for this workload");
    }

    @Test
    void theRootDefaultSaysWhereDotPoints() {
        Registry registry = Registry.compile(TestConfig.create()
                .apply("istio-system", RegistryConformanceTest.sidecar("./*")).build());

        assertThat(registry.explain(OTHERNS_SLEEP, GOOGLE, 443)).singleElement().satisfies(c -> {
            assertThat(c.applied()).isTrue();
            assertThat(c.why()).isEqualTo("Sidecar istio-system/default applies as the mesh-wide default: it has "
                    + "no workloadSelector and sits in the root namespace istio-system (meshConfig.rootNamespace), "
                    + "and namespace otherns has no Sidecar for this workload; \".\" in its egress hosts means "
                    + "otherns; for port 443 its egress[0] imports [\"./*\"]");
        });
    }

    @Test
    void aDuplicateInAnotherNamespaceNamesTheWinner() {
        Registry registry = Registry.compile(TestConfig.create()
                .apply("aaa", se("google-a", GOOGLE, "443/TLS"))
                .apply("default", se("google-d", GOOGLE, "443/TLS")).build());

        assertThat(registry.explain(DEFAULT_SLEEP, GOOGLE, 443)).extracting(Consideration::why).containsExactly(
                "ServiceEntry aaa/google-a defines developers.google.com, but so does ServiceEntry default/google-d "
                        + "in the workload's own namespace default, and Istio uses the own namespace's entry for a "
                        + "host defined in several namespaces",
                "ServiceEntry default/google-d defines developers.google.com on port 443 (name tls-443, protocol "
                        + "TLS) and is visible to default (no exportTo, so meshConfig.defaultServiceExportTo [\"*\"] "
                        + "applies): the sidecar knows developers.google.com:443");
    }

    @Test
    void aLessSpecificWildcardSaysWhichHostWon() {
        Registry registry = Registry.compile(TestConfig.create()
                .apply("default", se("wild", "*.google.com", "443/TLS"))
                .apply("default", se("exact", GOOGLE, "443/TLS")).build());

        assertThat(registry.explain(DEFAULT_SLEEP, GOOGLE, 443)).filteredOn(c -> !c.applied())
                .extracting(Consideration::why).containsExactly(
                        "ServiceEntry default/wild's wildcard host *.google.com covers developers.google.com, but "
                                + "ServiceEntry default/exact's host developers.google.com is more specific and is "
                                + "used instead");
    }

    @Test
    void exportToNoneSaysNoNamespace() {
        Registry registry = Registry.compile(TestConfig.create()
                .apply("default", se("hidden", GOOGLE, "443/TLS", "~")).build());

        assertThat(registry.explain(DEFAULT_SLEEP, GOOGLE, 443)).singleElement().satisfies(c ->
                assertThat(c.why()).isEqualTo("ServiceEntry default/hidden exports developers.google.com to no "
                        + "namespace (exportTo: [\"~\"])"));
    }

    @Test
    void considerationsPointAtTheFieldThatDecided() {
        ConfigSet base = TestConfig.create().apply("default", TutorialPartATest.fixture("google-serviceentry.yaml"))
                .build();
        Resource<ServiceEntry> se = base.serviceEntries().get(0);
        Origin exportTo = new Origin("google.yaml", 9, 3);
        Resource<ServiceEntry> located = new Resource<>(se.key(), se.spec(), se.labels(), se.annotations(),
                new Origin("google.yaml", 4, 1), Map.of("spec.exportTo", exportTo));
        ConfigSet config = new ConfigSet(List.of(located), List.of(), List.of(), List.of(), List.of(), List.of(),
                List.of(), MeshSettings.DEFAULTS);

        assertThat(Registry.compile(config).explain(OTHERNS_SLEEP, GOOGLE, 443)).singleElement()
                .extracting(Consideration::origin).isEqualTo(exportTo);
    }

    @Test
    void theEgressGatewayServiceIsNamedAsAKubernetesService() {
        Registry registry = Registry.compile(ConfigSet.EMPTY);

        assertThat(registry.explain(DEFAULT_SLEEP, EgressGatewayIdentity.SERVICE_HOST, 443)).singleElement()
                .satisfies(c -> {
                    assertThat(c.applied()).isTrue();
                    assertThat(c.why()).startsWith("the egress gateway's Kubernetes Service "
                            + "istio-system/istio-egressgateway defines istio-egressgateway.istio-system.svc"
                            + ".cluster.local on port 443 (name https, protocol HTTPS, targetPort 8443)");
                });
    }

    @Test
    void aPortListenerSaysWhichPortItNeeds() {
        Registry registry = Registry.compile(TestConfig.create()
                .apply("otherns", se("google", GOOGLE, "443/TLS"))
                .apply("default", """
                        apiVersion: networking.istio.io/v1
                        kind: Sidecar
                        metadata: {name: default}
                        spec:
                          egress:
                          - port: {number: 8443, protocol: TLS, name: tls}
                            hosts: ["*/*"]
                          - hosts: ["~/*"]
                        """).build());

        assertThat(registry.explain(DEFAULT_SLEEP, GOOGLE, 8443)).filteredOn(c -> !c.applied())
                .extracting(Consideration::why).containsExactly(
                        "Sidecar default/default's egress[0] listens on port 8443 and imports only services that "
                                + "declare that port; ServiceEntry otherns/google defines developers.google.com with "
                                + "ports 443");
    }

    @Test
    void anEntryThatCannotBeMergedNamesTheOneKept() {
        Registry registry = Registry.compile(TestConfig.create()
                .apply("default", se("google-a", List.of(GOOGLE), "443/TLS", null, "DNS"))
                .apply("default", se("google-b", List.of(GOOGLE), "80/HTTP", null, "NONE")).build());

        assertThat(registry.explain(DEFAULT_SLEEP, GOOGLE, 80)).extracting(Consideration::why).containsExactly(
                "ServiceEntry default/google-a defines developers.google.com but not port 80 (it declares 443): "
                        + "Istio treats developers.google.com:80 as an unknown destination, so the outbound traffic "
                        + "policy (ALLOW_ANY) decides",
                "ServiceEntry default/google-b defines developers.google.com, but ServiceEntry default/google-a in "
                        + "the same namespace defines it first and Istio keeps that one: it adds a later entry's "
                        + "ports only when resolution, exportTo, labels and workloadSelector are equal");
    }

    @Test
    void anAddressMatchIsExplained() {
        Registry registry = Registry.compile(TestConfig.create().apply("default", """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: db}
                spec:
                  hosts: [db.internal]
                  addresses: [10.1.0.0/16]
                  ports: [{number: 5432, name: tcp, protocol: TCP}]
                  resolution: NONE
                """).build());

        assertThat(registry.explain(DEFAULT_SLEEP, "10.1.2.3", 5432)).singleElement().satisfies(c -> {
            assertThat(c.applied()).isTrue();
            assertThat(c.why()).isEqualTo("ServiceEntry default/db's addresses [10.1.0.0/16] contain 10.1.2.3 and "
                    + "it declares port 5432 (name tcp, protocol TCP): the sidecar treats 10.1.2.3:5432 as "
                    + "db.internal");
        });
    }

    @Test
    void anEgressHostWithoutNamespaceIsCalledOut() {
        Registry registry = Registry.compile(TestConfig.create()
                .apply("default", RegistryConformanceTest.sidecar(GOOGLE))
                .apply("default", se("google", GOOGLE, "443/TLS")).build());

        assertThat(registry.explain(DEFAULT_SLEEP, GOOGLE, 443)).extracting(Consideration::why).first()
                .asString().endsWith("its egress[0] imports [\"developers.google.com\"]; [\"developers.google.com\"] "
                        + "is not of the form namespace/dnsName, so Istio ignores it and imports nothing for it");
    }

    /**
     * Found by RegistryExplainPropertiesTest: the name walk finds the own namespace's {@code *} without the port, so
     * the addresses decide. The explanation used to call the used entry "not chosen" (another namespace's) and the
     * unused one "merged" with it.
     */
    @Test
    void anAddressThatOutranksAPortlessNameMatchIsTheOneMarkedUsed() {
        Registry registry = Registry.compile(TestConfig.create()
                .apply("default", """
                        apiVersion: networking.istio.io/v1
                        kind: ServiceEntry
                        metadata: {name: by-address}
                        spec:
                          hosts: ["*"]
                          addresses: [10.1.0.0/16]
                          ports: [{number: 80, name: http, protocol: HTTP}]
                          resolution: NONE
                        """)
                .apply("otherns", se("any", List.of("*"), "", null)).build());

        assertThat(registry.scopeFor(OTHERNS_SLEEP).lookup("10.1.2.3", 80)).get()
                .satisfies(m -> assertThat(m.entry().name()).isEqualTo("by-address"));
        List<Consideration> why = registry.explain(OTHERNS_SLEEP, "10.1.2.3", 80);
        assertThat(why).extracting(Consideration::why).containsExactly(
                "ServiceEntry otherns/any's wildcard host * covers 10.1.2.3 but not port 80 (it declares no ports); "
                        + "ServiceEntry default/by-address's addresses contain 10.1.2.3 and it declares port 80, so "
                        + "it is used instead",
                "ServiceEntry default/by-address's addresses [10.1.0.0/16] contain 10.1.2.3 and it declares port 80 "
                        + "(name http, protocol HTTP): the sidecar treats 10.1.2.3:80 as *");
        assertThat(why).extracting(Consideration::applied).containsExactly(false, true);
    }
}
