package dev.tollgate.config;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Property: a ServiceEntry's exportTo loads exactly when Istio's validateExportTo accepts it — no duplicates
 * ("." counts as the own namespace), namespace names valid, and "*" or "~" only when alone.
 */
class ExportToPropertiesTest {
    private static final String NAMESPACE = "team";

    @Provide
    Arbitrary<List<String>> exportTo() {
        return Arbitraries.of(".", "*", "~", "team", "other", "Bad_NS", "a.b").list().ofMinSize(1).ofMaxSize(4);
    }

    static boolean istioAccepts(List<String> entries) {
        Set<String> seen = new HashSet<>();
        for (String e : entries) {
            String key = e.equals(".") ? NAMESPACE : e;
            if (!seen.add(key)) {
                return false;
            }
            if (!Set.of(".", "*", "~").contains(e) && !e.matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?")) {
                return false;
            }
        }
        return !((entries.contains("*") || entries.contains("~")) && entries.size() > 1);
    }

    @Property(tries = 200)
    void loadsExactlyWhenIstioAccepts(@ForAll("exportTo") List<String> entries) throws IOException {
        String list = entries.stream().map(e -> "\"" + e + "\"").collect(Collectors.joining(", "));
        Path file = Files.createTempFile("export", ".yaml");
        try {
            Files.writeString(file, """
                    apiVersion: networking.istio.io/v1
                    kind: ServiceEntry
                    metadata:
                      name: se
                      namespace: team
                    spec:
                      hosts: [a.example.com]
                      exportTo: [%s]
                    """.formatted(list));
            LoadResult r = Fixtures.load(file);
            assertThat(r.ok()).as("%s: %s", entries, Fixtures.dump(r.diagnostics())).isEqualTo(istioAccepts(entries));
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
