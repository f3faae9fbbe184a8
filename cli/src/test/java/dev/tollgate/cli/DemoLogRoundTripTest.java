package dev.tollgate.cli;

import dev.tollgate.cli.demo.DemoCommand;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The round trip on logs real proxies wrote: 'tollgate demo' runs the tutorial's steps A1 (https, ALLOW_ANY),
 * B4 (http through the gateway) and B5 (TLS passthrough at the gateway) with its sidecars and gateway, which write
 * Tollgate's JSON access log; learn from all of them, replay them against what was learned.
 */
class DemoLogRoundTripTest {
    @TempDir
    static Path dir;
    static List<String> logArgs = new ArrayList<>();

    @BeforeAll
    static void runTheDemo() throws IOException {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new DemoCommand(Main::capture));
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute("--steps", "A1,B4,B5", "--work-dir", dir.toString());
        assertThat(exit).as(out + "\n" + err).isZero();
        try (Stream<Path> logs = Files.list(dir.resolve("logs"))) {
            logs.sorted().forEach(p -> logArgs.addAll(List.of("--access-log", p.toString())));
        }
        assertThat(logArgs).hasSizeGreaterThanOrEqualTo(10);
    }

    @Test
    void learnedServiceEntriesAllowWhatTheDemoDidAndNothingElse() throws IOException {
        Path learned = ReplayLearnRoundTripTest.roundTrip(dir, false, logArgs);
        assertThat(Files.readString(learned)).contains("hosts:\n  - developers.google.com")
                .contains("protocol: TLS").contains("protocol: HTTP");
        ReplayLearnRoundTripTest.assertRefused(learned, false, "default/sleep", null, "https://www.wikipedia.org/",
                "blocked");
        ReplayLearnRoundTripTest.assertRefused(learned, false, "thirdns/sleep", null, "https://developers.google.com/",
                "blocked");
    }

    @Test
    void learnedGatewayRoutingAllowsWhatTheDemoDidAndNothingElse() throws IOException {
        Path learned = ReplayLearnRoundTripTest.roundTrip(dir, true, logArgs);
        ReplayLearnRoundTripTest.assertAllowed(learned, "otherns/sleep-google", "HEAD", "http://developers.google.com/");
        // a service account the logs never showed, in a namespace that did use the host: denied at the gateway
        ReplayLearnRoundTripTest.assertRefused(learned, true, "otherns/intruder", "HEAD",
                "http://developers.google.com/", "denied");
        ReplayLearnRoundTripTest.assertRefused(learned, true, "otherns/intruder", null,
                "https://developers.google.com/", "denied");
        // curl -I sent HEAD only
        ReplayLearnRoundTripTest.assertRefused(learned, true, "default/sleep", "DELETE",
                "http://developers.google.com/", "denied");
    }
}
