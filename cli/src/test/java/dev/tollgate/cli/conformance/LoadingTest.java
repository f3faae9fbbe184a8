package dev.tollgate.cli.conformance;

import dev.tollgate.cli.conformance.Conformance.Case;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.stream.Stream;

import static dev.tollgate.cli.conformance.Conformance.check;
import static dev.tollgate.cli.conformance.Yaml.egressHttp;
import static dev.tollgate.cli.conformance.Yaml.policy;
import static dev.tollgate.cli.conformance.Yaml.tlsSe;

/** Loading resources the way kubectl apply takes them (issue 2 section 2): versions, documents, other kinds. */
class LoadingTest {
    private static final String KINDS = "issue 2 section 2: networking.istio.io v1alpha3, v1beta1 and v1;"
            + " security.istio.io v1beta1 and v1; \"Other kinds are skipped with a one-line notice\"";
    private static final String UNMODELLED = "issue 10 section 2: a kind that changes Istio's behaviour and that"
            + " Tollgate does not model is \"named in a warning, with file:line\", saying what it may change";
    private static final String KUBECTL = "kubectl apply -f: multi-document YAML, a v1 List's items are applied;"
            + " --validate=strict rejects unknown and duplicate fields";
    private static final String AP_EMPTY = "AuthorizationPolicy: an ALLOW policy without rules (spec: {} or no spec)"
            + " \"doesn't match anything\": allow-nothing";
    private static final String URL = "https://api.example.com/";

    @TempDir
    Path dir;

