package dev.tollgate.config;

import dev.tollgate.core.model.ConfigSet;
import dev.tollgate.core.model.Diagnostic;
import dev.tollgate.core.model.Resource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** Sources as {@code kubectl apply -f} takes them: files, folders, multi-document YAML, List kinds, JSON. */
class YamlSourcesTest {
    @TempDir
    Path dir;

    private static final String SE = """
            apiVersion: networking.istio.io/v1alpha3
            kind: ServiceEntry
            metadata:
              name: %s
            spec:
              hosts: [%s.example.com]
              resolution: DNS
              ports:
              - number: 443
                name: https
                protocol: HTTPS
            """;

    @Test
    void badYamlIsAnErrorWithFileLineAndColumn() {
        Path file = Fixtures.write(dir, "bad.yaml", "apiVersion: v1\nkind: ServiceEntry\nspec:\n  hosts: [a, b\n  ports: 1\n");
        LoadResult r = Fixtures.load(file);
        assertThat(r.ok()).isFalse();
        assertThat(r.errors()).singleElement().satisfies(d -> {
            assertThat(d.code()).isEqualTo("yaml-syntax");
            assertThat(d.origin().source()).isEqualTo(file.toString());
            assertThat(d.origin().line()).isBetween(4, 6);
            assertThat(d.origin().column()).isPositive();
            assertThat(d.format()).startsWith("Error [yaml-syntax] (" + file + ":" + d.origin().line() + ":" + d.origin().column() + ") ");
        });
    }

    @Test
    void duplicateKeyIsAnErrorAtTheSecondKey() {
        // the second "action" would silently win over the first
        Path file = Fixtures.write(dir, "dup.yaml", """
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata:
                  name: p
                spec:
                  action: DENY
                  action: ALLOW
                """);
        LoadResult r = Fixtures.load(file);
        assertThat(r.errors()).singleElement().satisfies(d -> {
            assertThat(d.origin().line()).isEqualTo(7);
            assertThat(d.message()).contains("duplicate key \"action\"").contains("line 6");
        });
    }

    @Test
    void missingFileIsAnErrorNamingIt() {
        Path missing = dir.resolve("nope.yaml");
        LoadResult r = Fixtures.load(missing);
        assertThat(r.ok()).isFalse();
        assertThat(r.errors()).singleElement().satisfies(d -> {
            assertThat(d.code()).isEqualTo("missing-file");
            assertThat(d.message()).contains(missing.toString());
        });
    }

    @Test
    void oneBadFileEmptiesTheWholeResult() {
        Path good = Fixtures.write(dir, "good.yaml", SE.formatted("good", "good"));
        Path bad = Fixtures.write(dir, "bad.yaml", SE.formatted("bad", "bad").replace("hosts:", "host:"));
        LoadResult r = Fixtures.load(good, bad);
        assertThat(r.ok()).isFalse();
        assertThat(r.config()).isEmpty();
    }

    @Test
    void folderIsReadRecursivelyWithRInNameOrderSkippingOtherFiles() {
        Fixtures.write(dir, "b/nested/two.yml", SE.formatted("two", "two"));
        Fixtures.write(dir, "a.yaml", SE.formatted("one", "one"));
        Fixtures.write(dir, "c/three.json", """
                {"apiVersion": "networking.istio.io/v1", "kind": "ServiceEntry",
                 "metadata": {"name": "three"},
                 "spec": {"hosts": ["three.example.com"], "resolution": "DNS",
                          "ports": [{"number": 443, "name": "https", "protocol": "HTTPS"}]}}
                """);
        Fixtures.write(dir, "notes.txt", "not: yaml: at: all: [");
        // a mounted ConfigMap keeps a second copy of each file in a hidden folder
        Fixtures.write(dir, "..2026_11_27/a.yaml", SE.formatted("one", "one"));
        Fixtures.write(dir, ".hidden.yaml", "broken: [");
        LoadResult r = Fixtures.load(LoadOptions.DEFAULTS.withRecursive(true), new ConfigSource(dir, Optional.empty()));
        assertThat(r.ok()).as(Fixtures.dump(r.diagnostics())).isTrue();
        assertThat(r.config().orElseThrow().serviceEntries()).extracting(Resource::name)
                .containsExactly("one", "two", "three");
    }

    @Test
    void multiDocumentFileKeepsEachResourcesOwnLine() {
        Path file = Fixtures.write(dir, "multi.yaml", "# leading comment\n---\n" + SE.formatted("first", "first")
                + "---\n# only a comment\n---\n" + SE.formatted("second", "second"));
        ConfigSet set = Fixtures.load(file).config().orElseThrow();
        assertThat(set.serviceEntries()).extracting(r -> r.origin().line()).containsExactly(3, 17);
        assertThat(set.serviceEntries().get(1).originOf("spec.ports[0].number").line()).isEqualTo(25);
    }

