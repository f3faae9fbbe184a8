package dev.tollgate.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code learn} writes a configuration that {@code replay} of the same logs finds no refusal in (with REGISTRY_ONLY,
 * and with --gateway an allow-nothing at the gateway), and that refuses what the logs do not show.
 */
class ReplayLearnRoundTripTest {
    static final String REGISTRY_ONLY = Path.of("..", "examples", "mesh", "registry-only.yaml").toString();
    static final String ALLOW_NOTHING = TutorialCheckTest.f("authz-allow-nothing.yaml");

    static String fixture(String name) {
        try {
            return Path.of(Objects.requireNonNull(ReplayLearnRoundTripTest.class.getResource("/accesslog/" + name))
                    .toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** learn, write it, replay against it: no refusal. Returns the learned file. */
    static Path roundTrip(Path dir, boolean gateway, List<String> logArgs) throws IOException {
        List<String> learn = new ArrayList<>(List.of("learn"));
        learn.addAll(logArgs);
        if (gateway) {
            learn.add("--gateway");
        }
        CliRun learned = CliRun.of(learn.toArray(String[]::new));
        assertThat(learned.exitCode()).as(learned.err()).isZero();
        assertThat(learned.out()).startsWith("# Learned by 'tollgate learn");
        Path file = Files.createTempFile(dir, "learned", ".yaml");
        Files.writeString(file, learned.out());

        List<String> replay = new ArrayList<>(List.of("replay", "-f", file.toString(), "-f", REGISTRY_ONLY));
        if (gateway) {
            replay.addAll(List.of("-f", ALLOW_NOTHING));
        }
        replay.addAll(logArgs);
        CliRun r = CliRun.of(replay.toArray(String[]::new));
        assertThat(r.out()).as(learned.out() + r.err()).contains(" 0 distinct would be refused (0 requests)");
        assertThat(r.exitCode()).as(r.out()).isZero();
        return file;
    }

    @ParameterizedTest(name = "{0} gateway={1}")
    @CsvSource({
            "istio-json-sleep.log,false", "istio-json-sleep.log,true",
            "istio-text-sleep.log,false", "istio-text-sleep.log,true",
            "istio-text-1.3-sleep.log,true",
            "envoy-text-sleep.log,false", "envoy-text-sleep.log,true"})
    void aSidecarsEnvoyLogWithFromRoundTrips(String log, boolean gateway, @TempDir Path dir) throws IOException {
        Path learned = roundTrip(dir, gateway, List.of("--access-log", fixture(log), "--from", "default/sleep"));
        // nothing else: another namespace, and an unseen host, stay refused
        String first = switch (log) {
            case "istio-json-sleep.log" -> "http://developers.google.com/";
            case "envoy-text-sleep.log" -> "http://locations.example.net/api/v1/locations";
            case "istio-text-1.3-sleep.log" -> "http://www.example.org/";
            default -> "http://httpbin.org/";
        };
        assertRefused(learned, gateway, "otherns/sleep", "GET", first, "blocked");
        assertRefused(learned, gateway, "default/sleep", "GET", "http://www.wikipedia.org/", "blocked");
        if (gateway) {
            // the host is visible to default, so the sidecar sends it on; the gateway allows only the principal seen
            assertRefused(learned, true, "default/other", "GET", first, "denied");
        }
    }

    @Test
    void istioJsonWithPeerPrincipalsRoundTripsThroughTheGateway(@TempDir Path dir) throws IOException {
        List<String> logs = List.of("--access-log", fixture("istio-json-gateway.log"));
        Path learned = roundTrip(dir, true, logs);
        assertAllowed(learned, "default/sleep", "GET", "http://developers.google.com/");
        assertAllowed(learned, "otherns/sleep", null, "https://edition.cnn.com/");
        // only GET was seen: another method is denied at the gateway
        assertRefused(learned, true, "default/sleep", "POST", "http://developers.google.com/", "denied");
        // only otherns used edition.cnn.com: default does not even see it
        assertRefused(learned, true, "default/sleep", null, "https://edition.cnn.com/", "blocked");
        // and without a gateway, the ServiceEntries alone
        roundTrip(dir, false, logs);
    }

    @Test
    void severalLogsOfSeveralFormatsAtOnce(@TempDir Path dir) throws IOException {
        roundTrip(dir, true, List.of("--access-log", fixture("istio-json-gateway.log"), "--access-log",
                fixture("istio-text-sleep.log"), "--access-log", fixture("envoy-text-sleep.log"),
                "--from", "default/sleep"));
    }

    @Test
    void replayReportsWhatTheTutorialsPartBWouldRefuseWithChecksWords() {
        CliRun r = CliRun.of("replay", "--access-log", fixture("istio-json-gateway.log"),
                "-f", "istio-system=" + TutorialCheckTest.f("external-google.yaml"),
                "-f", "istio-system=" + TutorialCheckTest.f("authz-allow-nothing.yaml"), "-f", REGISTRY_ONLY);
        assertThat(r.exitCode()).as(r.err()).isEqualTo(1);
        CliRun check = CliRun.of("check", "-f", "istio-system=" + TutorialCheckTest.f("external-google.yaml"),
                "-f", "istio-system=" + TutorialCheckTest.f("authz-allow-nothing.yaml"), "-f", REGISTRY_ONLY,
                "--from", "default/sleep", "-o", "json", "http://developers.google.com:80/");
        String reason = check.out().replaceAll("(?s).*\"reason\" : \"([^\"]*)\".*", "$1");
        assertThat(r.out()).contains("DENIED x1: default/sleep GET http://developers.google.com:80/\n  reason: " + reason
                + "\n  policy: [none]\n  policies considered: ns[istio-system]-policy[allow-nothing]\n");
        assertThat(r.out()).contains("BLOCKED x1: otherns/sleep https://edition.cnn.com:443/");
        assertThat(r.out()).contains("2 requests (2 distinct) replayed: 2 distinct would be refused (2 requests)");
    }

    @Test
    void linesWithoutAWorkloadAreListedNotGuessed() {
        CliRun r = CliRun.of("replay", "--access-log", fixture("istio-text-sleep.log"), "-f", REGISTRY_ONLY);
        assertThat(r.exitCode()).as(r.err()).isEqualTo(1);
        assertThat(r.out()).contains("UNATTRIBUTED 4 lines")
                .contains("the istio-text format names no source workload: " + fixture("istio-text-sleep.log") + ":1, ")
                .contains("0 requests (0 distinct) replayed");
        CliRun json = CliRun.of("replay", "--access-log", fixture("istio-text-sleep.log"), "-f", REGISTRY_ONLY,
                "-o", "json");
        assertThat(json.out()).contains("\"unattributed\" : [ {").contains("\"refused\" : [ ]");
    }

    @Test
    void learnRefusesALogWithNoAttributedRequest() {
        CliRun r = CliRun.of("learn", "--access-log", fixture("istio-text-sleep.log"));
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("nothing to learn").contains("give --from");
    }

    @Test
    void learnWritesOneFilePerHost(@TempDir Path dir) throws IOException {
        CliRun r = CliRun.of("learn", "--access-log", fixture("istio-json-gateway.log"), "--gateway", "-o",
                dir.resolve("out").toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        try (var files = Files.list(dir.resolve("out"))) {
            assertThat(files.map(p -> p.getFileName().toString()).sorted())
                    .containsExactly("developers-google-com.yaml", "edition-cnn-com.yaml");
        }
        CliRun replay = CliRun.of("replay", "-f", dir.resolve("out").toString(), "-f", REGISTRY_ONLY, "-f",
                ALLOW_NOTHING, "--access-log", fixture("istio-json-gateway.log"));
        assertThat(replay.exitCode()).as(replay.out() + replay.err()).isZero();
    }

    @Test
    void hostileLogsOnStandardInputAreReportedLineByLine(@TempDir Path dir) throws IOException {
        String log = String.join("\r\n",
                "\u0000\u001b[31mgarbage",
                "{\"method\":\"GET\",\"path\":\"/a\",\"authority\":\"api.example.com:8443\",\"response_code\":200}",
                "{\"method\":\"GET\",\"path\":\"/\",\"authority\":\"[2001:db8::1]:8080\",\"response_code\":200}",
                "{\"method\":\"GET\",\"path\":\"/\",\"authority\":\"x.example.com\",\"response_code\":200,"
                        + "\"downstream_peer_uri_san\":\"spiffe://cluster.local/ns/Evil/sa/x\"}",
                "x".repeat(200_000),
                "{\"method\":\"GET\",\"path\":\"/a b\",\"authority\":\"y.example.com\",\"response_code\":200}",
                // outside RFC 3986 but sent so by curl and read so by the proxies: replayed as written
                "{\"method\":\"GET\",\"path\":\"/a\\\\b|c\",\"authority\":\"z.example.com\",\"response_code\":200}",
                "");
        Path file = dir.resolve("hostile.log");
        Files.writeString(file, log);
        var stdin = System.in;
        CliRun r;
        try {
            System.setIn(new java.io.ByteArrayInputStream(log.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            r = CliRun.of("replay", "--access-log", "-", "--from", "default/sleep", "-f", REGISTRY_ONLY);
        } finally {
            System.setIn(stdin);
        }
        assertThat(r.exitCode()).as(r.err()).isEqualTo(1);
        assertThat(r.out()).contains("BLOCKED x1: default/sleep GET http://api.example.com:8443/a")
                .contains("BLOCKED x1: default/sleep GET http://[2001:db8::1]:8080/")
                // a principal that is no valid SPIFFE ID (upper case namespace) gives way to --from, never read as one
                .contains("BLOCKED x1: default/sleep GET http://x.example.com:80/")
                .contains("SKIPPED 3 lines").contains("stdin:1").contains("longer than 65536 characters: stdin:5")
                .contains("path \"/a b\" does not start with / or holds a character that is not visible ASCII: stdin:6")
                .contains("BLOCKED x1: default/sleep GET http://z.example.com:80/a\\b|c")
                .doesNotContain("\u001b");
        // learn from the same: the port stays with the host, the address is left out and said so
        CliRun learned = CliRun.of("learn", "--access-log", file.toString(), "--from", "default/sleep", "--gateway");
        assertThat(learned.exitCode()).as(learned.err()).isZero();
        assertThat(learned.out()).contains("- api.example.com:8443").contains("number: 8443")
                .contains("# Left out: " + file + ":3: http://[2001:db8::1]:8080/ names an address, not a host")
                .contains("# Left out, no request: " + file + ":1, " + file + ":5");
        CliRun twice = CliRun.of("replay", "--access-log", "-", "--access-log", "-", "-f", REGISTRY_ONLY);
        assertThat(twice.exitCode()).isEqualTo(2);
        assertThat(twice.err()).contains("standard input can be read only once");
    }

    static void assertRefused(Path learned, boolean gateway, String from, String method, String url, String outcome) {
        CliRun r = check(learned, gateway, from, method, url);
        assertThat(r.exitCode()).as("%s %s %s: %s%s", from, method, url, r.out(), r.err()).isEqualTo(1);
        assertThat(r.out()).contains("\"outcome\" : \"" + outcome + "\"");
    }

    static void assertAllowed(Path learned, String from, String method, String url) {
        CliRun r = check(learned, true, from, method, url);
        assertThat(r.exitCode()).as("%s %s: %s%s", from, url, r.out(), r.err()).isZero();
    }

    private static CliRun check(Path learned, boolean gateway, String from, String method, String url) {
        List<String> args = new ArrayList<>(List.of("check", "-f", learned.toString(), "-f", REGISTRY_ONLY));
        if (gateway) {
            args.addAll(List.of("-f", ALLOW_NOTHING));
        }
        args.addAll(List.of("--from", from, "-o", "json"));
        if (method != null) {
            args.addAll(List.of("-X", method));
        }
        args.add(url);
        return CliRun.of(args.toArray(String[]::new));
    }
}
