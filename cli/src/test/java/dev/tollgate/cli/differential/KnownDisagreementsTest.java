package dev.tollgate.cli.differential;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The three disagreements issue 7 reproduced with the built jar, as regression cases of the differential test: each
 * runs the configuration for real and asserts that the clients see what {@code tollgate check} says. They fail until
 * the fixes land; they are not to be disabled.
 */
class KnownDisagreementsTest {
    private static final Pool.Source DEFAULT_SLEEP = Pool.SOURCES.get(0);
    private static final String REGISTRY_ONLY = """
            apiVersion: install.istio.io/v1alpha1
            kind: IstioOperator
            metadata:
              name: installed-state
              namespace: istio-system
            spec:
              meshConfig:
                outboundTrafficPolicy:
                  mode: REGISTRY_ONLY
            """;

    private static LoopbackMesh.Shared shared;

    @BeforeAll
    static void startStandIns() throws Exception {
        shared = new LoopbackMesh.Shared();
    }

    @AfterAll
    static void stop() throws Exception {
        shared.close();
    }

    /**
     * 1. istio.io "Egress using Wildcard Hosts": the egress gateway's server is {@code HTTPS} with
     * {@code tls.mode: PASSTHROUGH}. check says ALLOWED through the gateway; the gateway does not serve port 443.
     */
    @Test
    void httpsPassthroughGatewayServer() throws Exception {
        String wiki = resource("/conformance/istio-egress-wildcard-passthrough.yaml")
                .replaceAll("(?m)^metadata:\\n", "metadata:\n  namespace: istio-system\n");
        assertAgree(REGISTRY_ONLY + "---\n" + wiki,
                new Req(DEFAULT_SLEEP, true, "en.wikipedia.org", 443, "GET", "/"),
                new Req(DEFAULT_SLEEP, true, "www.wikipedia.org", 443, "GET", "/"));
    }

    /**
     * 2. IP literals: {@code ::ffff:10.0.0.1} in a ServiceEntry's addresses passes validation but routing makes it a
     * placeholder that never matches; {@code 010.0.0.1} as a request host is an address only to routing.
     */
    @Test
    void ipLiteralsIpv4MappedAddressAndLeadingZeroHost() throws Exception {
        String mapped = REGISTRY_ONLY + """
                ---
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata:
                  name: mapped
                  namespace: default
                spec:
                  hosts: ["api.example.com"]
                  addresses: ["::ffff:10.0.0.1"]
                  location: MESH_EXTERNAL
                  resolution: DNS
                  ports:
                  - {number: 80, name: http, protocol: HTTP}
                  - {number: 443, name: tls, protocol: TLS}
                """;
        String plain = REGISTRY_ONLY + """
                ---
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata:
                  name: plain
                  namespace: default
                spec:
                  hosts: ["api.example.com"]
                  addresses: ["10.0.0.1"]
                  location: MESH_EXTERNAL
                  resolution: DNS
                  ports:
                  - {number: 80, name: http, protocol: HTTP}
                  - {number: 443, name: tls, protocol: TLS}
                """;
        List<String> disagreements = new ArrayList<>(disagreements(mapped,
                new Req(DEFAULT_SLEEP, false, "10.0.0.1", 80, "GET", "/"),
                new Req(DEFAULT_SLEEP, true, "10.0.0.1", 443, "GET", "/"),
                new Req(DEFAULT_SLEEP, false, "::ffff:10.0.0.1", 80, "GET", "/"),
                new Req(DEFAULT_SLEEP, true, "::ffff:10.0.0.1", 443, "GET", "/")));
        disagreements.addAll(disagreements(plain,
                new Req(DEFAULT_SLEEP, false, "10.0.0.1", 80, "GET", "/"),
                new Req(DEFAULT_SLEEP, false, "010.0.0.1", 80, "GET", "/"),
                new Req(DEFAULT_SLEEP, true, "010.0.0.1", 443, "GET", "/"),
                new Req(DEFAULT_SLEEP, false, "::ffff:10.0.0.1", 80, "GET", "/")));
        // under ALLOW_ANY the registry does not decide: check passes 010.0.0.1 on, the proxy cannot connect to it
        disagreements.addAll(disagreements(REGISTRY_ONLY.replace("REGISTRY_ONLY", "ALLOW_ANY"),
                new Req(DEFAULT_SLEEP, false, "010.0.0.1", 80, "GET", "/"),
                new Req(DEFAULT_SLEEP, true, "010.0.0.1", 443, "GET", "/")));
        assertThat(disagreements).as("check and the proxies disagree:%n%s", String.join("\n", disagreements))
                .isEmpty();
    }

    /**
     * 3. Host names: under REGISTRY_ONLY, {@code https://\u212Aey.example.com/} (a Kelvin sign) is ALLOWED by check
     * as key.example.com, while the proxy refuses the name.
     */
    @Test
    void kelvinSignHostUnderRegistryOnly() throws Exception {
        String key = REGISTRY_ONLY + """
                ---
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata:
                  name: key
                  namespace: default
                spec:
                  hosts: ["key.example.com"]
                  location: MESH_EXTERNAL
                  resolution: DNS
                  ports:
                  - {number: 80, name: http, protocol: HTTP}
                  - {number: 443, name: tls, protocol: TLS}
                """;
        assertAgree(key,
                new Req(DEFAULT_SLEEP, true, "\u212Aey.example.com", 443, "GET", "/"),
                new Req(DEFAULT_SLEEP, false, "\u212Aey.example.com", 80, "GET", "/"));
    }

    private static void assertAgree(String yaml, Req... requests) throws Exception {
        List<String> disagreements = disagreements(yaml, requests);
        assertThat(disagreements).as("check and the proxies disagree on %d of %d requests:%n%s",
                disagreements.size(), requests.length, String.join("\n", disagreements)).isEmpty();
    }

    private static List<String> disagreements(String yaml, Req... requests) throws Exception {
        List<String> disagreements = new ArrayList<>();
        try (LoopbackMesh mesh = LoopbackMesh.start(shared, yaml)) {
            for (Req r : requests) {
                Verdict expected = CheckOracle.check(mesh.config, r);
                Verdict seen = mesh.send(r);
                System.out.printf("named case: %s%n    check: %s | proxies: %s%n", r, expected.brief(), seen.brief());
                if (!expected.agrees(seen)) {
                    disagreements.add("  " + r + "\n    world:\n" + yaml.indent(6) + "    check:   " + expected.brief() + " -- " + expected.detail()
                            + "\n    proxies: " + seen.brief() + " -- " + seen.detail());
                }
            }
        }
        return disagreements;
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = KnownDisagreementsTest.class.getResourceAsStream(name)) {
            assertThat(in).as(name).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
