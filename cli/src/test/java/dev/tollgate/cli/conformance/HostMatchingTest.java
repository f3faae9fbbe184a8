package dev.tollgate.cli.conformance;

import dev.tollgate.cli.conformance.Conformance.Case;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.stream.Stream;

import static dev.tollgate.cli.conformance.Conformance.check;
import static dev.tollgate.cli.conformance.Yaml.httpSe;
import static dev.tollgate.cli.conformance.Yaml.se;
import static dev.tollgate.cli.conformance.Yaml.tlsSe;

/**
 * Which URL a ServiceEntry host covers, under REGISTRY_ONLY (so only registry hits get out).
 * https://istio.io/latest/docs/reference/config/networking/service-entry/ and
 * https://istio.io/latest/docs/tasks/traffic-management/egress/egress-control/ ("Accessing External Services").
 */
class HostMatchingTest {
    private static final String SE_HOSTS = "ServiceEntry.hosts: \"The hosts associated with the ServiceEntry. Could be a DNS"
            + " name with wildcard prefix.\" (istio.io/latest/docs/reference/config/networking/service-entry/#ServiceEntry)";
    private static final String REGISTRY_ONLY = "Accessing External Services: with REGISTRY_ONLY \"the Istio proxy blocks any"
            + " host without an HTTP service or service entry defined within the mesh\""
            + " (istio.io/latest/docs/tasks/traffic-management/egress/egress-control/)";
    private static final String CONTRACT = "issue 2 section 4 / DESIGN.md: host names match case-insensitively, with a"
            + " trailing dot ignored and the scheme's default port implied (DNS names are case-insensitive, RFC 4343)";
    private static final String WILDCARD = "ServiceEntry/VirtualService hosts: a wildcard prefix \"*.foo.com\" matches"
            + " bar.foo.com (any depth, Istio wildcard semantics), not foo.com itself"
            + " (istio.io/latest/docs/reference/config/networking/virtual-service/#VirtualService)";

    @TempDir
    Path dir;

