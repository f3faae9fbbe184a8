package dev.tollgate.proxy;

import dev.tollgate.config.ConfigSource;
import dev.tollgate.config.ConfigStore;
import dev.tollgate.config.LoadOptions;
import dev.tollgate.core.model.HttpRequestInfo;
import dev.tollgate.core.snapshot.OutboundDecision;
import dev.tollgate.core.snapshot.OutboundRequest;
import dev.tollgate.core.snapshot.SnapshotCompiler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 7: under REGISTRY_ONLY, {@code check https://\u212Aey.example.com/} (a Kelvin sign) was ALLOWED as
 * {@code key.example.com} while the proxy refused the name as malformed. Now a real sidecar, on the real compiled
 * snapshot with {@code key.example.com} registered, refuses the name wherever the client writes it, with the reason
 * the snapshot gives {@code check} for the same request, word for word.
 */
class HostileNonAsciiHostTest {
    static final String KELVIN = "\u212Aey.example.com";
    static final String REASON = "host \"\\u212Aey.example.com\" is not ASCII; Tollgate accepts only ASCII host names"
            + " (write IDNs in their xn-- form)";

    static Rig rig;
    static ConfigStore store;
    static Sidecar sidecar;

    @BeforeAll
    static void start() throws Exception {
        rig = new Rig();
        Path config = Files.createDirectories(rig.dir.resolve("config"));
        Files.writeString(config.resolve("mesh.yaml"), """
                apiVersion: install.istio.io/v1alpha1
                kind: IstioOperator
                metadata: {name: mesh, namespace: istio-system}
                spec:
                  meshConfig:
                    outboundTrafficPolicy: {mode: REGISTRY_ONLY}
                """);
        Files.writeString(config.resolve("key.yaml"), """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: key, namespace: default}
                spec:
                  hosts: [key.example.com]
                  ports: [{number: 80, name: http, protocol: HTTP}, {number: 443, name: tls, protocol: TLS}]
                  resolution: DNS
                """);
        store = new ConfigStore(List.of(new ConfigSource(config, Optional.empty())), LoadOptions.DEFAULTS,
                SnapshotCompiler::compile);
        assertThat(store.reload().ok()).isTrue();
        SidecarSettings s = SidecarSettings.defaults(Rig.DEFAULT_SLEEP,
                        rig.mesh.identity(rig.mesh.workload(Rig.TD, "default", "sleep")))
                .withListen(new InetSocketAddress("127.0.0.1", 0))
                .withHosts(HostMap.EMPTY.withResolver(name -> {
                    throw new java.net.UnknownHostException("no DNS in this test: " + name);
                }))
                .withAdmin(Optional.empty())
                .withAccessLog(rig.log::add)
                .withIoThreads(1);
        sidecar = Sidecar.start(s, store::current);
        rig.sidecars.add(sidecar);
    }

    @AfterAll
    static void stop() throws Exception {
        store.close();
        rig.close();
    }

    static Stream<Arguments> requests() {
        return Stream.of(
                Arguments.of(Named.of("CONNECT to the Kelvin name", "CONNECT " + KELVIN + ":443 HTTP/1.1\r\nHost: "
                        + KELVIN + ":443\r\n\r\n"), "tunnel", OutboundRequest.tls(KELVIN, 443)),
                Arguments.of(Named.of("absolute URI with the Kelvin name", "GET http://" + KELVIN + "/ HTTP/1.1\r\n"
                        + "Host: " + KELVIN + "\r\n\r\n"), "http", http(KELVIN, KELVIN)),
                Arguments.of(Named.of("the registered name in the URI, the Kelvin name in Host",
                        "GET http://key.example.com/ HTTP/1.1\r\nHost: " + KELVIN + "\r\n\r\n"), "http",
                        http("key.example.com", KELVIN)),
                Arguments.of(Named.of("the Kelvin name with a port in Host", "GET http://key.example.com:8080/ HTTP/1.1"
                        + "\r\nHost: " + KELVIN + ":8080\r\n\r\n"), "http", OutboundRequest.http("key.example.com", 8080,
                        new HttpRequestInfo("GET", KELVIN + ":8080", "/", Map.of()))));
    }

    static OutboundRequest http(String host, String authority) {
        return OutboundRequest.http(host, 80, new HttpRequestInfo("GET", authority, "/", Map.of()));
    }

    @ParameterizedTest
    @MethodSource("requests")
    void theProxyRefusesWithTheReasonCheckGives(String request, String protocol, OutboundRequest asChecked)
            throws Exception {
        OutboundDecision checked = store.current().outbound(Rig.DEFAULT_SLEEP, asChecked);
        assertThat(checked).isInstanceOfSatisfying(OutboundDecision.Refused.class,
                r -> assertThat(r.reason()).isEqualTo(REASON));
        assertThat(store.current().outbound(Rig.DEFAULT_SLEEP, OutboundRequest.tls("key.example.com",
                443))).as("the ASCII name is registered").isInstanceOf(OutboundDecision.Forward.class);

        int logged = rig.log.size();
        String resp = Rig.raw(sidecar.address(), request.getBytes(StandardCharsets.UTF_8));
        assertThat(resp).startsWith("HTTP/1.1 400 ").endsWith("\r\n\r\n" + REASON + "\n");
        AccessLogEntry e = rig.awaitLog(x -> x.reason().equals(REASON) && x.protocol().equals(protocol)
                && rig.log.stream().skip(logged).anyMatch(y -> y == x));
        assertThat(e.decision()).isEqualTo("error");
    }
}
