package dev.tollgate.core.registry;

import dev.tollgate.core.model.net.HostPattern;
import dev.tollgate.core.model.net.HostName;
import dev.tollgate.core.model.WorkloadRef;
import dev.tollgate.core.testing.TestConfig;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Properties of host matching and visibility that must hold for any names. */
class RegistryPropertiesTest {

    @Provide
    Arbitrary<String> label() {
        return Arbitraries.strings().withChars("abcxyzABCXYZ019-").ofMinLength(1).ofMaxLength(8)
                .filter(s -> !s.startsWith("-"));
    }

    @Provide
    Arbitrary<String> name() {
        return label().list().ofMinSize(1).ofMaxSize(4).map(l -> String.join(".", l));
    }

    @Provide
    Arbitrary<String> namespace() {
        return Arbitraries.strings().withChars("abcdefgh").ofMinLength(1).ofMaxLength(6);
    }

    @Property
    void normalisationIsIdempotent(@ForAll("name") String name, @ForAll boolean trailingDot) {
        String h = name + (trailingDot ? "." : "");
        assertThat(HostName.fold(HostName.fold(h))).isEqualTo(HostName.fold(h));
    }

    @Property
    void aWildcardNeverMatchesItsBareParent(@ForAll("name") String parent) {
        assertThat(HostPattern.matches("*." + parent, parent)).isFalse();
    }

    @Property
    void aWildcardMatchesEverySubdomainOfItsParent(@ForAll("name") String parent, @ForAll("name") String sub) {
        assertThat(HostPattern.matches("*." + parent, sub + "." + parent)).isTrue();
    }

    @Property
    void starMatchesEveryName(@ForAll("name") String name) {
        assertThat(HostPattern.matches("*", name)).isTrue();
    }

    @Property
    void matchingIgnoresCase(@ForAll("name") String pattern, @ForAll("name") String host) {
        assertThat(HostPattern.matches(pattern.toUpperCase(), host.toLowerCase()))
                .isEqualTo(HostPattern.matches(pattern.toLowerCase(), host.toUpperCase()));
    }

    @Property
    void anExactPatternMatchesOnlyItself(@ForAll("name") String a, @ForAll("name") String b) {
        assertThat(HostPattern.matches(a, b)).isEqualTo(HostName.fold(a).equals(HostName.fold(b)));
    }

    @Property(tries = 200)
    void exportToNoneIsNeverVisibleToAnyNamespace(@ForAll("namespace") String owner,
                                                  @ForAll("namespace") String client,
                                                  @ForAll("name") String host) {
        Registry registry = Registry.compile(TestConfig.create()
                .apply(owner, RegistryCase.se("hidden", host, "443/TLS", "~")).build());
        assertThat(registry.scopeFor(new WorkloadRef(client, "sa", Map.of())).lookup(host, 443)).isEmpty();
    }

    @Property(tries = 200)
    void exportToDotIsVisibleOnlyInItsNamespace(@ForAll("namespace") String owner,
                                                @ForAll("namespace") String client,
                                                @ForAll("name") String host) {
        Registry registry = Registry.compile(TestConfig.create()
                .apply(owner, RegistryCase.se("private", host, "443/TLS", ".")).build());
        assertThat(registry.scopeFor(new WorkloadRef(client, "sa", Map.of())).lookup(host, 443).isPresent())
                .isEqualTo(owner.equals(client));
    }

    @Provide
    Arbitrary<List<String>> importHosts() {
        Arbitrary<String> ns = Arbitraries.of(".", "*", "~", "aaa", "bbb");
        Arbitrary<String> h = Arbitraries.of("*", "*.example.com", "api.example.com", "other.org");
        return Combinators.combine(ns, h).as((a, b) -> a + "/" + b).list().ofMinSize(1).ofMaxSize(3);
    }

    @Property(tries = 300)
    void aSidecarNeverWidensWhatTheNamespaceSees(@ForAll("importHosts") List<String> imports,
                                                 @ForAll("namespace") String client) {
        TestConfig config = TestConfig.create()
                .apply("aaa", RegistryCase.se("api", "api.example.com", "443/TLS"))
                .apply("bbb", RegistryCase.se("wild", "*.example.com", "443/TLS", "."))
                .apply("ccc", RegistryCase.se("other", "other.org", "443/TLS", "aaa"));
        Registry without = Registry.compile(config.build());
        config.apply(client, RegistryConformanceTest.sidecar(imports.toArray(String[]::new)));
        Registry with = Registry.compile(config.build());
        WorkloadRef w = new WorkloadRef(client, "sa", Map.of());
        for (String host : List.of("api.example.com", "x.example.com", "other.org")) {
            if (with.scopeFor(w).lookup(host, 443).isPresent()) {
                assertThat(without.scopeFor(w).lookup(host, 443)).as(host + " with " + imports).isPresent();
            }
        }
    }
}