    static Stream<Case> cases() {
        return Stream.of(
                check("exact TLS host on 443 is allowed", SE_HOSTS)
                        .file(tlsSe("api.example.com")).registryOnly().allowed("https://api.example.com/"),
                check("host not in the registry is blocked", REGISTRY_ONLY)
                        .file(tlsSe("api.example.com")).registryOnly().blocked("https://other.example.com/"),
                check("upper-case URL host matches a lower-case ServiceEntry host", CONTRACT)
                        .file(tlsSe("api.example.com")).registryOnly().allowed("https://API.Example.COM/"),
                check("upper-case ServiceEntry host matches a lower-case URL", CONTRACT)
                        .file(tlsSe("API.Example.com")).registryOnly().allowed("https://api.example.com/"),
                check("trailing dot in the URL host is ignored", CONTRACT)
                        .file(tlsSe("api.example.com")).registryOnly().allowed("https://api.example.com./"),
                check("https default port 443 implied; explicit :443 is the same", CONTRACT)
                        .file(tlsSe("api.example.com")).registryOnly().allowed("https://api.example.com:443/"),
                check("https on a port the ServiceEntry does not declare is blocked", REGISTRY_ONLY)
                        .file(tlsSe("api.example.com")).registryOnly().blocked("https://api.example.com:8443/"),
                check("http default port 80 implied", CONTRACT)
                        .file(httpSe("api.example.com")).registryOnly().allowed("http://api.example.com/"),
                check("http with explicit :80 is the same", CONTRACT)
                        .file(httpSe("api.example.com")).registryOnly().allowed("http://api.example.com:80/path"),
                check("http on an undeclared port is blocked", REGISTRY_ONLY)
                        .file(httpSe("api.example.com")).registryOnly().blocked("http://api.example.com:8080/"),
                check("explicit non-default port declared in the ServiceEntry is allowed", SE_HOSTS)
                        .file(se("alt", "api.example.com", 8443, "TLS")).registryOnly()
                        .allowed("https://api.example.com:8443/"),
                check("explicit non-default port: default port of the scheme is then not declared", REGISTRY_ONLY)
                        .file(se("alt", "api.example.com", 8443, "TLS")).registryOnly()
                        .blocked("https://api.example.com/"),
                check("HTTP ServiceEntry on 80: another host on port 80 is blocked (Host decides)", REGISTRY_ONLY)
                        .file(httpSe("api.example.com")).registryOnly().blocked("http://evil.example.com/"),
                check("HTTP ServiceEntry on 80: upper-case Host still matches", CONTRACT)
                        .file(httpSe("api.example.com")).registryOnly().allowed("http://API.EXAMPLE.COM/"),
                check("wildcard *.example.com matches one label", WILDCARD)
                        .file(tlsSe("*.example.com")).registryOnly().allowed("https://a.example.com/"),
                check("wildcard *.example.com matches several labels", WILDCARD)
                        .file(tlsSe("*.example.com")).registryOnly().allowed("https://a.b.example.com/"),
                check("wildcard *.example.com does not match example.com itself", WILDCARD)
                        .file(tlsSe("*.example.com")).registryOnly().blocked("https://example.com/"),
                check("wildcard *.example.com does not match notexample.com", WILDCARD)
                        .file(tlsSe("*.example.com")).registryOnly().blocked("https://notexample.com/"),
                check("wildcard *.example.com does not match example.com.evil.net", WILDCARD)
                        .file(tlsSe("*.example.com")).registryOnly().blocked("https://example.com.evil.net/"),
                check("wildcard HTTP host on 80", WILDCARD)
                        .file(httpSe("*.example.com")).registryOnly().allowed("http://www.example.com/"),
                check("wildcard host with upper-case URL", CONTRACT)
                        .file(tlsSe("*.example.com")).registryOnly().allowed("https://WWW.EXAMPLE.COM/"),
                check("exact host beside a wildcard: both resolve", WILDCARD)
                        .file(tlsSe("*.example.com")).file(tlsSe("example.com")).registryOnly()
                        .allowed("https://example.com/"),
                check("IP literal URL not in the registry is blocked", REGISTRY_ONLY)
                        .file(tlsSe("api.example.com")).registryOnly().blocked("https://203.0.113.7/"),
                check("IP literal URL allowed under ALLOW_ANY", "meshConfig.outboundTrafficPolicy ALLOW_ANY: \"outbound"
                        + " traffic to unknown destinations will be allowed\" (istio.io/latest/docs/reference/config/istio.mesh.v1alpha1/)")
                        .meshDefaults().allowed("https://203.0.113.7/"),
                check("tcp:// to a host:port in the registry", SE_HOSTS)
                        .file(se("db", "db.example.com", 5432, "TCP")).registryOnly()
                        .allowed("tcp://db.example.com:5432"),
                check("tcp:// to a port no ServiceEntry declares is blocked", REGISTRY_ONLY)
                        .file(se("db", "db.example.com", 5432, "TCP")).registryOnly()
                        .blocked("tcp://db.example.com:5433"),
                check("tcp:// to an IP the ServiceEntry lists in addresses", "ServiceEntry.addresses: \"The virtual IP"
                        + " addresses associated with the service\"; for opaque TCP \"the IP addresses specified in the"
                        + " Addresses field or the port will be used to uniquely identify the destination\"")
                        .file("""
                                apiVersion: networking.istio.io/v1
                                kind: ServiceEntry
                                metadata:
                                  name: db-ip
                                spec:
                                  hosts: [db.internal.example]
                                  addresses: [203.0.113.10]
                                  location: MESH_EXTERNAL
                                  ports:
                                  - number: 5432
                                    name: tcp-pg
                                    protocol: TCP
                                  resolution: STATIC
                                  endpoints:
                                  - address: 203.0.113.10
                                """).registryOnly().allowed("tcp://203.0.113.10:5432"));
    }