    @Test
    void listKindItemsAreResourcesOfTheirOwn() {
        Path file = Fixtures.write(dir, "list.yaml", """
                apiVersion: v1
                kind: List
                items:
                - apiVersion: networking.istio.io/v1beta1
                  kind: ServiceEntry
                  metadata:
                    name: listed
                  spec:
                    hosts: [listed.example.com]
                - apiVersion: security.istio.io/v1beta1
                  kind: AuthorizationPolicy
                  metadata:
                    name: listed
                    namespace: istio-system
                  spec: {}
                """);
        LoadResult r = ConfigLoader.load(List.of(new ConfigSource(file, Optional.of("team"))), LoadOptions.DEFAULTS);
        ConfigSet set = r.config().orElseThrow();
        assertThat(set.serviceEntries().get(0).namespace()).isEqualTo("team");
        assertThat(set.serviceEntries().get(0).origin().line()).isEqualTo(4);
        assertThat(set.authorizationPolicies().get(0).namespace()).isEqualTo("istio-system");
    }

    @Test
    void namespaceEqualsPathArgumentIsParsed() {
        assertThat(ConfigSource.parse("otherns=conf/se.yaml"))
                .isEqualTo(new ConfigSource(Path.of("conf/se.yaml"), Optional.of("otherns")));
        assertThat(ConfigSource.parse("./a=b.yaml").namespace()).isEmpty();
    }

    @Test
    void invalidNamespaceInMinusFIsAnError() {
        Path file = Fixtures.write(dir, "se.yaml", SE.formatted("x", "x"));
        LoadResult r = Fixtures.load(LoadOptions.DEFAULTS, new ConfigSource(file, Optional.of("Not_Valid")));
        assertThat(r.errors()).singleElement().satisfies(d -> assertThat(d.code()).isEqualTo("invalid-namespace"));
    }

    @Test
    void unknownApiVersionOfAnIstioKindIsAnError() {
        Path file = Fixtures.write(dir, "v2.yaml", SE.formatted("x", "x").replace("v1alpha3", "v2"));
        LoadResult r = Fixtures.load(file);
        assertThat(r.errors()).singleElement().satisfies(d -> {
            assertThat(d.code()).isEqualTo("unknown-api-version");
            assertThat(d.origin().line()).isEqualTo(1);
            assertThat(d.message()).contains("networking.istio.io/v2");
        });
    }

    @Test
    void istioKindUnderAnotherGroupIsAnErrorNotSkipped() {
        Path file = Fixtures.write(dir, "core-group.yaml", SE.formatted("x", "x").replace("networking.istio.io/v1alpha3", "v1"));
        assertThat(Fixtures.load(file).errors()).singleElement()
                .satisfies(d -> assertThat(d.code()).isEqualTo("unknown-api-version"));
    }

    @Test
    void unknownKindInAnIstioGroupIsAnError() {
        Path file = Fixtures.write(dir, "typo-kind.yaml", SE.formatted("x", "x").replace("kind: ServiceEntry",
                "kind: ServiceEntrie"));
        assertThat(Fixtures.load(file).errors()).singleElement().satisfies(d -> {
            assertThat(d.code()).isEqualTo("unknown-kind");
            assertThat(d.origin().line()).isEqualTo(2);
            assertThat(d.message()).contains("did you mean \"ServiceEntry\"");
        });
    }

    @Test
    void otherIstioKindsAreSkippedWithAWarning() {
        Path file = Fixtures.write(dir, "pa.yaml", """
                apiVersion: security.istio.io/v1
                kind: PeerAuthentication
                metadata:
                  name: default
                  namespace: istio-system
                spec:
                  mtls:
                    mode: STRICT
                """);
        LoadResult r = Fixtures.load(file);
        assertThat(r.ok()).isTrue();
        // issue 10: a PeerAuthentication changes what the egress gateway accepts, so it is not skipped silently
        assertThat(r.diagnostics()).singleElement().satisfies(d -> {
            assertThat(d.severity()).isEqualTo(Diagnostic.Severity.WARNING);
            assertThat(d.message()).startsWith("PeerAuthentication istio-system/default may change mTLS between "
                    + "workloads and the egress gateway");
        });
    }

    @Test
    void kubernetesGatewayApiWaypointIsNamedInAWarning() {
        Path file = Fixtures.write(dir, "k8s-gateway.yaml", """
                apiVersion: gateway.networking.k8s.io/v1
                kind: Gateway
                metadata:
                  name: waypoint
                spec:
                  gatewayClassName: istio-waypoint
                """);
        LoadResult r = Fixtures.load(file);
        assertThat(r.ok()).isTrue();
        // issue 10: no kind that changes Istio's behaviour is ignored silently; a waypoint is ambient mode's
        assertThat(r.diagnostics()).singleElement().satisfies(d -> {
            assertThat(d.severity()).isEqualTo(dev.tollgate.core.model.Diagnostic.Severity.WARNING);
            assertThat(d.message()).contains("Gateway default/waypoint: gatewayClassName istio-waypoint is Istio's "
                    + "ambient waypoint class").contains("Tollgate ignores this Gateway");
        });
    }

