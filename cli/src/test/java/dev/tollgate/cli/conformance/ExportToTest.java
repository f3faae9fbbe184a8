package dev.tollgate.cli.conformance;

import dev.tollgate.cli.conformance.Conformance.Case;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.stream.Stream;

import static dev.tollgate.cli.conformance.Conformance.check;
import static dev.tollgate.cli.conformance.Yaml.istioOperator;
import static dev.tollgate.cli.conformance.Yaml.seExport;
import static dev.tollgate.cli.conformance.Yaml.tlsSe;

/** ServiceEntry exportTo and where resources land (-n, -f NS=PATH), under REGISTRY_ONLY. */
class ExportToTest {
    private static final String EXPORT_TO = "ServiceEntry.exportTo: \"A list of namespaces to which this service is"
            + " exported ... The value \".\" is reserved and defines an export to the same namespace that the service is"
            + " declared in. Similarly the value \"*\" is reserved and defines an export to all namespaces\" and \"~\""
            + " exports to no namespace (istio.io/latest/docs/reference/config/networking/service-entry/#ServiceEntry)";
    private static final String DEFAULT_EXPORT = "MeshConfig.defaultServiceExportTo: \"The default value for the"
            + " ServiceEntry.exportTo field and services imported through container registry integrations\""
            + " (istio.io/latest/docs/reference/config/istio.mesh.v1alpha1/)";
    private static final String NAMESPACES = "issue 2 section 2: \"-n NAMESPACE: the namespace for resources without"
            + " one\"; \"-f NAMESPACE=PATH: places one file's resources that have no namespace in NAMESPACE\"; as"
            + " kubectl apply, an explicit metadata.namespace is the resource's own";
    private static final String API = "https://api.example.com/";

    @TempDir
    Path dir;

    private static String se(String exportTo) {
        return seExport("api", "api.example.com", 443, "TLS", exportTo);
    }

    static Stream<Case> cases() {
        return Stream.of(
                check("exportTo . : visible in its own namespace", EXPORT_TO)
                        .file("otherns", se("[\".\"]")).registryOnly().from("otherns/sleep").allowed(API),
                check("exportTo . : invisible elsewhere", EXPORT_TO)
                        .file("otherns", se("[\".\"]")).registryOnly().blocked(API),
                check("exportTo * : visible everywhere", EXPORT_TO)
                        .file("otherns", se("[\"*\"]")).registryOnly().allowed(API),
                check("no exportTo: default * (visible everywhere)", EXPORT_TO + "; \"If no namespaces are specified"
                        + " then the service is exported to all namespaces by default\"")
                        .file("otherns", tlsSe("api.example.com")).registryOnly().allowed(API),
                check("exportTo ~ : invisible even in its own namespace", EXPORT_TO)
                        .file("otherns", se("[\"~\"]")).registryOnly().from("otherns/sleep").blocked(API),
                check("exportTo ~ : invisible elsewhere", EXPORT_TO)
                        .file("otherns", se("[\"~\"]")).registryOnly().blocked(API),
                check("exportTo [default]: visible in the named namespace", EXPORT_TO)
                        .file("otherns", se("[default]")).registryOnly().allowed(API),
                check("exportTo [default]: invisible in a namespace not named", EXPORT_TO)
                        .file("otherns", se("[default]")).registryOnly().from("thirdns/sleep").blocked(API),
                check("exportTo [., default]: own namespace and default", EXPORT_TO)
                        .file("otherns", se("[\".\", default]")).registryOnly().from("otherns/sleep").allowed(API),
                check("exportTo [., default]: still not thirdns", EXPORT_TO)
                        .file("otherns", se("[\".\", default]")).registryOnly().from("thirdns/sleep").blocked(API),
                check("defaultServiceExportTo [.] from an IstioOperator hides SEs without exportTo", DEFAULT_EXPORT)
                        .file(istioOperator("outboundTrafficPolicy:\n  mode: REGISTRY_ONLY\ndefaultServiceExportTo:\n- \".\""))
                        .file("otherns", tlsSe("api.example.com")).blocked(API),
                check("defaultServiceExportTo [.]: still visible in its own namespace", DEFAULT_EXPORT)
                        .file(istioOperator("outboundTrafficPolicy:\n  mode: REGISTRY_ONLY\ndefaultServiceExportTo:\n- \".\""))
                        .file("otherns", tlsSe("api.example.com")).from("otherns/sleep").allowed(API),
                check("explicit exportTo * beats defaultServiceExportTo [.]", DEFAULT_EXPORT + "; " + EXPORT_TO)
                        .file(istioOperator("outboundTrafficPolicy:\n  mode: REGISTRY_ONLY\ndefaultServiceExportTo:\n- \".\""))
                        .file("otherns", se("[\"*\"]")).allowed(API),
                check("-n places unnamespaced resources", NAMESPACES)
                        .file(se("[\".\"]")).args("-n", "otherns").registryOnly().from("otherns/sleep").allowed(API),
                check("-n places unnamespaced resources (not in default)", NAMESPACES)
                        .file(se("[\".\"]")).args("-n", "otherns").registryOnly().blocked(API),
                check("-f NS=PATH wins over -n for that file", NAMESPACES)
                        .file("default", se("[\".\"]")).args("-n", "otherns").registryOnly().allowed(API),
                check("-f NS=PATH keeps a resource's own metadata.namespace", NAMESPACES)
                        .file("default", se("[\".\"]").replace("  name: api\n", "  name: api\n  namespace: otherns\n"))
                        .registryOnly().from("otherns/sleep").allowed(API),
                check("-f NS=PATH with an own metadata.namespace is not also in NS", NAMESPACES)
                        .file("default", se("[\".\"]").replace("  name: api\n", "  name: api\n  namespace: otherns\n"))
                        .registryOnly().blocked(API),
                check("the same file in two namespaces: first", NAMESPACES + "; the tutorial applies one file twice")
                        .file("default", se("[\".\"]")).file("otherns", se("[\".\"]")).registryOnly().allowed(API),
                check("the same file in two namespaces: second", NAMESPACES)
                        .file("default", se("[\".\"]")).file("otherns", se("[\".\"]")).registryOnly()
                        .from("otherns/sleep").allowed(API),
                check("the same file in two namespaces: a third still blocked", NAMESPACES)
                        .file("default", se("[\".\"]")).file("otherns", se("[\".\"]")).registryOnly()
                        .from("thirdns/sleep").blocked(API));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void conforms(Case c) throws Exception {
        c.run(dir);
    }
}