    private static final String TLS_SNI = "ServiceEntry.hosts: \"For HTTPs or TLS traffic containing Server Name"
            + " Indication (SNI), the SNI value will be matched against the hosts field\"; TLS without SNI (raw TCP,"
            + " plain HTTP) matches no TLS filter chain";
    private static final String HTTP_HOST = "ServiceEntry.hosts: \"For HTTP traffic the HTTP Host/Authority header will"
            + " be matched against the hosts field\"";

    static Stream<Case> moreCases() {
        return Stream.of(
                check("same host in two namespaces: the client's own entry serves its port", SE_HOSTS)
                        .file("default", se("a", "api.example.com", 443, "TLS")).file("otherns", se("b", "api.example.com", 8443, "TLS"))
                        .registryOnly().allowed("https://api.example.com/"),
                check("same host, one entry per port in one namespace: the ports merge", SE_HOSTS + "; istio/istio"
                        + " SidecarScope merges the ports of services with one hostname in one namespace")
                        .file("default", se("a", "api.example.com", 443, "TLS") + "---\n" + se("b", "api.example.com", 8443, "TLS"))
                        .registryOnly().allowed("https://api.example.com:8443/"),
                check("exact entry without the port, wildcard entry in another namespace with it", WILDCARD + "; TLS"
                        + " listeners are per port").file("default", se("a", "api.example.com", 443, "TLS"))
                        .file("otherns", se("w", "*.example.com", 9443, "TLS")).registryOnly()
                        .allowed("https://api.example.com:9443/"),

                check("ALLOW_ANY: a known host on an undeclared port passes through", "meshConfig ALLOW_ANY: \"outbound"
                        + " traffic to unknown destinations will be allowed\"").file(tlsSe("api.example.com"))
                        .allowed("http://api.example.com/"),
                check("ALLOW_ANY: unknown port, unknown host", "meshConfig ALLOW_ANY").meshDefaults().allowed("http://unknown.example.org:8080/"),
                check("Host header with a trailing dot is the same host", HTTP_HOST + "; " + CONTRACT)
                        .file(httpSe("api.example.com")).registryOnly().args("-H", "Host: api.example.com.")
                        .allowed("http://api.example.com/"),
                // issue 7: refused where the URL is read, as the proxies refuse the authority (one HostName rule)
                check("a name longer than DNS allows matches no wildcard", WILDCARD + "; RFC 1035: 253 characters at most")
                        .file(tlsSe("*.example.com")).registryOnly()
                        .error("https://" + String.join(".", "a".repeat(63), "a".repeat(63), "a".repeat(63), "a".repeat(63))
                                + ".example.com/", "is longer than 253 characters"),

                check("wildcard entry covers a port the exact entry lacks", WILDCARD + "; TLS listeners are per port, the"
                        + " SNI matches *.example.com on 8443").file(se("w", "*.example.com", 8443, "TLS"))
                        .file(tlsSe("api.example.com")).registryOnly().allowed("https://api.example.com:8443/"),
                check("HTTP wildcard entry beside an exact TLS entry", HTTP_HOST)
                        .file(httpSe("*.example.com")).file(tlsSe("api.example.com")).registryOnly()
                        .allowed("http://api.example.com/"),
                check("Host header of a known host on an unknown URL host is refused", HTTP_HOST + "; DESIGN.md: Host"
                        + " differing from the requested host is refused").file(httpSe("api.example.com")).registryOnly()
                        .args("-H", "Host: api.example.com").refused("http://evil.example.com/"),
                check("Host header of another host on a known URL host is refused, even without a VirtualService",
                        "DESIGN.md: \"the sidecar: Host or SNI differs from the requested host -> 502, with the reason\"")
                        .file(httpSe("api.example.com")).registryOnly().args("-H", "Host: evil.example.com")
                        .blocked("http://api.example.com/").outContains("Host header evil.example.com does not match"),
                check("Host header of another host is refused under ALLOW_ANY too", "DESIGN.md: \"the sidecar: Host"
                        + " or SNI differs from the requested host -> 502\"").args("-H", "Host: evil.example.com")
                        .meshDefaults().blocked("http://unknown.example.org/"),
                check("Host header with another port is refused", "DESIGN.md: Host differing from the requested"
                        + " host:port is refused; " + CONTRACT).file(httpSe("api.example.com")).registryOnly()
                        .args("-H", "Host: api.example.com:8080").blocked("http://api.example.com/"),
                check("a TCP entry without addresses claims only its own host, not every host on its port",
                        "istioctl IST0134: \"If addresses is not set, all traffic on the port defined in the ServiceEntry is"
                        + " matched, regardless of the host\" (transparent capture); Tollgate's sidecar knows the name, as"
                        + " Istio's with DNS capture and IP auto-allocation (deliberate, see SidecarScope.lookup)")
                        .file(se("db", "db.example.com", 5432, "TCP")).registryOnly().blocked("tcp://other.example.com:5432"),
                check("Host header in another case is the same host", HTTP_HOST + "; " + CONTRACT)
                        .file(httpSe("api.example.com")).registryOnly().args("-H", "Host: API.EXAMPLE.COM")
                        .allowed("http://api.example.com/"),
                check("Host header with the default port is the same host", HTTP_HOST)
                        .file(httpSe("api.example.com")).registryOnly().args("-H", "Host: api.example.com:80")
                        .allowed("http://api.example.com/"),
                check("HTTPS protocol port is TLS with SNI", TLS_SNI)
                        .file(se("s", "api.example.com", 443, "HTTPS")).registryOnly().allowed("https://api.example.com/"),
                check("TLS client on a port declared HTTP is refused", "ServicePort.protocol: \"The protocol exposed on the"
                        + " port. MUST be one of HTTP|HTTPS|GRPC|HTTP2|MONGO|TCP|TLS\"; an HTTP port does not carry TLS")
                        .file(se("s", "api.example.com", 443, "HTTP")).registryOnly().refused("https://api.example.com/"),
                check("raw TCP (no SNI) to a TLS port is refused", TLS_SNI)
                        .file(tlsSe("api.example.com")).registryOnly().refused("tcp://api.example.com:443"),
                check("plain HTTP to a TLS port is refused", TLS_SNI)
                        .file(tlsSe("api.example.com")).registryOnly().refused("http://api.example.com:443/"),
                check("userinfo in the URL is not part of the host", CONTRACT + "; RFC 3986 authority")
                        .file(tlsSe("api.example.com")).registryOnly().allowed("https://user:pw@api.example.com/"),
                check("upper-case scheme", "RFC 3986: schemes are case-insensitive")
                        .file(tlsSe("api.example.com")).registryOnly().allowed("HTTPS://api.example.com/"),
                check("tcp:// to an IP inside a CIDR address", "ServiceEntry.addresses: \"The virtual IP addresses"
                        + " associated with the service. Could be CIDR prefix\"").file("""
                                apiVersion: networking.istio.io/v1
                                kind: ServiceEntry
                                metadata:
                                  name: cidr
                                spec:
                                  hosts: [db.internal.example]
                                  addresses: [203.0.113.0/24]
                                  location: MESH_EXTERNAL
                                  ports:
                                  - number: 5432
                                    name: tcp
                                    protocol: TCP
                                  resolution: NONE
                                """).registryOnly().allowed("tcp://203.0.113.77:5432"),
                check("DNS_ROUND_ROBIN resolution is a registry entry like DNS", SE_HOSTS).file("""
                                apiVersion: networking.istio.io/v1
                                kind: ServiceEntry
                                metadata:
                                  name: rr
                                spec:
                                  hosts: [api.example.com]
                                  ports:
                                  - {number: 443, name: a, protocol: TLS}
                                  resolution: DNS_ROUND_ROBIN
                                """).registryOnly().allowed("https://api.example.com/"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource({"cases", "moreCases"})
    void conforms(Case c) throws Exception {
        c.run(dir);
    }
}
