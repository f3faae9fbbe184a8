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
                check("YAML with a tab indent is an error", KUBECTL)
                        .file("apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n\tname: a\n").error(URL),
                check("a Namespace manifest beside Istio resources", KINDS)
                        .file("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: foo\n---\n" + se).registryOnly().allowed(URL),
                check("a Service manifest is skipped", KINDS)
                        .file("apiVersion: v1\nkind: Service\nmetadata:\n  name: foo\nspec:\n  ports: [{port: 80}]\n---\n" + se)
                        .registryOnly().allowed(URL),
                check("a PeerAuthentication is skipped", KINDS)
                        .file("apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata:\n  name: foo\nspec:\n"
                                + "  mtls: {mode: STRICT}\n---\n" + se).registryOnly().allowed(URL),
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