    static Stream<Case> cases() {
        String se = tlsSe("api.example.com");
        return Stream.of(
                check("the same name twice in one namespace: the later one replaces the earlier", KUBECTL + "; applying"
                        + " the documents in order leaves the last")
                        .file(Yaml.se("x", "a.example.com", 443, "TLS") + "---\n" + Yaml.se("x", "b.example.com", 443, "TLS"))
                        .registryOnly().blocked("https://a.example.com/"),
                check("the same name twice in one namespace: the later one is there", KUBECTL)
                        .file(Yaml.se("x", "a.example.com", 443, "TLS") + "---\n" + Yaml.se("x", "b.example.com", 443, "TLS"))
                        .registryOnly().allowed("https://b.example.com/"),
                check("networking.istio.io/v1beta1 loads", KINDS)
                        .file(se.replace("networking.istio.io/v1", "networking.istio.io/v1beta1")).registryOnly().allowed(URL),
                check("networking.istio.io/v1alpha3 loads", KINDS)
                        .file(se.replace("networking.istio.io/v1", "networking.istio.io/v1alpha3")).registryOnly().allowed(URL),
                check("an unknown version of a known group is an error", KINDS)
                        .file(se.replace("networking.istio.io/v1", "networking.istio.io/v2")).error(URL),
                check("security.istio.io/v1beta1 allow-nothing loads and applies", KINDS + "; " + AP_EMPTY)
                        .file("istio-system", egressHttp("api.example.com")).registryOnly()
                        .file("apiVersion: security.istio.io/v1beta1\nkind: AuthorizationPolicy\nmetadata:\n  name: n\n"
                                + "  namespace: istio-system\nspec: {}\n").denied("http://api.example.com/"),
                check("AuthorizationPolicy without spec is allow-nothing", AP_EMPTY)
                        .file("istio-system", egressHttp("api.example.com")).registryOnly()
                        .file("apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata:\n  name: n\n"
                                + "  namespace: istio-system\n").denied("http://api.example.com/"),
                check("a v1 List's items are loaded", KUBECTL).file("""
                        apiVersion: v1
                        kind: List
                        items:
                        - apiVersion: networking.istio.io/v1
                          kind: ServiceEntry
                          metadata:
                            name: api
                          spec:
                            hosts: [api.example.com]
                            ports:
                            - {number: 443, name: tls, protocol: TLS}
                            resolution: DNS
                        """).registryOnly().allowed(URL),
                check("a duplicate YAML key is an error (never last-one-wins on action)", KUBECTL)
                        .file(Yaml.gatewayPolicy("p", "action: DENY\naction: ALLOW\nrules:\n- {}")).error(URL),
                check("YAML anchors are fine", KUBECTL).file("""
                        apiVersion: networking.istio.io/v1
                        kind: ServiceEntry
                        metadata:
                          name: a
                        spec:
                          hosts: &h [api.example.com]
                          ports:
                          - {number: 443, name: tls, protocol: TLS}
                          resolution: DNS
                        """).registryOnly().allowed(URL),
                check("empty documents are skipped", KUBECTL).file("---\n---\n" + se + "---\n").registryOnly().allowed(URL),
                check("unknown metadata field is an error", KUBECTL)
                        .file(se.replace("  name: ", "  nmae: x\n  name: ")).error(URL),
                check("unknown top-level field is an error", KUBECTL)
                        .file(se.replace("spec:", "spc:\n  x: 1\nspec:")).error(URL),
                check("ServiceEntry with an empty spec is an error", "ServiceEntry.hosts is REQUIRED")
                        .file("apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n  name: a\nspec:\n").error(URL),
                check("YAML with a tab indent is an error, in SnakeYAML's words at its line", KUBECTL)
                        .file("apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n\tname: a\n").error(URL,
                                ":4:1) invalid YAML: found character '\\t(TAB)' that cannot start any token"),
                check("a list item at a mapping's indent is an error, in SnakeYAML's words at its line", KUBECTL)
                        .file(se.replace("spec:\n", "spec:\n  location: MESH_EXTERNAL\n  - x\n")).error(URL,
                                ") invalid YAML: expected <block end>, but found '-' (while parsing a "
                                        + "block mapping at line"),
                check("the API server's metadata in a kubectl export loads", KUBECTL)
                        .file(se.replace("metadata:\n", "metadata:\n  " + String.join("\n  ",
                                "resourceVersion: \"1843021\"", "uid: 6f0d7c52-3b8e-4b1a-9d2f-0c8e5a7b1e44",
                                "generation: 2", "creationTimestamp: \"2025-03-14T09:26:53Z\"", "managedFields:",
                                "- apiVersion: networking.istio.io/v1", "  fieldsType: FieldsV1", "  fieldsV1:",
                                "    f:metadata: {f:annotations: {.: {}}}", "    f:spec: {f:hosts: {}}",
                                "  manager: kubectl-client-side-apply", "  operation: Update",
                                "ownerReferences: [{apiVersion: v1, kind: ConfigMap, name: owner, uid: u1}]") + "\n")
                                + "status:\n  observedGeneration: \"2\"\n  validationMessages: []\n")
                        .registryOnly().allowed(URL),
                check("a metadata typo is still an error in an export", KUBECTL)
                        .file(se.replace("metadata:\n", "metadata:\n  resourceVersion: \"1\"\n  nmespace: x\n")).error(URL,
                                "metadata.nmespace: unknown field \"nmespace\" in ObjectMeta (did you mean \"namespace\"?)"),
                check("a Namespace manifest beside Istio resources", KINDS)
                        .file("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: foo\n---\n" + se).registryOnly().allowed(URL),
                check("a Service manifest is read into the registry, never skipped (issue 10)", KINDS)
                        .file("apiVersion: v1\nkind: Service\nmetadata:\n  name: foo\nspec:\n  ports: [{port: 80}]\n---\n" + se)
                        .registryOnly().allowed("http://foo.default.svc.cluster.local/"),
                check("a PeerAuthentication loads, with a warning (not modelled)", UNMODELLED)
                        .file("apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata:\n  name: foo\nspec:\n"
                                + "  mtls: {mode: STRICT}\n---\n" + se).registryOnly().allowed(URL)
                        .warns("Warning [unmodelled-kind] (").warns(") PeerAuthentication default/foo may change mTLS"),
                check("the dry-run annotation must be a boolean", "istio.io/dry-run: \"true\" or \"false\"")
                        .file("istio-system", egressHttp("api.example.com")).registryOnly()
                        .file(policy("d", "istio-system", "annotations:\n  \"istio.io/dry-run\": \"maybe\"",
                                "action: DENY\nrules:\n- {}")).error("http://api.example.com/"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void conforms(Case c) throws Exception {
        c.run(dir);
    }
}
