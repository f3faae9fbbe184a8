package dev.tollgate.cli.matrix;

import dev.tollgate.cli.mentions.ConfigMentions;
import dev.tollgate.core.model.ConfigSet;
import dev.tollgate.core.model.PortProtocol;
import dev.tollgate.core.model.Resource;
import dev.tollgate.core.model.net.HostName;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The matrix's columns: every host and port a ServiceEntry declares, then every host and port an egress Gateway
 * server declares (a Gateway's {@code namespace/host} is read as the host), then {@code --to}. A host:port declared
 * twice is one column with both declarers; its protocol is the first declarer's (a ServiceEntry's, which is what the
 * application speaks, before a gateway server's). A bare {@code *} is not a column: no request names it.
 */
public final class MatrixColumns {
    private MatrixColumns() {
    }

    private static final class Draft {
        final String host;
        final int port;
        final String protocol;
        final List<String> why = new ArrayList<>();

        Draft(String host, int port, String protocol) {
            this.host = host;
            this.port = port;
            this.protocol = protocol;
        }
    }

    public static List<MatrixColumn> of(ConfigSet set, List<MatrixColumn> extra) {
        Map<String, Draft> drafts = new LinkedHashMap<>();
        for (var se : set.serviceEntries()) {
            for (String host : nonNull(se.spec().getHosts())) {
                for (var port : nonNull(se.spec().getPorts())) {
                    if (port.getNumber() != null) {
                        add(drafts, host, port.getNumber().intValue(), port.getProtocol(), se);
                    }
                }
            }
        }
        for (var gw : set.gateways()) {
            for (var server : nonNull(gw.spec().getServers())) {
                if (server.getPort() == null || server.getPort().getNumber() == null) {
                    continue;
                }
                for (String host : nonNull(server.getHosts())) {
                    String h = host.contains("/") ? host.substring(host.indexOf('/') + 1) : host;
                    add(drafts, h, server.getPort().getNumber().intValue(), server.getPort().getProtocol(), gw);
                }
            }
        }
        List<MatrixColumn> out = new ArrayList<>();
        for (Draft d : drafts.values()) {
            out.add(column(d.host, d.port, d.protocol, d.why));
        }
        for (MatrixColumn c : extra) {
            if (out.stream().noneMatch(o -> o.id().equals(c.id()))) {
                out.add(c);
            }
        }
        out.sort(Comparator.comparing(MatrixColumn::host).thenComparingInt(MatrixColumn::port));
        return out;
    }

    private static void add(Map<String, Draft> drafts, String host, int port, String protocol, Resource<?> r) {
        if (host.equals("*") || host.isEmpty() || port < 1 || port > 65535) {
            return;
        }
        String h = HostName.fold(host);
        drafts.computeIfAbsent(h + ":" + port, k -> new Draft(h, port, protocol == null ? "" : protocol))
                .why.add(r.key() + " " + ConfigMentions.where(r.origin()));
    }

    /** A column; the scheme follows the protocol as Istio reads it (HTTP family, TLS family, else opaque TCP). */
    public static MatrixColumn column(String host, int port, String protocol, List<String> why) {
        PortProtocol p = PortProtocol.parse(protocol);
        String scheme = p.isHttp() ? "http" : p.isTls() ? "https" : "tcp";
        String probe = host.startsWith("*.") ? "www" + host.substring(1) : host;
        return new MatrixColumn(host + ":" + port, host, probe, port, protocol.toUpperCase(Locale.ROOT), scheme, why);
    }

    private static <T> List<T> nonNull(List<T> list) {
        return list == null ? List.of() : list;
    }
}
