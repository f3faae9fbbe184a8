package dev.tollgate.proxy;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Key;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * TLS origination resumes sessions: a connection that cannot be reused (here an HTTP/1.0 server that closes after
 * each response: {@code openssl s_server -www}, which says whether the session was reused) costs a resumed
 * handshake, not a full one, because the proxy's TLS context caches sessions per upstream host and port.
 */
class UpstreamTlsResumptionTest {
    static Rig rig;
    static Sidecar sidecar;
    static Process server;

    @BeforeAll
    static void start() throws Exception {
        rig = new Rig();
        CertifiedKey key = rig.publicCa.server("rawtls.example");
        Path cert = rig.dir.resolve("s_server-cert.pem");
        Path pkey = rig.dir.resolve("s_server-key.pem");
        Files.writeString(cert, pem("CERTIFICATE", key.leaf().getEncoded()));
        Files.writeString(pkey, pem("PRIVATE KEY", ((Key) key.key()).getEncoded()));
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        server = new ProcessBuilder("openssl", "s_server", "-accept", "127.0.0.1:" + port, "-www",
                "-cert", cert.toString(), "-key", pkey.toString())
                .redirectErrorStream(true).redirectOutput(rig.dir.resolve("s_server.log").toFile()).start();
        awaitListening(port);
        rig.sidecarHosts.add("rawtls.example:443:127.0.0.1:" + port);
        sidecar = rig.startSidecar(Rig.DEFAULT_SLEEP);
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.destroy();
            server.waitFor();
        }
        rig.close();
    }

    static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[]{'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    static void awaitListening(int port) throws InterruptedException {
        for (int i = 0; i < 200; i++) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                return;
            } catch (java.io.IOException e) {
                Thread.sleep(50);
            }
        }
        throw new AssertionError("openssl s_server did not start");
    }

    @Test
    void aNewOriginationConnectionResumesTheLastSession() throws Exception {
        String get = "GET http://rawtls.example/ HTTP/1.1\r\nHost: rawtls.example\r\n\r\n";
        try (HostileRig.Client c = new HostileRig.Client(sidecar.address())) {
            HostileRig.Response first = c.write(get).read();
            assertThat(first.code()).isEqualTo(200);
            assertThat(first.body()).contains("New, TLSv1.3");
        }
        for (int i = 0; i < 2; i++) {
            try (HostileRig.Client c = new HostileRig.Client(sidecar.address())) {
                HostileRig.Response again = c.write(get).read();
                assertThat(again.code()).isEqualTo(200);
                // the server closed the first connection (HTTP/1.0), so this is a new one: resumed, not full
                assertThat(again.body()).as("request %d", i).contains("Reused, TLSv1.3");
            }
        }
    }
}
