package dev.tollgate.core.model;

import io.fabric8.istio.api.api.networking.v1alpha3.Port;
import io.fabric8.istio.api.api.networking.v1alpha3.Server;
import io.fabric8.istio.api.api.networking.v1alpha3.ServerTLSSettings;
import io.fabric8.istio.api.api.networking.v1alpha3.ServerTLSSettingsTLSmode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The classification against Istio's own tables: {@code pkg/config/protocol/instance_test.go} (TestParse) and
 * {@code pkg/config/gateway/gateway_test.go} (TestIsTLSServer, TestIsHTTPServer, TestIsHTTPSServerWithTLSTermination),
 * case for case, then what Istio's {@code pilot/pkg/networking/core/gateway.go} builds from them.
 */
class GatewayServerKindTest {

    @ParameterizedTest(name = "Parse({0}) = {1}")
    @CsvSource(nullValues = "NULL", value = {
            "tcp, TCP", "http, HTTP", "HTTP, HTTP", "Http, HTTP", "http_proxy, HTTP_PROXY", "Http_Proxy, HTTP_PROXY",
            "HTTP_PROXY, HTTP_PROXY", "https, HTTPS", "http2, HTTP2", "grpc, GRPC", "grpc-web, GRPC_WEB",
            "gRPC-Web, GRPC_WEB", "grpc-Web, GRPC_WEB", "udp, UDP", "Mongo, MONGO", "mongo, MONGO", "MONGO, MONGO",
            "Redis, REDIS", "redis, REDIS", "REDIS, REDIS", "Mysql, MYSQL", "mysql, MYSQL", "MYSQL, MYSQL",
            "MySQL, MYSQL", "'', UNSUPPORTED", "SMTP, UNSUPPORTED", "HBONE, UNSUPPORTED", "NULL, UNSUPPORTED",
            // hostile: a long s upper-cases to S and a dotted capital I lower-cases to i: neither may fold onto a name
            "'HTTPſ', UNSUPPORTED", "'REDİS', UNSUPPORTED", "'hTTPS ', UNSUPPORTED"})
    void parseIsIstiosProtocolParse(String written, PortProtocol expected) {
        assertThat(PortProtocol.parse(written)).isEqualTo(expected);
    }

    @Test
    void protocolFamiliesAreIstios() {
        // TestIsHTTP: "UDP is not HTTP protocol", "gRPC is HTTP protocol"
        assertThat(PortProtocol.UDP.isHttp()).isFalse();
        assertThat(PortProtocol.GRPC.isHttp()).isTrue();
        assertThat(PortProtocol.HTTP_PROXY.isHttp()).isTrue();
        assertThat(PortProtocol.HTTPS.isHttp()).isFalse();
        assertThat(PortProtocol.HTTPS.isTls()).isTrue();
        assertThat(PortProtocol.TLS.isTls()).isTrue();
        assertThat(PortProtocol.TCP.isTls()).isFalse();
        assertThat(PortProtocol.MONGO.isTcp()).isTrue();
        assertThat(PortProtocol.HTTPS.afterTlsTermination()).isEqualTo(PortProtocol.HTTP);
        assertThat(PortProtocol.TLS.afterTlsTermination()).isEqualTo(PortProtocol.TCP);
    }

    /** A server as gateway_test.go writes them: a protocol, and a tls block with a mode, or with only a redirect. */
    private static GatewayServerKind server(String protocol, String tls) {
        Server s = new Server();
        Port p = new Port();
        p.setNumber(80L);
        p.setProtocol(protocol);
        s.setPort(p);
        if (!tls.equals("nil")) {
            ServerTLSSettings t = new ServerTLSSettings();
            if (tls.equals("redirect")) {
                t.setHttpsRedirect(true);
            } else {
                t.setMode(ServerTLSSettingsTLSmode.valueOf(tls));
            }
            s.setTls(t);
        }
        return GatewayServerKind.of(s);
    }

    @ParameterizedTest(name = "IsTLSServer({0}, tls {1}) = {2}")
    @CsvSource({"HTTP, redirect, false", "TCP, redirect, true", "HTTP, nil, false", "TCP, nil, false"})
    void isTlsServerIsIstios(String protocol, String tls, boolean expected) {
        assertThat(server(protocol, tls).isTlsServer()).isEqualTo(expected);
    }

    @ParameterizedTest(name = "IsHTTPServer({0}, tls {1}) = {2}")
    @CsvSource({"HTTP, nil, true", "HTTPS, PASSTHROUGH, false", "HTTP, PASSTHROUGH, true",
            "HTTPS, ISTIO_MUTUAL, true"})
    void isHttpServerIsIstios(String protocol, String tls, boolean expected) {
        assertThat(server(protocol, tls).isHttpServer()).isEqualTo(expected);
    }

