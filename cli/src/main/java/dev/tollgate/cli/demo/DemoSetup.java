package dev.tollgate.cli.demo;

import dev.tollgate.identity.MeshCa;
import dev.tollgate.identity.PemFiles;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.concurrent.ThreadLocalRandom;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Everything the demo's proxies are started with.
 *
 * @param config       the watched configuration files ({@link DemoConfig#sources()})
 * @param meshCaDir    the mesh CA folder: the proxies' {@code --ca-dir}
 * @param meshCa       the same CA, loaded
 * @param publicCaFile the demo "public" CA's root (PEM): the gateway's upstream CA bundle and curl's {@code --cacert}
 * @param publicCa     the same root
 * @param standIns     the stand-in hosts by name
 */
public record DemoSetup(DemoConfig config, Path meshCaDir, MeshCa meshCa, Path publicCaFile, X509Certificate publicCa,
                        Map<String, StandInHost> standIns) {

    public DemoSetup {
        standIns = Map.copyOf(standIns);
    }

    /**
     * Where the external hosts really are, in curl's {@code --connect-to HOST:PORT:ADDR:PORT} form: port 80 to the
     * stand-in's HTTP listener and 443 to its HTTPS one. Both proxies take these.
     */
    public List<String> standInConnectTo() {
        List<String> out = new ArrayList<>();
        for (String host : Scenario.HOSTS) {
            StandInHost s = standIns.get(host);
            out.add(connectTo(host, 80, s.httpAddress()));
            out.add(connectTo(host, 443, s.httpsAddress()));
        }
        return List.copyOf(out);
    }

    static String connectTo(String host, int port, InetSocketAddress to) {
        return host + ":" + port + ":" + to.getAddress().getHostAddress() + ":" + to.getPort();
    }

    /**
     * The CAs, the stand-in hosts and the config folder; everything started is added to {@code running}. The demo
     * and the end-to-end tests on a mock cluster start from it.
     */
    public static DemoSetup prepare(Path dir, List<AutoCloseable> running) {
        Path meshCaDir = dir.resolve("mesh-ca");
        MeshCa meshCa = MeshCa.init(meshCaDir, MeshCa.DEFAULT_TRUST_DOMAIN);
        MeshCa publicCa = MeshCa.generate("public.tollgate.demo");
        Path publicCaFile = dir.resolve("public-ca.pem");
        PemFiles.writeCertificates(publicCaFile, List.of(publicCa.rootCertificate()));
        Map<String, StandInHost> standIns = new LinkedHashMap<>();
        for (String host : Scenario.HOSTS) {
            StandInHost s = StandInHost.start(host, publicCa.issueServer(List.of(host), Duration.ofDays(1)));
            running.add(s);
            standIns.put(host, s);
        }
        return new DemoSetup(new DemoConfig(dir.resolve("config")), meshCaDir, meshCa, publicCaFile,
                publicCa.rootCertificate(), standIns);
    }

    /**
     * An offset with offset+80 and offset+443 free on 127.0.0.1 now: a gateway's {@code --port-offset}, which binds them
     * as steps need; sidecars reach it by mapping its Service's ports there.
     */
    public static int gatewayPortOffset() throws IOException {
        for (int attempt = 0; attempt < 50; attempt++) {
            int offset = ThreadLocalRandom.current().nextInt(20_000, 60_000);
            if (free(offset + 80) && free(offset + 443)) {
                return offset;
            }
        }
        throw new IOException("no free pair of loopback ports for the gateway's listeners");
    }

    private static boolean free(int port) {
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

}
