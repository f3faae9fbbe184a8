package dev.tollgate.core.routing;

import dev.tollgate.core.model.PortProtocol;

import java.util.ArrayList;
import java.util.List;

/**
 * Which servers of one port share its listener, as Istio's {@code mergeGateways} (pilot/pkg/model/gateway.go) decides
 * for servers without {@code bind}, in the order the Gateways are merged:
 * <ul>
 *   <li>the first server on a port is always kept;</li>
 *   <li>once a plain server (not {@code gateway.IsTLSServer}: plain HTTP or opaque TCP) holds the port, a later server
 *       is kept only if {@code canMergeProtocols}: both are HTTP ({@code (current.IsHTTP() || current == p) &&
 *       p.IsHTTP()}), so a TLS server after a plain one, or a second TCP server, is skipped ("conflict with existing
 *       server");</li>
 *   <li>while only TLS servers hold the port, a later TLS server is kept (Envoy tells them apart by SNI), and so is a
 *       later plain server, which becomes the port's plain server.</li>
 * </ul>
 * {@code buildGatewayListeners} (pilot/pkg/networking/core/gateway.go) then puts every kept server's filter chain on
 * the one listener of that port: TLS servers with {@code server_names} from their hosts, plain servers without.
 */
final class GatewayPortMerge {
    private GatewayPortMerge() {
    }

    /** The servers kept, in order, from {@code onPort} (the servers of one port, in Gateway order). */
    static List<GatewayServer> kept(List<GatewayServer> onPort) {
        List<GatewayServer> kept = new ArrayList<>();
        GatewayServer plain = null;
        for (GatewayServer s : onPort) {
            if (plain != null && !canMergeProtocols(plain.kind().protocol(), s.kind().protocol())) {
                continue;
            }
            kept.add(s);
            if (plain == null && !s.kind().isTlsServer()) {
                plain = s;
            }
        }
        return List.copyOf(kept);
    }

    /** Istio's {@code canMergeProtocols}. */
    private static boolean canMergeProtocols(PortProtocol current, PortProtocol p) {
        return (current.isHttp() || current == p) && p.isHttp();
    }
}
