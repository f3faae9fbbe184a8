package dev.tollgate.core.routing;

import dev.tollgate.core.model.net.HostName;
import dev.tollgate.core.model.net.HostPattern;
import dev.tollgate.core.registry.Hosts;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** The host index finds exactly the patterns that Istio's host matching (Hosts.matches) says match. */
class HostIndexPropertiesTest {

    @Provide
    Arbitrary<String> hosts() {
        return Arbitraries.of("a", "b", "ab", "com", "x").list().ofMinSize(1).ofMaxSize(4)
                .map(labels -> String.join(".", labels));
    }

    @Provide
    Arbitrary<String> patterns() {
        return Arbitraries.oneOf(hosts(), hosts().map(h -> "*." + h), Arbitraries.just("*"));
    }

    @Provide
    Arbitrary<List<String>> patternLists() {
        return patterns().list().ofMaxSize(8);
    }

    @Property(tries = 500)
    void lookupAgreesWithHostMatching(@ForAll("patternLists") List<String> patterns, @ForAll("hosts") String host) {
        HostIndex<String> index = new HostIndex<>();
        patterns.forEach(p -> index.add(p, p));
        Set<String> found = index.lookup(host).stream().map(HostIndex.Hit::value).collect(Collectors.toSet());
        Set<String> expected = new HashSet<>();
        for (String p : patterns) {
            if (HostPattern.matches(p, host)) {
                expected.add(p);
            }
        }
        assertThat(found).as("host %s, patterns %s", host, patterns).isEqualTo(expected);
    }

    /** Skipping the probes no pattern can answer changes nothing: the hits are those of every candidate pattern. */
    @Property(tries = 500)
    void lookupEqualsProbingEveryCandidatePattern(@ForAll("patternLists") List<String> patterns,
                                                  @ForAll("patterns") String host) {
        HostIndex<String> index = new HostIndex<>();
        for (int i = 0; i < patterns.size(); i++) {
            index.add(patterns.get(i), patterns.get(i) + "#" + i);
        }
        List<String> expected = new java.util.ArrayList<>();
        for (String candidate : RouteHosts.candidatePatterns(host)) {
            for (int i = 0; i < patterns.size(); i++) {
                if (patterns.get(i).equals(candidate)) {
                    expected.add(candidate + "#" + i);
                }
            }
        }
        assertThat(index.lookup(host).stream().map(HostIndex.Hit::value).toList())
                .as("host %s, patterns %s", host, patterns).isEqualTo(expected);
    }

    @Property(tries = 300)
    void hitsComeMostSpecificFirst(@ForAll("patternLists") List<String> patterns, @ForAll("hosts") String host) {
        HostIndex<String> index = new HostIndex<>();
        patterns.forEach(p -> index.add(p, p));
        List<String> order = index.lookup(host).stream().map(HostIndex.Hit::pattern).toList();
        for (int i = 1; i < order.size(); i++) {
            String prev = order.get(i - 1);
            String cur = order.get(i);
            // an exact host first; then longer wildcard suffixes before shorter ones; "*" last
            boolean ok = prev.equals(cur) || !HostName.isWildcard(prev) || prev.length() >= cur.length();
            assertThat(ok).as("order %s", order).isTrue();
        }
    }

}
