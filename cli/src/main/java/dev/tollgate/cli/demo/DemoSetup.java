package dev.tollgate.cli.demo;

import dev.tollgate.identity.MeshCa;

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
}
