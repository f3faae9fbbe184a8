package dev.tollgate.cli.differential;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Disagreements the generated property found beyond issue 7's three, each shrunk to a minimal world and kept as a
 * named regression case once fixed (the generator covers their shapes again: the flags in {@link Worlds}).
 */
class FoundDisagreementsTest {
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
     * Two egress recipes on the gateway's port 443: TLS ISTIO_MUTUAL for one host (tutorial part B) and TLS
     * PASSTHROUGH for another (istio.io "Egress gateway for HTTPS traffic"). Istio serves both on one port (filter
     * chains by SNI); check routes each host by its server; the gateway listens with one kind only.
     */
    @Test
    void serversOfTwoKindsOnOneGatewayPort() throws Exception {
        World world = new World(Optional.of("REGISTRY_ONLY"), List.of(), Optional.empty(), List.of(
                new World.Route(World.RouteKind.TLS_MUTUAL, "developer.yahoo.com"),
                new World.Route(World.RouteKind.TLS_PASSTHROUGH, "developers.google.com")), List.of());
        Pool.Source from = Pool.SOURCES.get(0);
        assertAgree(world, new Req(from, true, "developer.yahoo.com", 443, "GET", "/"),
                new Req(from, true, "developers.google.com", 443, "GET", "/"));
    }

    /**
     * Tutorial part B's HTTP recipe (an HTTPS ISTIO_MUTUAL server on the gateway's port 80) and then istio.io's plain
     * HTTP recipe (an HTTP server on port 80). Istio's mergeGateways keeps the plain server after the TLS one; Envoy
     * picks the mTLS chain by SNI and the plain one for plain bytes.
     */
    @Test
    void plainHttpServerAfterAMutualOneOnOnePort() throws Exception {
        Pool.Source from = Pool.SOURCES.get(0);
        assertAgree(new World(Optional.of("REGISTRY_ONLY"), List.of(), Optional.empty(), List.of(
                        new World.Route(World.RouteKind.HTTP_ORIGINATE, "developers.google.com"),
                        new World.Route(World.RouteKind.HTTP_PLAIN, "edition.cnn.com")), List.of()),
                new Req(from, false, "developers.google.com", 80, "GET", "/"),
                new Req(from, false, "edition.cnn.com", 80, "GET", "/"));
    }

    /**
     * The same two recipes the other way round: mergeGateways skips an HTTPS server after a plain HTTP one
     * ("conflict with existing server"), and check and the gateway both do. But the sidecar still opens mTLS to
     * port 80 for developers.google.com, which the gateway's plain server cannot read. The gateway asks the core
     * about that TLS connection (no route, as check says) and closes it; the sidecar answers 503.
     */
    @Test
    void mutualHttpsServerAfterAPlainOneOnOnePort() throws Exception {
        Pool.Source from = Pool.SOURCES.get(0);
        assertAgree(new World(Optional.of("REGISTRY_ONLY"), List.of(), Optional.empty(), List.of(
                        new World.Route(World.RouteKind.HTTP_PLAIN, "edition.cnn.com"),
                        new World.Route(World.RouteKind.HTTP_ORIGINATE, "developers.google.com")), List.of()),
                new Req(from, false, "developers.google.com", 80, "GET", "/"),
                new Req(from, false, "edition.cnn.com", 80, "GET", "/"));
    }

    /**
     * The tutorial's HTTP recipe (TLS origination: a DestinationRule with tls SIMPLE for developers.google.com:443,
     * visible to every sidecar) and an application that asks for https://developers.google.com/ itself. Istio wraps
     * the application's TLS in TLS and the server fails it (istio.io, "Double TLS"): check and the sidecar both
     * refuse it, from one rule in the core.
     */
    @Test
    void httpsRequestToAHostWithTlsOrigination() throws Exception {
        World world = new World(Optional.of("REGISTRY_ONLY"), List.of(), Optional.empty(), List.of(
                new World.Route(World.RouteKind.HTTP_ORIGINATE, "developers.google.com")), List.of());
        Pool.Source from = Pool.SOURCES.get(0);
        assertAgree(world, new Req(from, false, "developers.google.com", 80, "GET", "/"),
                new Req(from, true, "developers.google.com", 443, "GET", "/"));
    }

