package dev.tollgate.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Issue 11 section 6: {@code tollgate check --batch}, one JSON question per line, one JSON answer per line. */
class CheckBatchTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String GOOGLE = "https://developers.google.com/";
    private static final String[] CONFIG = {"-f", "default=" + tutorial("serviceentry-google.yaml"),
            "-f", "istio-system=" + tutorial("external-yahoo.yaml"),
            "-f", "istio-system=" + tutorial("authz-deny-yahoo.yaml"),
            "--set", "meshConfig.outboundTrafficPolicy.mode=REGISTRY_ONLY"};

    private static String tutorial(String name) {
        return Path.of("..", "examples", "tutorial", name).toString();
    }

    private static String[] args(String... more) {
        String[] all = new String[CONFIG.length + more.length + 1];
        all[0] = "check";
        System.arraycopy(CONFIG, 0, all, 1, CONFIG.length);
        System.arraycopy(more, 0, all, 1 + CONFIG.length, more.length);
        return all;
    }

    private static CliRun batch(String stdin, String... more) {
        String[] withBatch = new String[more.length + 1];
        withBatch[0] = "--batch";
        System.arraycopy(more, 0, withBatch, 1, more.length);
        return ConfigInputTest.withStdin(stdin, args(withBatch));
    }

    private static List<JsonNode> lines(String out) throws IOException {
        List<JsonNode> nodes = new java.util.ArrayList<>();
        for (String line : out.split("\n", -1)) {
            if (!line.isEmpty()) {
                nodes.add(JSON.readTree(line));
            }
        }
        assertThat(out).endsWith("\n");
        return nodes;
    }

    @Test
    void eachLineGetsTheAnswerThatCheckDashOJsonGivesForTheSameQuestion() throws IOException {
        String input = String.join("\n",
                "{\"url\": \"" + GOOGLE + "\"}",
                "{\"from\": \"otherns/sleep\", \"url\": \"" + GOOGLE + "\"}",
                "{\"from\": \"default/sleep\", \"url\": \"http://developer.yahoo.com/\", \"method\": \"HEAD\","
                        + " \"headers\": {\"x-team\": \"a\"}}",
                "{\"url\": \"tcp://developers.google.com:443\", \"labels\": {\"app\": \"sleep\"}}") + "\n";
        CliRun r = batch(input, "--from", "default/sleep");
        assertThat(r.exitCode()).isZero();
        assertThat(r.err()).isEmpty();
        List<JsonNode> answers = lines(r.out());
        assertThat(answers).hasSize(4);
        assertThat(r.out().split("\n")).allSatisfy(line -> assertThat(line).startsWith("{\"allowed\":"));

        List<String[]> singles = List.of(
                new String[]{"--from", "default/sleep", GOOGLE},
                new String[]{"--from", "otherns/sleep", GOOGLE},
                new String[]{"--from", "default/sleep", "-X", "HEAD", "-H", "x-team: a", "http://developer.yahoo.com/"},
                new String[]{"--from", "default/sleep", "--labels", "app=sleep", "tcp://developers.google.com:443"});
        for (int i = 0; i < singles.size(); i++) {
            String[] more = new String[singles.get(i).length + 2];
            System.arraycopy(singles.get(i), 0, more, 0, singles.get(i).length);
            more[more.length - 2] = "-o";
            more[more.length - 1] = "json";
            CliRun single = CliRun.of(args(more));
            assertThat(answers.get(i)).as("line %d", i + 1).isEqualTo(JSON.readTree(single.out()));
        }
        assertThat(answers.get(0).get("outcome").asText()).isEqualTo("allowed");
        assertThat(answers.get(1).get("outcome").asText()).isEqualTo("blocked");
        assertThat(answers.get(2).get("outcome").asText()).isEqualTo("denied");
        assertThat(answers.get(2).get("policy").asText()).contains("deny-developer-yahoo-com");
    }

    @Test
    void aMalformedLineGetsAnErrorWithItsNumberAndTheBatchGoesOnToExitTwo() throws IOException {
        String input = String.join("\n",
                "{\"url\": \"" + GOOGLE + "\"}",
                "",
                "   ",
                "{\"url\": ",
                "{\"url\": \"" + GOOGLE + "\", \"methd\": \"GET\"}",
                "[\"" + GOOGLE + "\"]",
                "{\"url\": \"ftp://x/\"}",
                "{\"url\": \"" + GOOGLE + "\", \"from\": \"nobody\"}",
                "{\"url\": \"" + GOOGLE + "\", \"url\": \"http://developer.yahoo.com/\"}",
                "{\"url\": \"" + GOOGLE + "\"} {\"url\": \"" + GOOGLE + "\"}",
                "{\"from\": \"otherns/sleep\", \"url\": \"" + GOOGLE + "\"}\r");
        CliRun r = batch(input, "--from", "default/sleep");
        assertThat(r.exitCode()).isEqualTo(2);
        List<JsonNode> out = lines(r.out());
        assertThat(out).hasSize(9); // the two blank lines get no answer
        assertThat(out.get(0).get("outcome").asText()).isEqualTo("allowed");
        assertThat(out.subList(1, 8)).extracting(n -> n.get("line").asInt()).containsExactly(4, 5, 6, 7, 8, 9, 10);
        assertThat(out.get(1).get("error").asText()).startsWith("column ").contains("not JSON: Unexpected end-of-input")
                .doesNotContain("Source");
        assertThat(out.get(2).get("error").asText())
                .isEqualTo("unknown field methd; known: from, headers, labels, method, url");
        assertThat(out.get(3).get("error").asText()).isEqualTo("expected a JSON object {\"from\": ..., \"url\": ...}");
        assertThat(out.get(4).get("error").asText()).contains("ftp://x/");
        assertThat(out.get(5).get("error").asText())
                .isEqualTo("--from nobody: expected NAMESPACE/SERVICEACCOUNT, e.g. default/sleep");
        assertThat(out.get(6).get("error").asText()).isEqualTo("duplicate key url");
        assertThat(out.get(7).get("error").asText()).contains("more after the JSON object");
        // the last line (CRLF-terminated, no final newline) is still answered
        assertThat(out.get(8).get("from").asText()).isEqualTo("otherns/sleep");
        assertThat(out.get(8).get("outcome").asText()).isEqualTo("blocked");
    }

    @Test
    void aLineWithoutFromNeedsTheDefault() throws IOException {
        CliRun r = batch("{\"url\": \"" + GOOGLE + "\"}\n{\"from\": \"default/sleep\", \"url\": \"" + GOOGLE + "\"}\n");
        assertThat(r.exitCode()).isEqualTo(2);
        List<JsonNode> out = lines(r.out());
        assertThat(out.get(0).toString()).isEqualTo("{\"line\":1,\"error\":\"missing from, and no --from to default to\"}");
        assertThat(out.get(1).get("allowed").asBoolean()).isTrue();
    }

    @Test
    void aVeryLongLineIsRefusedWithoutReadingItWholeAndALongButSaneOneIsAnswered() throws IOException {
        String longHeader = "a".repeat(200_000);
        String sane = "{\"url\": \"http://developer.yahoo.com/\", \"headers\": {\"x-long\": \"" + longHeader + "\"}}";
        String huge = "{\"url\": \"" + GOOGLE + "\", \"headers\": {\"x\": \"" + "b".repeat(BatchCheck.MAX_LINE) + "\"}}";
        CliRun r = batch(sane + "\n" + huge + "\n" + "{\"url\": \"" + GOOGLE + "\"}\n", "--from", "default/sleep");
        assertThat(r.exitCode()).isEqualTo(2);
        List<JsonNode> out = lines(r.out());
        assertThat(out).hasSize(3);
        assertThat(out.get(0).get("outcome").asText()).isEqualTo("denied");
        assertThat(out.get(1).toString()).isEqualTo("{\"line\":2,\"error\":\"longer than 1048576 characters\"}");
        assertThat(out.get(2).get("outcome").asText()).isEqualTo("allowed");
    }

    @Test
    void emptyInputIsNoQuestionsAndExitsZero() {
        CliRun r = batch("", "--from", "default/sleep");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).isEmpty();
    }

    /** A co-process writes a line and waits for its answer before writing the next: the answer must not sit in a buffer. */
    @Test
    void eachAnswerIsWrittenOutBeforeWaitingForTheNextLine() throws Exception {
        PipedOutputStream feed = new PipedOutputStream();
        InputStream before = System.in;
        StringWriter seen = new StringWriter();
        synchronized (ConfigInputTest.class) {
            System.setIn(new PipedInputStream(feed, 1 << 16));
            try {
                CommandLine cl = Main.commandLine();
                // buffered: text reaches `seen` only when the command flushes
                cl.setOut(new PrintWriter(new BufferedWriter(seen, 1 << 16)));
                cl.setErr(new PrintWriter(new StringWriter(), true));
                CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> cl.execute(args("--batch",
                        "--from", "default/sleep")));
                for (String from : List.of("default/sleep", "otherns/sleep")) {
                    int answers = count(seen);
                    feed.write(("{\"from\": \"" + from + "\", \"url\": \"" + GOOGLE + "\"}\n")
                            .getBytes(StandardCharsets.UTF_8));
                    feed.flush();
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                    while (count(seen) == answers && System.nanoTime() < deadline) {
                        Thread.sleep(10);
                    }
                    assertThat(count(seen)).as("answer to %s while the input is still open", from).isEqualTo(answers + 1);
                }
                feed.close();
                assertThat(exit.get(30, TimeUnit.SECONDS)).isZero();
            } finally {
                System.setIn(before);
            }
        }
        assertThat(seen.toString()).contains("\"from\":\"otherns/sleep\"");
    }

    private static int count(StringWriter w) {
        synchronized (w.getBuffer()) {
            return (int) w.toString().chars().filter(c -> c == '\n').count();
        }
    }

    @Test
    void withoutBatchFromAndUrlAreRequiredWithTheSameOneLineUsageErrorsAsBefore() {
        CliRun none = CliRun.of("check", "-f", tutorial("serviceentry-google.yaml"));
        assertThat(none.exitCode()).isEqualTo(2);
        assertThat(none.err()).isEqualTo("tollgate check: missing --from=NAMESPACE/SERVICEACCOUNT, URL; "
                + "see 'tollgate check --help'\n");
        CliRun noUrl = CliRun.of("check", "-f", tutorial("serviceentry-google.yaml"), "--from", "default/sleep");
        assertThat(noUrl.err()).isEqualTo("tollgate check: missing URL; see 'tollgate check --help'\n");
        CliRun noFrom = CliRun.of("check", "-f", tutorial("serviceentry-google.yaml"), GOOGLE);
        assertThat(noFrom.err()).isEqualTo("tollgate check: missing --from=NAMESPACE/SERVICEACCOUNT; "
                + "see 'tollgate check --help'\n");
        assertThat(noFrom.out()).isEmpty();
    }

    @Test
    void explainStillRequiresBoth() {
        CliRun r = CliRun.of("explain", "-f", tutorial("serviceentry-google.yaml"), GOOGLE);
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("tollgate explain: missing --from=NAMESPACE/SERVICEACCOUNT; "
                + "see 'tollgate explain --help'\n");
        CliRun batch = CliRun.of("explain", "--batch", "-f", tutorial("serviceentry-google.yaml"), "--from",
                "default/sleep", GOOGLE);
        assertThat(batch.exitCode()).isEqualTo(2);
        assertThat(batch.err()).startsWith("tollgate explain: Unknown option: '--batch'");
    }

    @Test
    void optionsThatEachLineGivesAreUsageErrorsWithBatch() {
        CliRun url = batch("", "--from", "default/sleep", GOOGLE);
        assertThat(url.exitCode()).isEqualTo(2);
        assertThat(url.err()).isEqualTo("tollgate check: URL with --batch: each line gives its own url, method and "
                + "headers; see 'tollgate check --help'\n");
        CliRun method = batch("", "-X", "POST", "-H", "a: b");
        assertThat(method.err()).startsWith("tollgate check: -X, -H with --batch");
        CliRun text = batch("", "-o", "text");
        assertThat(text.err()).startsWith("tollgate check: -o text with --batch: it answers in JSON");
        CliRun stdin = ConfigInputTest.withStdin("", "check", "--batch", "-f", "-");
        assertThat(stdin.err()).startsWith("tollgate check: -f - with --batch: standard input holds the requests");
        CliRun badFrom = batch("", "--from", "nobody");
        assertThat(badFrom.exitCode()).isEqualTo(2);
        assertThat(badFrom.err()).contains("--from nobody: expected NAMESPACE/SERVICEACCOUNT");
    }
}
