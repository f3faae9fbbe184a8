package dev.tollgate.config;

import dev.tollgate.core.model.Diagnostic;
import dev.tollgate.core.model.Resource;
import io.fabric8.istio.api.api.networking.v1alpha3.WorkloadEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * WorkloadEntry is loaded as strictly as every other kind Tollgate reads: its three apiVersions, the strict schema,
 * and Istio's {@code ValidateWorkloadEntry} (pkg/config/validation/validation.go), with file:line:column on each
 * error. Hostile input (bad addresses, bad port maps, labels that are not label syntax) is refused, and one refused
 * WorkloadEntry empties the whole result, as for any kind.
 */
class WorkloadEntryLoadTest {
    @TempDir
    Path dir;

    private static String we(String apiVersion, String spec) {
        return """
                # line 1
                apiVersion: %s
                kind: WorkloadEntry
                metadata:
                  name: vm-1
                  namespace: payments
                  labels: {app: vm}
                spec:
                %s""".formatted(apiVersion, spec.indent(2));
    }

    @ParameterizedTest
    @ValueSource(strings = {"networking.istio.io/v1", "networking.istio.io/v1beta1", "networking.istio.io/v1alpha3"})
    void loadsUnderEveryApiVersionWithItsFields(String apiVersion) {
        LoadResult r = Fixtures.load(dir, "we.yaml", we(apiVersion, """
                address: 10.1.2.3
                ports: {https: 8443}
                labels: {version: v1}
                network: net-1
                locality: eu-west1/zone-a
                weight: 3
                serviceAccount: vm-sa
                """));
        assertThat(r.ok()).as(Fixtures.dump(r.diagnostics())).isTrue();
        assertThat(r.diagnostics()).isEmpty();
        Resource<WorkloadEntry> we = r.config().orElseThrow().workloadEntries().get(0);
        assertThat(we.key().toString()).isEqualTo("WorkloadEntry payments/vm-1");
        assertThat(we.origin().toString()).isEqualTo(dir.resolve("we.yaml") + ":2:1");
        assertThat(we.labels()).containsEntry("app", "vm");
        assertThat(we.spec().getAddress()).isEqualTo("10.1.2.3");
        assertThat(we.spec().getPorts()).containsEntry("https", 8443L);
        assertThat(we.spec().getServiceAccount()).isEqualTo("vm-sa");
        assertThat(we.spec().getWeight()).isEqualTo(3L);
        assertThat(we.spec().getNetwork()).isEqualTo("net-1");
        assertThat(we.spec().getLocality()).isEqualTo("eu-west1/zone-a");
    }