    /**
     * A DENY on the gateway for method GET, and a client that sends {@code get}. Methods are case-sensitive: the
     * gateway's rule does not match {@code get}, and the request goes through. Check once upper-cased {@code -X} and
     * answered DENIED, hiding the way past the rule.
     */
    @Test
    void aLowerCaseMethodPastADenyOnGet() throws Exception {
        assertGoogleAgrees(googleThroughTheGatewayDenying(List.of("GET"), List.of()), "GET", "/", "get", "/");
    }

    /**
     * A DENY on the gateway for paths {@code /admin*}, and paths a client can send that RFC 3986 leaves out. The
     * proxies read a backslash as a slash when they normalise the path (as Envoy does), so {@code /public\..\admin}
     * is denied; check once refused the URL itself ("not a URL") and gave no answer for a request the proxies decide.
     */
    @Test
    void pathsOutsideRfc3986PastADenyOnAdmin() throws Exception {
        assertGoogleAgrees(googleThroughTheGatewayDenying(List.of(), List.of("/admin*")),
                "GET", "/public\\..\\admin", "GET", "/admin|x");
    }

    /**
     * A DENY on the gateway for {@code /\u00e9*} and a client that sends the path in raw UTF-8. The proxies once read
     * it byte by byte as two other characters and let it through to the upstream, while check (and Envoy, which
     * compares the bytes) denied it. Both now refuse a request target that is not visible ASCII.
     */
    @Test
    void aNonAsciiPathPastADenyNamingIt() throws Exception {
        assertGoogleAgrees(googleThroughTheGatewayDenying(List.of(), List.of("/\u00e9*")),
                "GET", "/\u00e9t\u00e9", "GET", "/%C3%A9");
    }

    /** Tutorial part B's HTTP recipe for developers.google.com; a DENY on the gateway for these methods or paths. */
    private static World googleThroughTheGatewayDenying(List<String> methods, List<String> paths) {
        return new World(Optional.of("REGISTRY_ONLY"), List.of(), Optional.empty(), List.of(
                new World.Route(World.RouteKind.HTTP_ORIGINATE, "developers.google.com")), List.of(
                new World.Policy("DENY", true, List.of(new World.Rule(Optional.empty(), Optional.of(
                        new World.Op(List.of(), methods, paths, List.of())), List.of())))));
    }

    /** Two plain HTTP requests for developers.google.com (method, path each), asked of check and the proxies. */
    private static void assertGoogleAgrees(World world, String method1, String path1, String method2, String path2)
            throws Exception {
        Pool.Source from = Pool.SOURCES.get(0);
        assertAgree(world, new Req(from, false, "developers.google.com", 80, method1, path1),
                new Req(from, false, "developers.google.com", 80, method2, path2));
    }

    private static void assertAgree(World world, Req... requests) throws Exception {
        List<String> disagreements = new ArrayList<>();
        try (LoopbackMesh mesh = LoopbackMesh.start(shared, world.yaml())) {
            for (Req r : requests) {
                Verdict expected = CheckOracle.check(mesh.config, r);
                Verdict seen = mesh.send(r);
                System.out.printf("found case: %s%n    check: %s | proxies: %s%n", r, expected.brief(), seen.brief());
                if (!expected.agrees(seen)) {
                    disagreements.add("  " + r + "\n    check:   " + expected.brief() + " -- " + expected.detail()
                            + "\n    proxies: " + seen.brief() + " -- " + seen.detail());
                }
            }
        }
        assertThat(disagreements).as("check and the proxies disagree; world:%s%n%s", world,
                String.join("\n", disagreements)).isEmpty();
    }
}
