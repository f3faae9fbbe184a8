package dev.tollgate.core.model;

import java.util.Locale;

/**
 * A port's protocol as Istio names it, after Istio's {@code pkg/config/protocol} ({@code protocol.Instance}).
 * Every Tollgate layer reads protocols through {@link #parse}, so "https", "HTTPS" and "Https" are one protocol and a
 * name Istio does not know is {@link #UNSUPPORTED} everywhere (Istio then sniffs; validation refuses it where Istio
 * does). {@code HBONE} and {@code DoubleHBONE} are internal to Istio and never parsed from config, as in Istio.
 */
public enum PortProtocol {
    GRPC("GRPC"), GRPC_WEB("GRPC-Web"), HTTP("HTTP"), HTTP_PROXY("HTTP_PROXY"), HTTP2("HTTP2"), HTTPS("HTTPS"),
    TCP("TCP"), TLS("TLS"), UDP("UDP"), MONGO("Mongo"), REDIS("Redis"), MYSQL("MySQL"),
    UNSUPPORTED("UnsupportedProtocol");

    private final String istioName;

    PortProtocol(String istioName) {
        this.istioName = istioName;
    }

    /** Istio's {@code protocol.Parse}: case-insensitive; {@code null}, empty and unknown names are unsupported. */
    public static PortProtocol parse(String s) {
        if (s == null) {
            return UNSUPPORTED;
        }
        // config writes protocols in upper case: those need no case conversion (this runs on every decision)
        switch (s) {
            case "HTTP": return HTTP;
            case "HTTPS": return HTTPS;
            case "TCP": return TCP;
            case "TLS": return TLS;
            case "HTTP2": return HTTP2;
            case "GRPC": return GRPC;
            default: break;
        }
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "tcp" -> TCP;
            case "udp" -> UDP;
            case "grpc" -> GRPC;
            case "grpc-web" -> GRPC_WEB;
            case "http" -> HTTP;
            case "http_proxy" -> HTTP_PROXY;
            case "http2" -> HTTP2;
            case "https" -> HTTPS;
            case "tls" -> TLS;
            case "mongo" -> MONGO;
            case "redis" -> REDIS;
            case "mysql" -> MYSQL;
            default -> UNSUPPORTED;
        };
    }

    /** Ports Istio reads as TCP when nothing names their protocol ({@code pkg/config/kube wellKnownPorts}). */
    private static final java.util.Set<Integer> WELL_KNOWN_TCP_PORTS = java.util.Set.of(25, 53, 3306, 27017);

    /**
     * A Kubernetes Service port's protocol, as Istio infers it ({@code pkg/config/kube/conversion.go ConvertProtocol}):
     * <ol>
     *   <li>{@code protocol: UDP} is UDP, whatever the names say (SCTP has no such rule: it goes on like TCP);</li>
     *   <li>else {@code appProtocol} when it is set, even to "", in place of the port's name; Kubernetes' own
     *       {@code kubernetes.io/h2c}, {@code kubernetes.io/ws} and {@code kubernetes.io/wss} are HTTP2, HTTP and
     *       HTTPS (only as appProtocol);</li>
     *   <li>a name starting with {@code grpc-web} (any case) is GRPC-Web;</li>
     *   <li>else the name up to its first {@code -} is parsed as {@link #parse} does: {@code http}, {@code http-x},
     *       {@code HTTP2-x} and {@code mysql} name protocols, {@code httpx} or {@code x-http} do not;</li>
     *   <li>an unknown name on one of the well-known ports 25, 53, 3306 and 27017 is TCP; elsewhere it stays
     *       {@link #UNSUPPORTED}, which Istio sniffs (auto-detection).</li>
     * </ol>
     *
     * @param kubernetesProtocol {@code ports[].protocol} (TCP when absent)
     * @param appProtocol        {@code ports[].appProtocol}, null when absent
     */
    public static PortProtocol ofKubernetesPort(int port, String name, String kubernetesProtocol, String appProtocol) {
        if ("UDP".equals(kubernetesProtocol)) {
            return UDP;
        }
        String n = name == null ? "" : name;
        if (appProtocol != null) {
            n = appProtocol;
            switch (n) {
                case "kubernetes.io/h2c": return HTTP2;
                case "kubernetes.io/ws": return HTTP;
                case "kubernetes.io/wss": return HTTPS;
                default: break;
            }
        }
        if (n.regionMatches(true, 0, "grpc-web", 0, "grpc-web".length())) {
            return GRPC_WEB;
        }
        int dash = n.indexOf('-');
        PortProtocol p = parse(dash >= 0 ? n.substring(0, dash) : n);
        return p == UNSUPPORTED && WELL_KNOWN_TCP_PORTS.contains(port) ? TCP : p;
    }

    /** Istio's {@code IsHTTP}: HTTP is the transport (HTTP, HTTP2, HTTP_PROXY, GRPC, GRPC-Web). */
    public boolean isHttp() {
        return switch (this) {
            case HTTP, HTTP2, HTTP_PROXY, GRPC, GRPC_WEB -> true;
            default -> false;
        };
    }

    /** Istio's {@code IsHTTP2}. */
    public boolean isHttp2() {
        return this == HTTP2 || this == GRPC || this == GRPC_WEB;
    }

    /** Istio's {@code IsTCP}: opaque to the proxy (TCP, HTTPS, TLS, Mongo, Redis, MySQL). */
    public boolean isTcp() {
        return switch (this) {
            case TCP, HTTPS, TLS, MONGO, REDIS, MYSQL -> true;
            default -> false;
        };
    }

    /** Istio's {@code IsTLS}: a protocol on top of TLS (HTTPS, TLS). */
    public boolean isTls() {
        return this == HTTPS || this == TLS;
    }

    /** Istio's {@code IsHTTPS}. */
    public boolean isHttps() {
        return this == HTTPS;
    }

    /** Istio's {@code IsGRPC}. */
    public boolean isGrpc() {
        return this == GRPC || this == GRPC_WEB;
    }

    /** Istio's {@code IsUnsupported}. */
    public boolean isUnsupported() {
        return this == UNSUPPORTED;
    }

    /** Istio's {@code AfterTLSTermination}: HTTPS becomes HTTP, TLS becomes TCP. */
    public PortProtocol afterTlsTermination() {
        return switch (this) {
            case HTTPS -> HTTP;
            case TLS -> TCP;
            default -> this;
        };
    }

    /** The name as Istio's constant spells it ({@code GRPC-Web}, {@code Mongo}). */
    public String istioName() {
        return istioName;
    }

    /** Upper case, as Tollgate's messages have always written protocols ({@code GRPC-WEB}, {@code MONGO}). */
    @Override
    public String toString() {
        return istioName.toUpperCase(Locale.ROOT);
    }
}
