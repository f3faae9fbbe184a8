package dev.tollgate.cli.conformance;

import dev.tollgate.cli.conformance.Conformance.Case;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.stream.Stream;

import static dev.tollgate.cli.conformance.Conformance.check;
import static dev.tollgate.cli.conformance.Yaml.istioOperator;
import static dev.tollgate.cli.conformance.Yaml.sidecar;
import static dev.tollgate.cli.conformance.Yaml.tlsSe;

/**
 * Kubernetes {@code v1 Service}s in the service registry (issues 9 and 10), each case against the Istio code or
 * document it follows (istio/istio at the commit read for this table: pilot/pkg/serviceregistry/kube/conversion.go,
 * pkg/config/kube/conversion.go, pilot/pkg/networking/core/httproute.go, pilot/pkg/model/sidecar.go).
 */
class KubernetesServiceTest {
    private static final String CONVERT_SERVICE = "kube/conversion.go ConvertService: Hostname is"
            + " ServiceHostname(name, namespace, domainSuffix) = \"name.namespace.svc.cluster.local\", Ports from"
            + " svc.Spec.Ports, ClusterIP the address, ServiceRegistry provider.Kubernetes";
    private static final String PROTOCOL = "pkg/config/kube/conversion.go ConvertProtocol: \"if proto =="
            + " corev1.ProtocolUDP { return protocol.UDP }\"; \"If application protocol is set, we will use that. If"
            + " not, use the port name\"; kubernetes.io/h2c -> HTTP2, kubernetes.io/ws -> HTTP, kubernetes.io/wss ->"
            + " HTTPS; a grpc-web prefix; else the name up to its first '-' through protocol.Parse (\"Parse from"
            + " string ignoring case\"); an unknown name on ports 25, 53, 3306, 27017 is TCP, elsewhere"
            + " UnsupportedProtocol (sniffed)";
    private static final String EXPORT_TO = "kube/conversion.go ConvertService: the annotation"
            + " networking.istio.io/exportTo, split at ',' and trimmed, is the Service's ExportTo; empty, the mesh's"
            + " defaultServiceExportTo (\"The default value for the ServiceEntry.exportTo field and services imported"
            + " through container registry integrations\")";
    private static final String HEADLESS = "kube/conversion.go ConvertService: \"if svc.Spec.ClusterIP =="
            + " corev1.ClusterIPNone { // headless services should not be load balanced resolution ="
            + " model.Passthrough\"";
    private static final String ALIAS = "kube/conversion.go ConvertService: type ExternalName -> resolution"
            + " model.Alias; release note external-name-on: \"ExternalNames are now simply treated as aliases. Wherever"
            + " we would match Host: <concrete service> we additionally will match Host: <external name service>\" and"
            + " \"VirtualServices that route to an ExternalName service will no longer work unless the referenced"
            + " service exists (as a Service or ServiceEntry)\"; sidecar.go matchingAliasService";
    private static final String SHORT = "httproute.go generateAltVirtualHostsForKubernetesService, proxy DNS domain"
            + " NS.svc.cluster.local: same namespace -> name, name.ns.svc, name.ns; different namespace -> name.ns,"
            + " name.ns.svc (never the bare name)";
    private static final String REGISTRY_ONLY = "MeshConfig.OutboundTrafficPolicy REGISTRY_ONLY: \"outbound traffic"
            + " will be restricted to services defined in the service registry as well as those defined through"
            + " ServiceEntry configurations\"";
    private static final String SIDECAR = "sidecar.go selectServices: an import ns/host of the service's namespace,"
            + " else */host; Sidecar.egress.hosts \"namespace/dnsName ... services in the specified namespace\"";
    private static final String PRECEDENCE = "sidecar.go selectServices (PILOT_UNIFIED_SIDECAR_SCOPE): \"preferring"
            + " Kubernetes services over ServiceEntry\"; push_context.go initServiceRegistry keeps a Kubernetes"
            + " Service over a ServiceEntry of the same host and namespace";
    private static final String VALIDATION = "Kubernetes ValidateService (pkg/apis/core/validation): a DNS-1035"
            + " name, IANA_SVC_NAME port names unique and required with several ports, ports 1-65535, protocols TCP,"
            + " UDP, SCTP, a qualified-name appProtocol, clusterIP None or an IP, externalName required for type"
            + " ExternalName; exportTo checked as Istio's validateExportTo";

    private static final String DB = "http://db.default.svc.cluster.local";

    @TempDir
    Path dir;