    @Test
    void invalidMinusNIsAnError() {
        Path file = Fixtures.write(dir, "se.yaml", SE.formatted("x", "x"));
        LoadResult r = ConfigLoader.load(List.of(new ConfigSource(file, Optional.empty())),
                new LoadOptions("Bad_Namespace", Map.of()));
        assertThat(r.errors()).singleElement().satisfies(d -> assertThat(d.message()).contains("given with -n"));
    }

    @Test
    void unknownTopLevelFieldIsAnError() {
        Path file = Fixtures.write(dir, "specs.yaml", SE.formatted("x", "x").replace("spec:", "specs:"));
        LoadResult r = Fixtures.load(file);
        assertThat(r.errors()).anySatisfy(d -> {
            assertThat(d.code()).isEqualTo("unknown-field");
            assertThat(d.fieldPath()).isEqualTo("specs");
            assertThat(d.origin().line()).isEqualTo(5);
        });
    }

    @Test
    void metadataTypoIsAnError() {
        Path file = Fixtures.write(dir, "meta.yaml", SE.formatted("x", "x").replace("  name: x", "  name: x\n  namespce: y"));
        LoadResult r = Fixtures.load(file);
        assertThat(r.errors()).singleElement().satisfies(d -> {
            assertThat(d.fieldPath()).isEqualTo("metadata.namespce");
            assertThat(d.message()).contains("did you mean \"namespace\"");
        });
    }

    @Test
    void missingAndInvalidNamesAreErrors() {
        Path noName = Fixtures.write(dir, "noname.yaml", SE.formatted("x", "x").replace("  name: x\n", "  labels: {}\n"));
        assertThat(Fixtures.load(noName).errors()).anySatisfy(d ->
                assertThat(d.message()).contains("metadata.name is required"));
        Path upper = Fixtures.write(dir, "upper.yaml", SE.formatted("Google_SE", "x"));
        assertThat(Fixtures.load(upper).errors()).singleElement().satisfies(d -> {
            assertThat(d.code()).isEqualTo("invalid-name");
            assertThat(d.fieldPath()).isEqualTo("metadata.name");
            assertThat(d.origin().line()).isEqualTo(4);
        });
    }

    @Test
    void gatewayNameMustBeALabelWithoutDots() {
        Path file = Fixtures.write(dir, "gw.yaml", """
                apiVersion: networking.istio.io/v1
                kind: Gateway
                metadata:
                  name: egress.gateway
                spec:
                  servers:
                  - port: {number: 80, name: http, protocol: HTTP}
                    hosts: ["*/a.example.com"]
                """);
        assertThat(Fixtures.load(file).errors()).singleElement().satisfies(d -> {
            assertThat(d.code()).isEqualTo("invalid-name");
            assertThat(d.message()).contains("DNS-1123 label");
        });
    }

    @Test
    void dryRunAnnotationOnlyOnAllowOrDenyPolicies() {
        Path file = Fixtures.write(dir, "dry.yaml", """
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata:
                  name: p
                  annotations:
                    istio.io/dry-run: "true"
                spec:
                  action: AUDIT
                  rules:
                  - {}
                """);
        assertThat(Fixtures.load(file).errors()).singleElement().satisfies(d -> {
            assertThat(d.origin().line()).isEqualTo(6);
            assertThat(d.message()).contains("only supports action ALLOW/DENY");
        });
        Path ok = Fixtures.write(dir, "dry-ok.yaml", Files.read(file).replace("AUDIT", "DENY"));
        LoadResult r = Fixtures.load(ok);
        assertThat(r.ok()).isTrue();
        assertThat(r.config().orElseThrow().authorizationPolicies().get(0).annotations())
                .containsEntry("istio.io/dry-run", "true");
    }

    @Test
    void secondNamespaceWideSidecarIsAnError() {
        String sidecar = """
                apiVersion: networking.istio.io/v1
                kind: Sidecar
                metadata:
                  name: %s
                  namespace: team
                spec:
                  outboundTrafficPolicy:
                    mode: REGISTRY_ONLY
                """;
        Path file = Fixtures.write(dir, "sidecars.yaml", sidecar.formatted("one") + "---\n" + sidecar.formatted("two"));
        LoadResult r = Fixtures.load(file);
        assertThat(r.errors()).singleElement().satisfies(d -> {
            assertThat(d.resource().orElseThrow().name()).isEqualTo("two");
            assertThat(d.message()).contains("already has a Sidecar without workloadSelector");
            assertThat(d.origin().line()).isEqualTo(10);
        });
    }

