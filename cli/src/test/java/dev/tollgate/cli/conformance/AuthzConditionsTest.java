package dev.tollgate.cli.conformance;

import dev.tollgate.cli.conformance.Conformance.Case;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.stream.Stream;

import static dev.tollgate.cli.conformance.Conformance.check;
import static dev.tollgate.cli.conformance.Yaml.egressHttp;
import static dev.tollgate.cli.conformance.Yaml.gatewayPolicy;

/** AuthorizationPolicy `when` conditions at the egress gateway, HTTP variant. */
class AuthzConditionsTest {
    private static final String CONDITIONS = "Authorization Policy Conditions: request.headers \"HTTP request headers"
            + " ... key: request.headers[User-Agent]\"; source.namespace; source.principal; destination.port;"
            + " connection.sni; request.auth.claims (istio.io/latest/docs/reference/config/security/conditions/)";
    private static final String CONDITION = "Condition: \"values: Optional. A list of allowed values for the attribute."
            + " Note: at least one of values or notValues must be set. notValues: Optional. A list of negative match"
            + " values for the attribute\"; a rule matches when \"all conditions match\""
            + " (istio.io/latest/docs/reference/config/security/authorization-policy/#Condition)";
    private static final String URL = "http://api.example.com/";

    @TempDir
    Path dir;

    private static Case when(String name, String doc, String conditions) {
        return check(name, doc).file("istio-system", egressHttp("api.example.com")).registryOnly()
                .file(gatewayPolicy("p", "action: ALLOW\nrules:\n- when:\n" + conditions));
    }

    private static String cond(String key, String values) {
        return "  - key: " + key + "\n    values: " + values + "\n";
    }

    static Stream<Case> cases() {
        return Stream.of(
                when("connection.sni equals the DestinationRule sni", CONDITIONS, cond("connection.sni", "[api.example.com]"))
                        .allowed(URL),
                when("connection.sni other host", CONDITIONS, cond("connection.sni", "[www.example.com]")).denied(URL),
                when("connection.sni suffix match", CONDITIONS, cond("connection.sni", "[\"*.example.com\"]")).allowed(URL),
                when("connection.sni notValues", CONDITION,
                        "  - key: connection.sni\n    notValues: [api.example.com]\n").denied(URL),
                when("destination.port is the gateway port 80", CONDITIONS, cond("destination.port", "[\"80\"]")).allowed(URL),
                when("destination.port 443 is not the gateway port", CONDITIONS, cond("destination.port", "[\"443\"]"))
                        .denied(URL),
                when("source.namespace matches", CONDITIONS, cond("source.namespace", "[default]")).allowed(URL),
                when("source.namespace does not match", CONDITIONS, cond("source.namespace", "[default]"))
                        .from("otherns/sleep").denied(URL),
                when("source.principal matches", CONDITIONS,
                        cond("source.principal", "[cluster.local/ns/default/sa/sleep]")).allowed(URL),
                when("source.principal prefix", CONDITIONS, cond("source.principal", "[\"cluster.local/ns/default/*\"]"))
                        .allowed(URL),
                when("source.principal other account", CONDITIONS,
                        cond("source.principal", "[cluster.local/ns/default/sa/web]")).denied(URL),
                when("request.headers matches -H", CONDITIONS, cond("request.headers[x-team]", "[blue]"))
                        .args("-H", "x-team: blue").allowed(URL),
                when("request.headers name is case-insensitive", CONDITIONS + "; HTTP header names are case-insensitive"
                        + " (RFC 9110)", cond("request.headers[X-Team]", "[blue]")).args("-H", "x-TEAM: blue").allowed(URL),
                when("request.headers value is case-sensitive", CONDITIONS, cond("request.headers[x-team]", "[blue]"))
                        .args("-H", "x-team: Blue").denied(URL),
                when("request.headers absent does not match", CONDITIONS, cond("request.headers[x-team]", "[blue]"))
                        .denied(URL),
                when("request.headers presence (*) with the header", CONDITIONS, cond("request.headers[x-team]", "[\"*\"]"))
                        .args("-H", "x-team: anything").allowed(URL),
                when("request.headers presence (*) without the header", CONDITIONS,
                        cond("request.headers[x-team]", "[\"*\"]")).denied(URL),
                when("request.headers prefix", CONDITIONS, cond("request.headers[x-team]", "[\"bl*\"]"))
                        .args("-H", "x-team: blue").allowed(URL),
                when("request.headers[host] is the request's Host", CONDITIONS,
                        cond("request.headers[host]", "[api.example.com]")).allowed(URL),
                when("request.auth.claims without a JWT does not match", CONDITIONS,
                        cond("request.auth.claims[iss]", "[\"https://issuer.example.com\"]")).denied(URL),
                when("conditions are ANDed", CONDITION,
                        cond("source.namespace", "[default]") + cond("destination.port", "[\"443\"]")).denied(URL),
                when("values are ORed within a condition", CONDITION,
                        cond("source.namespace", "[otherns, default]")).allowed(URL),
                when("values and notValues together", CONDITION,
                        "  - key: request.headers[x-team]\n    values: [\"*\"]\n    notValues: [red]\n")
                        .args("-H", "x-team: red").denied(URL));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void conforms(Case c) throws Exception {
        c.run(dir);
    }
}
