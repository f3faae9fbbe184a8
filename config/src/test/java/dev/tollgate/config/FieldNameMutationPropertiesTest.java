package dev.tollgate.config;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Combinators;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Property: a policy whose field name is mutated into a name the schema does not know never loads. */
class FieldNameMutationPropertiesTest {
    private static final String POLICY = """
            apiVersion: security.istio.io/v1beta1
            kind: AuthorizationPolicy
            metadata:
              name: deny-google
              namespace: istio-system
            spec:
              action: DENY
              selector:
                matchLabels:
                  istio: egressgateway
              rules:
              - from:
                - source:
                    principals: ["cluster.local/ns/otherns/sa/sleep-yahoo"]
                    namespaces: ["otherns"]
                to:
                - operation:
                    ports: ["443"]
                    hosts: ["developers.google.com"]
                when:
                - key: connection.sni
                  values: ["developers.google.com"]
            """;
    private static final List<String> FIELDS = List.of("action", "selector", "matchLabels", "rules", "from", "source",
            "principals", "namespaces", "to", "operation", "ports", "hosts", "when", "key", "values");
    /** Every property name of the objects above, so a mutation into another valid name is not counted. */
    private static final Set<String> KNOWN = Set.of("action", "selector", "matchLabels", "rules", "from", "source",
            "principals", "namespaces", "to", "operation", "ports", "hosts", "when", "key", "values", "provider",
            "targetRef", "targetRefs", "ipBlocks", "notIpBlocks", "notNamespaces", "notPrincipals",
            "notRemoteIpBlocks", "notRequestPrincipals", "notServiceAccounts", "remoteIpBlocks", "requestPrincipals",
            "serviceAccounts", "methods", "notHosts", "notMethods", "notPaths", "notPorts", "paths", "notValues");

    record Mutation(String field, int position, char letter, int kind) {
        String apply() {
            int at = Math.min(position, field.length() - 1);
            return switch (kind) {
                case 0 -> field.substring(0, at) + field.substring(at + 1);              // drop a letter
                case 1 -> field.substring(0, at) + letter + field.substring(at);          // insert a letter
                default -> field.substring(0, at) + letter + field.substring(at + 1);     // replace a letter
            };
        }
    }

    @Provide
    Arbitrary<Mutation> mutations() {
        return Combinators.combine(Arbitraries.of(FIELDS), Arbitraries.integers().between(0, 20),
                Arbitraries.chars().range('a', 'z'), Arbitraries.integers().between(0, 2)).as(Mutation::new);
    }

    @Property(tries = 150)
    void mutatedFieldNameNeverLoads(@ForAll("mutations") Mutation m) throws IOException {
        String mutated = m.apply();
        Assume.that(!KNOWN.contains(mutated) && !mutated.isEmpty());
        String yaml = POLICY.replaceFirst("(?m)^(\\s*-?\\s*)" + m.field() + ":", "$1" + mutated + ":");
        Path file = Files.createTempFile("mutated", ".yaml");
        try {
            Files.writeString(file, yaml);
            LoadResult r = Fixtures.load(file);
            assertThat(r.ok()).as(yaml).isFalse();
            assertThat(r.config()).isEmpty();
            assertThat(r.errors()).anySatisfy(d -> assertThat(d.code()).isEqualTo("unknown-field"));
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Property(tries = 1)
    void unmutatedPolicyLoads() throws IOException {
        Path file = Files.createTempFile("policy", ".yaml");
        try {
            Files.writeString(file, POLICY);
            assertThat(Fixtures.load(file).ok()).isTrue();
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