    @Test
    void aDnsNameIsAnAddressAsIstioValidatesAWorkloadEntry() {
        // ValidateWorkloadEntry: validateWorkloadEntry(we, nil, true): "This could be IP (in STATIC resolution) or
        // DNS host name (for DNS)"
        LoadResult r = Fixtures.load(dir, "we.yaml", we("networking.istio.io/v1", "address: vm-1.corp.example.com\n"));
        assertThat(r.ok()).as(Fixtures.dump(r.diagnostics())).isTrue();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            // field line | spec | expected message
            "9:3  | address: ''                         | endpoint address is required",
            "9:3  | address: 'not a host!'              | endpoint address \"not a host!\" is not a valid FQDN or an IP address",
            "9:3  | address: '010.1.2.3'                | endpoint address \"010.1.2.3\" is not a valid FQDN or an IP address",
            "9:3  | address: '10.0.0.1/8'               | endpoint address \"10.0.0.1/8\" is not a valid FQDN or an IP address",
            "9:3  | address: unix://relative/sock       | relative/sock is not an absolute path to a file",
            "9:3  | address: 'a..example.com'           | endpoint address \"a..example.com\" is not a valid FQDN or an IP address",
            "10:11 | address: 10.0.0.1\\nports: {http: 0}  | port number 0 must be in the range 1..65535",
            "10:11 | address: 10.0.0.1\\nports: {http: 70000} | port number 70000 must be in the range 1..65535",
            "10:11 | address: 10.0.0.1\\nports: {Http_X: 80} | invalid port name: \"Http_X\"",
            "10:3 | address: unix:///var/run/a.sock\\nports: {http: 80} | unix endpoint unix:///var/run/a.sock must not include ports",
            "10:12 | address: 10.0.0.1\\nlabels: {'app/x/y': v} | invalid label key",
            "10:12 | address: 10.0.0.1\\nlabels: {app: 'spaces are not label syntax'} | invalid label value",
            "10:12 | address: 10.0.0.1\\nlabels: {'-app': v} | invalid label key \"-app\"",
    })
    void hostileInputIsAnErrorAtItsField(String at, String spec, String message) {
        Path file = Fixtures.write(dir, "we.yaml", we("networking.istio.io/v1", spec.replace("\\n", "\n") + "\n"));
        LoadResult r = Fixtures.load(file);
        assertThat(r.ok()).as("nothing invalid loads").isFalse();
        assertThat(r.diagnostics()).filteredOn(d -> d.severity() == Diagnostic.Severity.ERROR)
                .anySatisfy(d -> {
                    assertThat(d.message()).contains(message);
                    assertThat(d.format()).contains(file + ":" + at.strip() + ")");
                });
    }

    @Test
    void metadataLabelsMustBeLabelSyntaxToo() {
        // they select the WorkloadEntry as its spec labels do (ConvertWorkloadEntry merges them)
        Path file = Fixtures.write(dir, "we.yaml", """
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata:
                  name: vm-1
                  labels: {"app": "a b"}
                spec:
                  address: 10.0.0.1
                """);
        LoadResult r = Fixtures.load(file);
        assertThat(r.ok()).isFalse();
        assertThat(Fixtures.dump(r.diagnostics())).contains("invalid label value \"a b\" for key \"app\"")
                .contains(file + ":5:");
    }

    @Test
    void anUnknownFieldIsAnErrorWithASuggestion() {
        LoadResult r = Fixtures.load(dir, "we.yaml", we("networking.istio.io/v1", "address: 10.0.0.1\nserviceAcount: sa\n"));
        assertThat(r.ok()).isFalse();
        assertThat(Fixtures.dump(r.diagnostics())).contains("serviceAcount").contains("serviceAccount");
    }

    @Test
    void anAddressOnlyThroughANetworkIsAWarning() {
        // validateWorkloadEntry: address "" with a network is a warning ("address is unset with network %q")
        LoadResult r = Fixtures.load(dir, "we.yaml", we("networking.istio.io/v1", "network: net-2\n"));
        assertThat(r.ok()).isTrue();
        assertThat(Fixtures.dump(r.diagnostics())).contains("Warning [no-address]")
                .contains("address is unset with network \"net-2\"");
    }

    @Test
    void aServiceEntryWithBothEndpointsAndAWorkloadSelectorIsRefused() {
        // ValidateServiceEntry: "only one of WorkloadSelector or Endpoints is allowed in Service Entry"
        LoadResult r = Fixtures.load(dir, "se.yaml", """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: se, namespace: payments}
                spec:
                  hosts: [api.internal.example]
                  ports: [{number: 443, name: https, protocol: TLS}]
                  resolution: STATIC
                  workloadSelector: {labels: {app: vm}}
                  endpoints: [{address: 10.0.0.1}]
                """);
        assertThat(r.ok()).isFalse();
        assertThat(Fixtures.dump(r.diagnostics()))
                .contains("only one of workloadSelector or endpoints is allowed in a ServiceEntry");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "'true'  | ''                                     | false | its status has no Healthy condition",
            "'true'  | 'status: {conditions: [{type: Healthy, status: \"False\"}]}' | false | its status condition Healthy is False",
            "'True'  | 'status: {conditions: [{type: Healthy, status: \"True\"}]}'  | true  | ''",
            "'1'     | 'status: {conditions: [{type: Ready, status: \"True\"}]}'    | false | its status has no Healthy condition",
            "'false' | ''                                     | true  | ''",
            "'yes'   | ''                                     | true  | ''",
    })
    void withHealthChecksEnabledOnlyAHealthyWorkloadEntryIsAnEndpoint(String enabled, String status, boolean endpoint,
                                                                     String why) {
        // controller.go: "if features.WorkloadEntryHealthChecks && !isHealthy(cfg) { return nil }"; isHealthy reads
        // the annotation with strconv.ParseBool and then the Healthy condition, false when unset
        LoadResult r = Fixtures.load(dir, "we.yaml", """
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata:
                  name: vm-1
                  annotations: {proxy.istio.io/health-checks-enabled: "%s"}
                spec:
                  address: 10.0.0.1
                %s
                """.formatted(enabled, status));
        assertThat(r.ok()).as(Fixtures.dump(r.diagnostics())).isTrue();
        assertThat(r.config().orElseThrow().workloadEntries()).hasSize(endpoint ? 1 : 0);
        if (!endpoint) {
            assertThat(Fixtures.dump(r.diagnostics())).contains("Info [unhealthy-workload-entry]",
                    "WorkloadEntry default/vm-1 is no endpoint: health checks are enabled", why);
        }
    }
}
