package dev.tollgate.proxy;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code --connect-timeout}: an upstream that never finishes the TCP handshake (its accept queue is full, so the
 * kernel drops the SYN) or never answers the ClientHello is given up after the configured time, with 503, the step
 * in the reason, and a metric; not after the 10 s default.
 */
class ConnectTimeoutTest {
    static Rig rig;
    static ServerSocket silent;
    static ServerSocket full;
    static final List<Socket> filling = new ArrayList<>();
    static final List<Socket> silentAccepted = new ArrayList<>();
    static Sidecar sidecar;

    @BeforeAll
    static void start() throws Exception {
        rig = new Rig();
        InetAddress lo = InetAddress.getByName("127.0.0.1");
        silent = new ServerSocket(0, 50, lo);
        Thread.ofVirtual().start(() -> {
            try {
                while (true) {
                    silentAccepted.add(silent.accept()); // and never a byte back
                }
            } catch (java.io.IOException e) {
                // closed
            }
        });
        full = new ServerSocket(0, 1, lo);
        // never accepted: once the accept queue is full, Linux drops further SYNs and a connect hangs
        for (int i = 0; i < 4; i++) {
            Socket s = new Socket();
            try {
                s.connect(full.getLocalSocketAddress(), 200);
            } catch (java.io.IOException e) {
                // the queue is full already
            }
            filling.add(s);
        }
        SidecarSettings s = SidecarSettings.defaults(Rig.DEFAULT_SLEEP,
                        rig.mesh.identity(rig.mesh.workload(Rig.TD, "default", "sleep")))
                .withListen(new InetSocketAddress("127.0.0.1", 0))
                .withHosts(HostMap.parse(List.of(), List.of("rawtls.example:443:127.0.0.1:" + silent.getLocalPort(),
                        "plain.example::127.0.0.1:" + full.getLocalPort())))
                .withCaBundle(Optional.of(rig.publicRoot))
                .withAdmin(Optional.of(new InetSocketAddress("127.0.0.1", 0)))
                .withAccessLog(rig.log::add)
                .withIoThreads(1)
                .withConnect(ConnectSettings.DEFAULTS.withTimeout(Duration.ofMillis(400)));
        sidecar = Sidecar.start(s, rig.snapshot::get);
        rig.sidecars.add(sidecar);
    }

    @AfterAll
    static void stop() throws Exception {
        for (Socket s : filling) {
            s.close();
        }
        for (Socket s : silentAccepted) {
            s.close();
        }
        silent.close();
        full.close();
        rig.close();
    }

    @Test
    void aTlsHandshakeThatNeverAnswersTimesOutWith503() throws Exception {
        long t0 = System.nanoTime();
        String resp = Rig.raw(sidecar.address(), "GET http://rawtls.example/hang HTTP/1.1\r\nHost: rawtls.example\r\n\r\n");
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(resp).startsWith("HTTP/1.1 503").contains("upstream connect error: connect timeout: the TLS "
                + "handshake with 127.0.0.1:" + silent.getLocalPort() + " took longer than 400 ms (--connect-timeout)");
        assertThat(ms).as("given up after the configured 400 ms, not the 10 s default").isLessThan(5_000);
        AccessLogEntry e = rig.awaitLog(x -> x.request().orElse("").contains("/hang"));
        assertThat(e.responseCode()).isEqualTo(503);
        assertThat(e.reason()).startsWith("upstream connect error: connect timeout: the TLS handshake");
        assertThat(metrics()).containsPattern("(?m)^tollgate_upstream_connect_timeouts_total\\{[^}]*} [1-9]");
    }

    @Test
    void aTcpConnectThatNeverCompletesTimesOutWith503() throws Exception {
        String resp = Rig.raw(sidecar.address(), "GET http://plain.example/syn HTTP/1.1\r\nHost: plain.example\r\n\r\n");
        assertThat(resp).startsWith("HTTP/1.1 503").contains("connect timeout: connecting to 127.0.0.1:"
                + full.getLocalPort() + " took longer than 400 ms");
        AccessLogEntry e = rig.awaitLog(x -> x.request().orElse("").contains("/syn"));
        assertThat(e.reason()).startsWith("upstream connect error: connect timeout: connecting to");
    }

    @Test
    void aTunnelWhoseUpstreamNeverAnswersIsRefusedAfterTheTimeout() throws Exception {
        String resp = Rig.raw(sidecar.address(), "CONNECT plain.example:443 HTTP/1.1\r\nHost: plain.example:443\r\n\r\n");
        assertThat(resp).startsWith("HTTP/1.1 503").contains("connect timeout: connecting to 127.0.0.1:"
                + full.getLocalPort());
    }

    private static String metrics() throws Exception {
        return Rig.get(HttpClient.newHttpClient(),
                "http://127.0.0.1:" + sidecar.adminAddress().orElseThrow().getPort() + "/metrics").body();
    }
}