    /** A Service in the file's namespace with a ClusterIP and the given ports (YAML list items). */
    private static String svc(String name, String ports) {
        return svcWith(name, "", "  clusterIP: 10.96.0.20\n  ports:\n" + ports.indent(2));
    }

    private static String svcWith(String name, String metadataExtra, String specBody) {
        return "apiVersion: v1\nkind: Service\nmetadata:\n  name: " + name + "\n" + metadataExtra + "spec:\n"
                + specBody;
    }

    private static String port(String name, int number) {
        return "- name: " + name + "\n  port: " + number + "\n";
    }

    private static String annotated(String exportTo) {
        return svcWith("db", "  annotations:\n    networking.istio.io/exportTo: \"" + exportTo + "\"\n",
                "  ports:\n  - name: tcp\n    port: 5432\n");
    }

    /** Reached through the full host (in TLS on a TLS port); the registry hop names the port's protocol. */
    private static Case protocol(String name, String ports, int number, String shown) {
        String url = (shown.equals("HTTPS") || shown.equals("TLS") ? DB.replace("http:", "https:") : DB) + ":"
                + number + "/";
        return check(name, PROTOCOL).file("default", svc("db", ports)).registryOnly().text()
                .allowed(url).outContains("declares db.default.svc.cluster.local port " + number
                        + "/" + shown + "\n");
    }

