package dev.tollgate.config;

import dev.tollgate.core.model.PortProtocol;
import dev.tollgate.core.model.ServerTlsMode;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Istio's ValidateGateway, validateServer and validateTLSOptions, on the YAML nodes. */
final class GatewayRules {
    private GatewayRules() {
    }

    static void validate(FieldNode spec, Problems.Scoped p) {
        List<FieldNode> servers = spec.list("servers");
        if (servers.isEmpty()) {
            p.error("missing-field", spec.get("servers").orElse(spec), "gateway must have at least one server");
        }
        Set<String> portNames = new HashSet<>();
        for (FieldNode server : servers) {
            server(server, p);
            server.get("port").flatMap(port -> port.get("name")).ifPresent(name -> {
                if (!portNames.add(name.text())) {
                    p.error("invalid-field", name, "port names in servers must be unique: duplicate name " + name.text());
                }
            });
        }
    }

    private static void server(FieldNode server, Problems.Scoped p) {
        List<FieldNode> hosts = server.list("hosts");
        if (hosts.isEmpty()) {
            p.error("missing-field", server.get("hosts").orElse(server), "server config must contain at least one host");
        }
        for (FieldNode host : hosts) {
            IstioNames.namespaceSlashHost(host.text(), true).ifPresent(m -> p.error("invalid-field", host, m));
        }
        Optional<FieldNode> port = server.get("port");
        if (port.isEmpty()) {
            p.error("missing-field", server, "port is required");
        } else {
            FieldNode pt = port.get();
            int before = p.errors();
            String protocol = pt.string("protocol").orElse("");
            if (PortProtocol.parse(protocol).isUnsupported()) {
                p.error("invalid-field", pt.get("protocol").orElse(pt), "invalid protocol \"" + protocol
                        + "\", supported protocols are HTTP, HTTP2, GRPC, GRPC-WEB, HTTPS, TLS, MONGO, REDIS, MYSQL, TCP");
            }
            IstioNames.port(pt.number("number")).ifPresent(m -> p.error("invalid-field", pt.get("number").orElse(pt), m));
            pt.get("targetPort").filter(t -> pt.number("targetPort") > 0)
                    .ifPresent(t -> p.error("invalid-field", t, "targetPort has no impact on Gateways"));
            if (pt.string("name").orElse("").isEmpty()) {
                p.error("missing-field", pt, "port name must be set");
            }
            if (p.errors() == before) {
                // Istio's validateServer, with pkg/config/protocol and gateway.IsPassThroughServer
                Optional<FieldNode> tls = server.get("tls");
                PortProtocol parsed = PortProtocol.parse(protocol);
                if (parsed.isTls() && tls.isEmpty()) {
                    p.error("missing-field", server, "server must have TLS settings for HTTPS/TLS protocols");
                } else if (!parsed.isTls() && tls.isPresent()) {
                    boolean passThrough = ServerTlsMode.named(tls.get().string("mode").orElse("PASSTHROUGH"))
                            .map(ServerTlsMode::passthrough).orElse(false);
                    boolean certs = tls.get().has("caCertificates") || tls.get().has("privateKey")
                            || tls.get().has("serverCertificate");
                    if (!parsed.isHttp()) {
                        p.error("invalid-field", tls.get(), "server cannot have TLS settings for non HTTPS/TLS ports");
                    } else if (!passThrough || certs) {
                        p.error("invalid-field", tls.get(), "server cannot have TLS settings for plain text HTTP ports");
                    }
                }
            }
        }
        server.get("bind").filter(b -> !b.text().isEmpty() && !b.text().startsWith("unix://")
                && !IstioNames.isIpAddress(b.text())).ifPresent(b -> p.error("invalid-field", b,
                b.text() + " is not a valid IP"));
        server.get("tls").ifPresent(tls -> tlsOptions(tls, p));
    }

    /** Server-side TLS: which certificate fields each mode needs or forbids. */
    static void tlsOptions(FieldNode tls, Problems.Scoped p) {
        // an unknown mode is the strict loader's to report; here it needs nothing
        ServerTlsMode mode = ServerTlsMode.named(tls.string("mode").orElse("PASSTHROUGH"))
                .orElse(ServerTlsMode.PASSTHROUGH);
        boolean credential = !tls.string("credentialName").orElse("").isEmpty();
        if (mode == ServerTlsMode.ISTIO_MUTUAL) {
            for (String f : List.of("serverCertificate", "privateKey", "caCertificates", "credentialName")) {
                tls.get(f).filter(v -> !v.text().isEmpty()).ifPresent(v -> p.error("invalid-field", v,
                        "ISTIO_MUTUAL TLS cannot have associated " + f));
            }
            return;
        }
        if (mode.needsServerCredentials() && !credential) {
            String name = mode == ServerTlsMode.SIMPLE ? "SIMPLE" : "MUTUAL";
            if (tls.string("serverCertificate").orElse("").isEmpty()) {
                p.error("missing-field", tls, name + " TLS requires a server certificate (or credentialName)");
            }
            if (tls.string("privateKey").orElse("").isEmpty()) {
                p.error("missing-field", tls, name + " TLS requires a private key (or credentialName)");
            }
            if (mode != ServerTlsMode.SIMPLE && tls.string("caCertificates").orElse("").isEmpty()) {
                p.error("missing-field", tls, "MUTUAL TLS requires a client CA bundle");
            }
        }
    }
}