    @Test
    void warningsDoNotStopLoading() {
        Path file = Fixtures.write(dir, "warn.yaml", """
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata:
                  name: p
                spec:
                  selector: {}
                  rules:
                  - from:
                    - source:
                        namespaces: ["te*am"]
                """);
        LoadResult r = Fixtures.load(file);
        assertThat(r.ok()).isTrue();
        assertThat(r.diagnostics()).extracting(Diagnostic::severity).containsOnly(Diagnostic.Severity.WARNING);
        assertThat(r.diagnostics()).hasSize(2);
    }

    private static final class Files {
        static String read(Path p) {
            try {
                return java.nio.file.Files.readString(p);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    @Test
    void yamlAliasesResolveToTheAnchoredValueNotItsName() {
        // Jackson reports "*who" as the string "who"; read literally, the second rule would match nobody
        Path file = Fixtures.write(dir, "alias.yaml", """
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata:
                  name: p
                spec:
                  action: DENY
                  rules:
                  - from:
                    - source:
                        principals: &who ["cluster.local/ns/a/sa/b"]
                  - from:
                    - source:
                        principals: *who
                """);
        LoadResult r = Fixtures.load(file);
        assertThat(r.ok()).as(Fixtures.dump(r.diagnostics())).isTrue();
        var rule = r.config().orElseThrow().authorizationPolicies().get(0).spec().getRules().get(1);
        assertThat(rule.getFrom().get(0).getSource().getPrincipals()).containsExactly("cluster.local/ns/a/sa/b");
    }

    @Test
    void aliasOfAScalarIsRefusedRatherThanReadAsItsName() {
        Path file = Fixtures.write(dir, "scalar-alias.yaml", """
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata:
                  name: p
                spec:
                  action: DENY
                  rules:
                  - when:
                    - key: connection.sni
                      values: [&host developers.google.com, *host]
                """);
        LoadResult r = Fixtures.load(file);
        assertThat(r.errors()).singleElement().satisfies(d -> {
            assertThat(d.code()).isEqualTo("yaml-syntax");
            assertThat(d.origin().line()).isEqualTo(10);
            assertThat(d.message()).contains("*host");
        });
    }

    @Test
    void aliasExpansionBombIsRefused() {
        StringBuilder yaml = new StringBuilder("a: &a [x]\n");
        for (int i = 0; i < YamlReader.MAX_ALIASES + 1; i++) {
            yaml.append("k").append(i).append(": *a\n");
        }
        LoadResult r = Fixtures.load(dir, "bomb.yaml", yaml.toString());
        assertThat(r.errors()).singleElement().satisfies(d -> assertThat(d.message()).contains("YAML aliases"));
    }

    @Test
    void tcpPortWithoutAddressesIsAWarning() {
        // Istio: a TCP port without addresses is a listener on 0.0.0.0:<port> that catches every destination
        Path file = Fixtures.write(dir, "tcp.yaml", """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata:
                  name: db
                spec:
                  hosts: [db.example.com]
                  resolution: DNS
                  ports:
                  - number: 5432
                    name: pg
                    protocol: TCP
                """);
        LoadResult r = Fixtures.load(file);
        assertThat(r.ok()).isTrue();
        assertThat(r.diagnostics()).singleElement().satisfies(d -> {
            assertThat(d.severity()).isEqualTo(Diagnostic.Severity.WARNING);
            assertThat(d.code()).isEqualTo("tcp-without-addresses");
            assertThat(d.origin().line()).isEqualTo(9);
            assertThat(d.fieldPath()).isEqualTo("spec.ports[0]");
        });
    }

    @Test
    void goDurationsAsIstioDocumentsThemLoad() {
        Path file = Fixtures.write(dir, "durations.yaml", """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata:
                  name: vs
                spec:
                  hosts: [a.example.com]
                  http:
                  - timeout: 1m30s
                    retries:
                      attempts: 3
                      perTryTimeout: 250ms
                    route:
                    - destination:
                        host: a.example.com
                """);
        LoadResult r = Fixtures.load(file);
        assertThat(r.ok()).as(Fixtures.dump(r.diagnostics())).isTrue();
        assertThat(r.config().orElseThrow().virtualServices().get(0).spec().getHttp().get(0).getTimeout())
                .isEqualTo("1m30s");
    }

    @Test
    void documentThatIsNotAnObjectIsAnError() {
        Path file = Fixtures.write(dir, "scalar.yaml", "just a string\n");
        assertThat(Fixtures.load(file).errors()).singleElement().satisfies(d ->
                assertThat(d.message()).contains("must be a Kubernetes object"));
        assertThat(Map.of()).isEmpty();
    }
}
