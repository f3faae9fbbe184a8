package dev.tollgate.core.registry;

import dev.tollgate.core.model.ConfigSet;
import dev.tollgate.core.model.Resource;
import dev.tollgate.core.testing.TestConfig;
import io.fabric8.istio.api.api.networking.v1alpha3.ServiceEntry;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The cache of selections never answers for another entry that has the same name. */
class ServiceEndpointsTest {
    private static final String WES = """
            apiVersion: networking.istio.io/v1
            kind: WorkloadEntry
            metadata: {name: a, labels: {app: a}}
            spec: {address: 10.0.0.1}
            ---
            apiVersion: networking.istio.io/v1
            kind: WorkloadEntry
            metadata: {name: b, labels: {app: b}}
            spec: {address: 10.0.0.2}
            """;

    private static Resource<ServiceEntry> entry(String app) {
        return TestConfig.create().apply("ns", """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: se}
                spec:
                  hosts: [x.example]
                  ports: [{number: 80, name: http, protocol: HTTP}]
                  resolution: STATIC
                  workloadSelector: {labels: {app: %s}}
                """.formatted(app)).build().serviceEntries().get(0);
    }

    @Test
    void anEntryOfTheSameNameButAnotherSelectorGetsItsOwnEndpoints() {
        ConfigSet c = TestConfig.create().apply("ns", WES).build();
        ServiceEndpoints endpoints = ServiceEndpoints.of(c.workloadEntries(), c.workloads());
        Resource<ServiceEntry> a = entry("a");
        Resource<ServiceEntry> b = entry("b");
        assertThat(a.key()).isEqualTo(b.key());
        for (int i = 0; i < 2; i++) {
            assertThat(endpoints.of(a).endpoints()).extracting(e -> e.address()).containsExactly("10.0.0.1");
            assertThat(endpoints.of(b).endpoints()).extracting(e -> e.address()).containsExactly("10.0.0.2");
        }
    }
}
