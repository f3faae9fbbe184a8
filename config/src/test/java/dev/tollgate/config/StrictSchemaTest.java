package dev.tollgate.config;

import dev.tollgate.core.model.Diagnostic;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Strict schema, as {@code kubectl --validate=strict}: an unknown field or a wrongly typed value anywhere is an error,
 * so a typo such as {@code principal:} can never silently drop a constraint. The allowed fields come from the
 * fabric8 classes. Bodies start at line 7 (see {@link ValidationRulesTest#document}).
 */
class StrictSchemaTest {
    @TempDir
    Path dir;

    record Case(String name, String kind, String body, int line, String path, String code, String message) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> cases() {
        return Stream.of(
                new Case("typoAtSpecLevel", "AuthorizationPolicy", "action: DENY\nrule:\n- {}", 2, "spec.rule",
                        "unknown-field", "did you mean \"rules\""),
                new Case("principalInsteadOfPrincipals", "AuthorizationPolicy",
                        "action: DENY\nrules:\n- from:\n  - source:\n      principal: [\"cluster.local/ns/a/sa/b\"]", 5,
                        "spec.rules[0].from[0].source.principal", "unknown-field", "did you mean \"principals\""),
                new Case("typoInCondition", "AuthorizationPolicy",
                        "rules:\n- when:\n  - key: connection.sni\n    value: [a.example.com]", 4,
                        "spec.rules[0].when[0].value", "unknown-field", "did you mean \"values\""),
                new Case("typoInOperation", "AuthorizationPolicy",
                        "rules:\n- to:\n  - operation:\n      method: [GET]", 4,
                        "spec.rules[0].to[0].operation.method", "unknown-field", "did you mean \"methods\""),
                new Case("typoInSelector", "AuthorizationPolicy", "selector:\n  matchLabel:\n    app: a", 2,
                        "spec.selector.matchLabel", "unknown-field", "did you mean \"matchLabels\""),
                new Case("typoInServiceEntryPort", "ServiceEntry",
                        "hosts: [a.example.com]\nports:\n- numbr: 80\n  name: http", 3, "spec.ports[0].numbr",
                        "unknown-field", "did you mean \"number\""),
                new Case("typoInVirtualServiceDestination", "VirtualService",
                        "hosts: [a.example.com]\ntcp:\n- route:\n  - destinaton:\n      host: a.example.com", 4,
                        "spec.tcp[0].route[0].destinaton", "unknown-field", "did you mean \"destination\""),
                new Case("typoDeepInDestinationRule", "DestinationRule",
                        "host: a.example.com\nsubsets:\n- name: a\n  trafficPolicy:\n    portLevelSettings:\n"
                                + "    - port:\n        number: 443\n      tls:\n        mode: SIMPLE\n        snii: a.example.com",
                        10, "spec.subsets[0].trafficPolicy.portLevelSettings[0].tls.snii", "unknown-field",
                        "did you mean \"sni\""),
                new Case("typoInGatewayServer", "Gateway",
                        "servers:\n- port:\n    number: 80\n    name: http\n    protocol: HTTP\n  host: [\"*/a.example.com\"]",
                        6, "spec.servers[0].host", "unknown-field", "did you mean \"hosts\""),
                new Case("typoInSidecarEgress", "Sidecar", "egress:\n- hostz: [\"./*\"]", 2, "spec.egress[0].hostz",
                        "unknown-field", "did you mean \"hosts\""),
                new Case("stringWhereListExpected", "AuthorizationPolicy",
                        "rules:\n- from:\n  - source:\n      principals: cluster.local/ns/a/sa/b", 4,
                        "spec.rules[0].from[0].source.principals", "wrong-type", "expected a list, got a string"),
                new Case("quotedNumberForPort", "ServiceEntry",
                        "hosts: [a.example.com]\nports:\n- number: \"80\"\n  name: http", 3, "spec.ports[0].number",
                        "wrong-type", "expected an integer, got a string (80)"),
                new Case("numberForString", "AuthorizationPolicy",
                        "rules:\n- to:\n  - operation:\n      ports: [443]", 4, "spec.rules[0].to[0].operation.ports[0]",
                        "wrong-type", "expected a string, got an integer (443)"),
                new Case("objectWhereStringExpected", "DestinationRule", "host:\n  name: a.example.com", 1, "spec.host",
                        "wrong-type", "expected a string, got an object"),
                new Case("lowerCaseAction", "AuthorizationPolicy", "action: deny\nrules:\n- {}", 1, "spec.action",
                        "invalid-field", "unsupported value \"deny\""),
                new Case("bothExactAndPrefix", "VirtualService",
                        "hosts: [a.example.com]\nhttp:\n- match:\n  - uri:\n      exact: /a\n      prefix: /b\n"
                                + "  route:\n  - destination:\n      host: a.example.com", 6, "spec.http[0].match[0].uri.prefix",
                        "invalid-field", "only one of exact, prefix may be set"),
                new Case("nullListElement", "AuthorizationPolicy", "action: DENY\nrules:\n-\n- {}", 3, "spec.rules[0]",
                        "wrong-type", "list element must not be null"),
                new Case("specIsAList", "ServiceEntry", "- hosts: [a.example.com]", 0, "spec", "wrong-type",
                        "expected an object, got a list")
        );
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void schemaViolationIsAnErrorAtItsField(Case c) {
        Path file = Fixtures.write(dir, c.name() + ".yaml", ValidationRulesTest.document(c.kind(), c.body()));
        LoadResult r = Fixtures.load(file);
        assertThat(r.ok()).isFalse();
        assertThat(r.config()).isEmpty();
        assertThat(r.errors()).as(Fixtures.dump(r.diagnostics())).anySatisfy(d -> {
            assertThat(d.severity()).isEqualTo(Diagnostic.Severity.ERROR);
            assertThat(d.code()).isEqualTo(c.code());
            assertThat(d.origin().source()).isEqualTo(file.toString());
            assertThat(d.origin().line()).isEqualTo(6 + c.line());
            assertThat(d.fieldPath()).isEqualTo(c.path());
            assertThat(d.message()).contains(c.message());
        });
    }
}
