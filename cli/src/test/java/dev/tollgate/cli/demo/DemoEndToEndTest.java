package dev.tollgate.cli.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole tutorial, parts A and B, for real: the egress gateway and four sidecars (dev.tollgate.proxy), the
 * stand-in hosts, and curl (or the built-in client where curl is missing), all on loopback.
 */
class DemoEndToEndTest {

    @Test
    void everyStepOfTheTutorialComesOutAsItSays(@TempDir Path dir) throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new DemoCommand((dev.tollgate.cli.lab.InProcessCli) dev.tollgate.cli.Main::capture));
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute("-o", "json", "--work-dir", dir.toString());

        JsonNode steps = new ObjectMapper().readTree(out.toString()).get("steps");
        assertThat(steps).as(err.toString()).isNotNull();
        StringBuilder failed = new StringBuilder();
        steps.forEach(s -> {
            if (!s.get("passed").asBoolean()) {
                failed.append(s).append('\n');
            }
        });
        assertThat(failed.toString()).as("requests that did not come out as the Istio egress tutorial says").isEmpty();
        assertThat(exit).isZero();
        long expected = Scenario.tutorial().stream().mapToLong(s -> s.checks().size()).sum();
        assertThat(steps).hasSize((int) expected);
    }

    /** Part B with the Gateway API: three gateways (Istio's default, and one per host's Gateway), four sidecars. */
    @Test
    void theGatewayApiVariantOfPartBComesOutAsPartBDoes(@TempDir Path dir) throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new DemoCommand((dev.tollgate.cli.lab.InProcessCli) dev.tollgate.cli.Main::capture));
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute("--gateway-api", "-o", "json", "--work-dir", dir.toString());

        JsonNode steps = new ObjectMapper().readTree(out.toString()).get("steps");
        assertThat(steps).as(err.toString()).isNotNull();
        StringBuilder failed = new StringBuilder();
        steps.forEach(s -> {
            if (!s.get("passed").asBoolean()) {
                failed.append(s).append('\n');
            }
        });
        assertThat(failed.toString()).as("requests that did not come out as part B says").isEmpty();
        assertThat(exit).isZero();
        long expected = Scenario.gatewayApi().stream().mapToLong(s -> s.checks().size()).sum();
        assertThat(steps).hasSize((int) expected);
        assertThat(steps.toString()).contains("GB1").contains("GB5");
    }
}