    static Stream<Case> cases() {
        return Stream.of(
                protocol("name http-web is HTTP", port("http-web", 8080), 8080, "HTTP"),
                protocol("name exactly http is HTTP", port("http", 8080), 8080, "HTTP"),
                protocol("name http2-x is HTTP2", port("http2-x", 8080), 8080, "HTTP2"),
                protocol("name https-x is HTTPS", port("https-x", 8443), 8443, "HTTPS"),
                protocol("name grpc-web-x is GRPC-Web (before the '-' split)", port("grpc-web-x", 9000), 9000,
                        "GRPC-Web"),
                protocol("name grpc is GRPC", port("grpc", 9000), 9000, "GRPC"),
                protocol("name tls-x is TLS", port("tls-x", 9443), 9443, "TLS"),
                protocol("name tcp-postgres is TCP", port("tcp-postgres", 5432), 5432, "TCP"),
                protocol("name mongo is Mongo", port("mongo", 27017), 27017, "Mongo"),
                protocol("name redis-cache is Redis", port("redis-cache", 6379), 6379, "Redis"),
                protocol("name mysql is MySQL", port("mysql", 3306), 3306, "MySQL"),
                protocol("name httpx is no prefix: unsupported (sniffed)", port("httpx", 8080), 8080,
                        "UnsupportedProtocol"),
                protocol("name web-http: the protocol must be the prefix", port("web-http", 8080), 8080,
                        "UnsupportedProtocol"),
                protocol("no name: unsupported (sniffed)", "- port: 8080\n", 8080, "UnsupportedProtocol"),
                protocol("no name on 3306, a well-known port: TCP", "- port: 3306\n", 3306, "TCP"),
                protocol("appProtocol beats the name", "- name: tcp-x\n  port: 8080\n  appProtocol: http\n", 8080,
                        "HTTP"),
                protocol("appProtocol ignores case (protocol.Parse)", "- name: tcp-x\n  port: 8080\n"
                        + "  appProtocol: HTTP2\n", 8080, "HTTP2"),
                protocol("appProtocol kubernetes.io/h2c is HTTP2", "- name: web\n  port: 8080\n"
                        + "  appProtocol: kubernetes.io/h2c\n", 8080, "HTTP2"),
                protocol("appProtocol kubernetes.io/ws is HTTP", "- name: web\n  port: 8080\n"
                        + "  appProtocol: kubernetes.io/ws\n", 8080, "HTTP"),
                protocol("appProtocol kubernetes.io/wss is HTTPS", "- name: web\n  port: 8443\n"
                        + "  appProtocol: kubernetes.io/wss\n", 8443, "HTTPS"),
                protocol("an unknown appProtocol is unsupported, the name is not read", "- name: http\n  port: 8080\n"
                        + "  appProtocol: example.com/custom\n", 8080, "UnsupportedProtocol"),
                protocol("protocol UDP wins over an http name", "- name: http\n  port: 8080\n  protocol: UDP\n",
                        8080, "UDP"),
                protocol("SCTP has no rule of its own: the name decides", "- name: http\n  port: 8080\n"
                        + "  protocol: SCTP\n", 8080, "HTTP"),

                check("REGISTRY_ONLY reaches a Service by its full host", CONVERT_SERVICE + "; " + REGISTRY_ONLY)
                        .file("default", svc("db", port("tcp", 5432))).registryOnly().allowed(DB + ":5432/"),
                check("REGISTRY_ONLY: a port the Service does not declare stays outside", CONVERT_SERVICE + "; "
                        + REGISTRY_ONLY).file("default", svc("db", port("tcp", 5432))).registryOnly()
                        .blocked(DB + ":5433/"),
                check("the ClusterIP is the Service's address", CONVERT_SERVICE + " (ClusterVIPs)")
                        .file("default", svc("db", port("tcp", 5432))).registryOnly().allowed("http://10.96.0.20:5432/"),
                check("a Service in another namespace is reached by its full host", CONVERT_SERVICE)
                        .file("shop", svc("db", port("tcp", 5432))).registryOnly()
                        .allowed("http://db.shop.svc.cluster.local:5432/"),

                check("short name db from the Service's own namespace", SHORT).file("default",
                        svc("db", port("tcp", 5432))).registryOnly().allowed("http://db:5432/"),
                check("short name db.default from its own namespace", SHORT).file("default",
                        svc("db", port("tcp", 5432))).registryOnly().allowed("http://db.default:5432/"),
                check("short name db.default.svc from its own namespace", SHORT).file("default",
                        svc("db", port("tcp", 5432))).registryOnly().allowed("http://db.default.svc:5432/"),
                check("the bare name db is no name for it from another namespace", SHORT).file("default",
                        svc("db", port("tcp", 5432))).registryOnly().from("otherns/sleep").blocked("http://db:5432/"),
                check("db.default from another namespace", SHORT).file("default", svc("db", port("tcp", 5432)))
                        .registryOnly().from("otherns/sleep").allowed("http://db.default:5432/"),
                check("db.default.svc from another namespace", SHORT).file("default", svc("db", port("tcp", 5432)))
                        .registryOnly().from("otherns/sleep").allowed("http://db.default.svc:5432/"),
                check("the bare name is the Service of the client's own namespace", SHORT)
                        .file("default", svc("db", port("tcp", 5432))).file("shop", svc("db", port("tcp", 6543)))
                        .registryOnly().from("shop/sleep").allowed("http://db:6543/"),
                check("the bare name never reaches the same name in another namespace", SHORT)
                        .file("default", svc("db", port("tcp", 5432))).file("shop", svc("db", port("tcp", 6543)))
                        .registryOnly().from("shop/sleep").blocked("http://db:5432/"),

                check("exportTo annotation . : visible in its own namespace", EXPORT_TO)
                        .file("default", annotated(".")).registryOnly().allowed(DB + ":5432/"),
                check("exportTo annotation . : invisible elsewhere", EXPORT_TO)
                        .file("default", annotated(".")).registryOnly().from("otherns/sleep").blocked(DB + ":5432/"),
                check("exportTo annotation \"otherns, thirdns\": split at commas, trimmed", EXPORT_TO)
                        .file("default", annotated("otherns, thirdns")).registryOnly().from("thirdns/sleep")
                        .allowed(DB + ":5432/"),
                check("exportTo annotation naming other namespaces hides it from its own", EXPORT_TO)
                        .file("default", annotated("otherns")).registryOnly().blocked(DB + ":5432/"),
                check("exportTo annotation ~ : visible nowhere", EXPORT_TO)
                        .file("default", annotated("~")).registryOnly().blocked(DB + ":5432/"),
                check("no annotation: defaultServiceExportTo [.] keeps it in its namespace", EXPORT_TO)
                        .file(istioOperator("outboundTrafficPolicy:\n  mode: REGISTRY_ONLY\ndefaultServiceExportTo:\n"
                                + "- \".\"")).file("default", svc("db", port("tcp", 5432))).from("otherns/sleep")
                        .blocked(DB + ":5432/"),
                check("the annotation * beats defaultServiceExportTo [.]", EXPORT_TO)
                        .file(istioOperator("outboundTrafficPolicy:\n  mode: REGISTRY_ONLY\ndefaultServiceExportTo:\n"
                                + "- \".\"")).file("default", annotated("*")).from("otherns/sleep")
                        .allowed(DB + ":5432/"),

                check("headless (clusterIP: None) is in the registry by name", HEADLESS)
                        .file("default", svcWith("db", "", "  clusterIP: None\n  ports:\n  - name: tcp\n    port: 5432\n"))
                        .registryOnly().allowed("http://db:5432/"),
                check("headless: no address of its own", HEADLESS)
                        .file("default", svcWith("db", "", "  clusterIP: None\n  ports:\n  - name: tcp\n    port: 5432\n"))
                        .registryOnly().blocked("http://10.96.0.20:5432/"),

                check("ExternalName: its name matches where the service it names matches", ALIAS)
                        .file("default", svcWith("ext", "", "  type: ExternalName\n  externalName: api.example.com\n"))
                        .file("default", tlsSe("api.example.com")).registryOnly().text()
                        .allowed("https://ext.default.svc.cluster.local/").outContains("upstream: api.example.com:443"),
                check("ExternalName: its short name too", ALIAS + "; " + SHORT)
                        .file("default", svcWith("ext", "", "  type: ExternalName\n  externalName: api.example.com\n"))
                        .file("default", tlsSe("api.example.com")).registryOnly().allowed("https://ext/"),
                check("ExternalName: no service of that name, nothing to alias", ALIAS)
                        .file("default", svcWith("ext", "", "  type: ExternalName\n  externalName: api.example.com\n"
                                + "  ports:\n  - name: https\n    port: 443\n"))
                        .registryOnly().blocked("https://ext.default.svc.cluster.local/"),
                check("ExternalName: its own ports play no part", ALIAS + "; release note: \"The ports field is no"
                        + " longer needed ... If it is set, it will have no impact\"")
                        .file("default", svcWith("ext", "", "  type: ExternalName\n  externalName: api.example.com\n"
                                + "  ports:\n  - name: https\n    port: 8443\n"))
                        .file("default", tlsSe("api.example.com")).registryOnly()
                        .blocked("https://ext.default.svc.cluster.local:8443/"),
                check("ExternalName to an ExternalName: followed to the concrete service", ALIAS
                        + "; push_context.go resolveServiceAliases: \"Alias1 -> Alias2 -> Concrete will flatten to"
                        + " Alias1 -> Concrete\"")
                        .file("default", svcWith("ext", "", "  type: ExternalName\n  externalName: api.example.com\n"))
                        .file("default", svcWith("ext2", "", "  type: ExternalName\n"
                                + "  externalName: ext.default.svc.cluster.local\n"))
                        .file("default", tlsSe("api.example.com")).registryOnly()
                        .allowed("https://ext2.default.svc.cluster.local/"),
                check("ExternalNames in a loop stand for nothing", ALIAS + "; resolveServiceAliases: \"a user could"
                        + " make a loop ... Kubernetes will make these NXDomain, so we can just treat it like it doesn't"
                        + " exist at all\"")
                        .file("default", svcWith("a", "", "  type: ExternalName\n  externalName: b.default.svc.cluster.local\n"))
                        .file("default", svcWith("b", "", "  type: ExternalName\n  externalName: a.default.svc.cluster.local\n"))
                        .registryOnly().blocked("https://a.default.svc.cluster.local/"),
                check("ExternalName: a Sidecar import of the service alone does not bring the alias", ALIAS)
                        .file("default", svcWith("ext", "", "  type: ExternalName\n  externalName: api.example.com\n"))
                        .file("default", tlsSe("api.example.com"))
                        .file("default", sidecar("default", "egress:\n- hosts:\n  - \"./api.example.com\""))
                        .registryOnly().blocked("https://ext.default.svc.cluster.local/"),

                check("a Sidecar importing ./* brings the namespace's Service", SIDECAR)
                        .file("default", svc("db", port("tcp", 5432)))
                        .file("default", sidecar("default", "egress:\n- hosts:\n  - \"./*\"")).registryOnly()
                        .allowed("http://db:5432/"),
                check("a Sidecar importing only istio-system/* leaves it out", SIDECAR)
                        .file("default", svc("db", port("tcp", 5432)))
                        .file("default", sidecar("default", "egress:\n- hosts:\n  - \"istio-system/*\"")).registryOnly()
                        .blocked("http://db:5432/"),
                check("a Sidecar in another namespace imports it as default/host", SIDECAR + "; " + SHORT)
                        .file("default", svc("db", port("tcp", 5432)))
                        .file("otherns", sidecar("default", "egress:\n- hosts:\n  - \"default/db.default.svc.cluster.local\""))
                        .registryOnly().from("otherns/sleep").allowed("http://db.default:5432/"),
                check("the import names the Service's namespace, not the client's", SIDECAR)
                        .file("default", svc("db", port("tcp", 5432)))
                        .file("otherns", sidecar("default", "egress:\n- hosts:\n  - \"./db.default.svc.cluster.local\""))
                        .registryOnly().from("otherns/sleep").blocked("http://db.default:5432/"),

                check("a ServiceEntry of the Service's host: the Service wins, ports are not merged", PRECEDENCE)
                        .file("default", svc("db", port("tcp", 5432)))
                        .file("default", "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n"
                                + "  name: db-extra\nspec:\n  hosts: [db.default.svc.cluster.local]\n"
                                + "  location: MESH_INTERNAL\n  resolution: DNS\n  ports:\n"
                                + "  - {number: 9999, name: tcp-extra, protocol: TCP}\n")
                        .registryOnly().blocked(DB + ":9999/"),
                check("a ServiceEntry of the Service's host in the client's namespace still wins there", PRECEDENCE
                        + "; \"Make sure this isn't preempting the 'same namespace wins' rule\"")
                        .file("shop", svc("db", port("tcp", 5432)))
                        .file("default", "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n"
                                + "  name: db-extra\nspec:\n  hosts: [db.shop.svc.cluster.local]\n"
                                + "  location: MESH_INTERNAL\n  resolution: DNS\n  ports:\n"
                                + "  - {number: 9999, name: tcp-extra, protocol: TCP}\n")
                        .registryOnly().allowed("http://db.shop.svc.cluster.local:9999/"),

                check("a Knative serving.knative.dev Service is no Kubernetes Service", CONVERT_SERVICE)
                        .file("default", "apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata:\n  name: db\n"
                                + "spec: {}\n").registryOnly().blocked(DB + ":80/"),

                check("a port name in upper case is refused", VALIDATION)
                        .file("default", svc("db", port("HTTP", 80))).error(DB + "/", "port name \"HTTP\"", ":8:"),
                check("duplicate port names are refused", VALIDATION)
                        .file("default", svc("db", port("http", 80) + port("http", 81)))
                        .error(DB + "/", "duplicate port name \"http\"", ":10:"),
                check("two ports without names are refused", VALIDATION)
                        .file("default", svc("db", "- port: 80\n- port: 81\n"))
                        .error(DB + "/", "ports[].name is required"),
                check("port 0 is refused", VALIDATION)
                        .file("default", svc("db", port("http", 0))).error(DB + "/", "port number 0"),
                check("port 70000 is refused", VALIDATION)
                        .file("default", svc("db", port("http", 70000))).error(DB + "/", "port number 70000"),
                check("a name that is no DNS-1035 label is refused", VALIDATION)
                        .file("default", svc("1db", port("http", 80))).error(DB + "/", "invalid Service name \"1db\""),
                check("a name with a dot is refused", VALIDATION)
                        .file("default", svc("db.evil", port("http", 80))).error(DB + "/", "invalid Service name"),
                check("a bad exportTo annotation is refused at its line", VALIDATION)
                        .file("default", annotated("*, otherns")).error(DB + "/",
                                "networking.istio.io/exportTo", "cannot have both public (*)", ":6:"),
                check("an empty exportTo entry is refused", VALIDATION)
                        .file("default", annotated("otherns,,thirdns")).error(DB + "/", "exportTo entry \"\""),
                check("ExternalName without externalName is refused", VALIDATION)
                        .file("default", svcWith("ext", "", "  type: ExternalName\n"))
                        .error(DB + "/", "externalName is required"),
                check("an ExternalName that is an IP is refused", VALIDATION)
                        .file("default", svcWith("ext", "", "  type: ExternalName\n  externalName: 10.0.0.1\n"))
                        .error(DB + "/", "not an IP address"),
                check("a clusterIP that is no IP is refused", VALIDATION)
                        .file("default", svcWith("db", "", "  clusterIP: 10.0.0.256\n  ports:\n  - {name: tcp, port: 5432}\n"))
                        .error(DB + "/", "clusterIP \"10.0.0.256\""),
                check("an unknown field in a Service's spec is refused", VALIDATION + "; strict loading")
                        .file("default", svcWith("db", "", "  prots:\n  - {name: tcp, port: 5432}\n"))
                        .error(DB + "/", "prots"),
                check("a Service with no ports (not headless) is refused", VALIDATION)
                        .file("default", svcWith("db", "", "  clusterIP: 10.96.0.20\n"))
                        .error(DB + "/", "ports: Required value"),
                check("an appProtocol that is no qualified name is refused", VALIDATION)
                        .file("default", svc("db", "- name: web\n  port: 80\n  appProtocol: \"a b\"\n"))
                        .error(DB + "/", "appProtocol \"a b\""),
                check("protocol HTTP (no Kubernetes protocol) is refused", VALIDATION)
                        .file("default", svc("db", "- name: web\n  port: 80\n  protocol: HTTP\n"))
                        .error(DB + "/", "unsupported protocol \"HTTP\""));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void conforms(Case c) throws Exception {
        c.run(dir);
    }
}