    @ParameterizedTest(name = "IsHTTPSServerWithTLSTermination({0}, tls {1}) = {2}")
    @CsvSource({"HTTP, nil, false", "HTTPS, PASSTHROUGH, false", "HTTP, MUTUAL, false", "HTTPS, ISTIO_MUTUAL, true"})
    void isHttpsServerWithTlsTerminationIsIstios(String protocol, String tls, boolean expected) {
        assertThat(server(protocol, tls).isHttpsServerWithTlsTermination()).isEqualTo(expected);
    }

    @ParameterizedTest(name = "IsPassThroughServer({0}, tls {1}) = {2}")
    @CsvSource({"TLS, PASSTHROUGH, true", "HTTPS, AUTO_PASSTHROUGH, true", "TLS, SIMPLE, false", "TCP, nil, false",
            // an unset mode is the proto enum's zero value, PASSTHROUGH
            "TLS, redirect, true"})
    void isPassThroughServerIsIstios(String protocol, String tls, boolean expected) {
        assertThat(server(protocol, tls).isPassThroughServer()).isEqualTo(expected);
    }

    /**
     * The disagreement this type removed: "tls.mode: PASSTHROUGH" on an HTTPS server (istio.io "Egress using Wildcard
     * Hosts") is handled as on a TLS server: by SNI, tls routes, never terminated, and served.
     */
    @Test
    void httpsPassthroughIsServedExactlyAsTlsPassthrough() {
        GatewayServerKind https = server("HTTPS", "PASSTHROUGH");
        GatewayServerKind tls = server("TLS", "PASSTHROUGH");
        for (GatewayServerKind k : new GatewayServerKind[]{https, tls}) {
            assertThat(k.readsHttp()).isFalse();
            assertThat(k.routes()).isEqualTo(RouteKind.TLS);
            assertThat(k.transport()).isEqualTo(GatewayServerKind.Transport.PASSTHROUGH);
            assertThat(k.selectsBySni()).isTrue();
            assertThat(k.terminatesTls()).isFalse();
            assertThat(k.servedByTollgate()).isTrue();
        }
    }

    @Test
    void routeListsFollowIstiosGatewayListenerBuilder() {
        // buildGatewayTCPBasedFilterChains: an HTTP connection manager for HTTP servers and terminated HTTPS
        assertThat(server("HTTP", "nil").routes()).isEqualTo(RouteKind.HTTP);
        assertThat(server("HTTPS", "ISTIO_MUTUAL").routes()).isEqualTo(RouteKind.HTTP);
        // createGatewayTCPFilterChainOpts: Tls == nil -> tcp routes; terminated -> tcp routes; passthrough -> tls
        assertThat(server("TCP", "nil").routes()).isEqualTo(RouteKind.TCP);
        assertThat(server("TLS", "ISTIO_MUTUAL").routes()).isEqualTo(RouteKind.TCP);
        assertThat(server("MONGO", "nil").routes()).isEqualTo(RouteKind.TCP);
    }

    @Test
    void tollgateServesOnlyWhatItHasCredentialsAndCodeFor() {
        assertThat(server("HTTP", "nil").servedByTollgate()).isTrue();
        assertThat(server("TCP", "nil").servedByTollgate()).isTrue();
        assertThat(server("HTTPS", "ISTIO_MUTUAL").servedByTollgate()).isTrue();
        assertThat(server("TLS", "ISTIO_MUTUAL").servedByTollgate()).isTrue();
        assertThat(server("HTTPS", "SIMPLE").servedByTollgate()).as("needs a server certificate").isFalse();
        assertThat(server("TLS", "MUTUAL").servedByTollgate()).isFalse();
        assertThat(server("TLS", "AUTO_PASSTHROUGH").servedByTollgate()).isFalse();
        // Istio redirects every request here; forwarding them instead would be worse than not listening
        assertThat(server("HTTP", "redirect").servedByTollgate()).isFalse();
        assertThat(server("HTTP", "redirect").transport()).isEqualTo(GatewayServerKind.Transport.PLAIN);
    }

    @Test
    void tlsWithoutSettingsIsNeverReadAsPlainText() {
        // validation refuses it ("server must have TLS settings for HTTPS/TLS protocols"); unvalidated, it stays TLS
        assertThat(server("HTTPS", "nil").tlsMode()).isEqualTo(ServerTlsMode.PASSTHROUGH);
        assertThat(server("HTTPS", "nil").readsHttp()).isFalse();
    }

    @Test
    void serviceEntryPortsPickTheirRouteListByProtocol() {
        assertThat(RouteKind.forServicePort(PortProtocol.parse("grpc-web"))).isEqualTo(RouteKind.HTTP);
        assertThat(RouteKind.forServicePort(PortProtocol.parse("https"))).isEqualTo(RouteKind.TLS);
        assertThat(RouteKind.forServicePort(PortProtocol.parse("Mongo"))).isEqualTo(RouteKind.TCP);
        assertThat(RouteKind.forServicePort(PortProtocol.parse(null))).isEqualTo(RouteKind.TCP);
    }
}
