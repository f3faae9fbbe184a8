package dev.tollgate.cli.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/** The demo's plumbing for real (stand-ins, CA, curl or the built-in client, report), with a permissive fake mesh. */
class DemoCommandTest {

    record Run(int exit, String out, String err) {
    }

    static Run run(DemoCommand.MeshStarter starter, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new DemoCommand(starter));
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return new Run(cl.execute(args), out.toString(), err.toString());
    }

    @Test
    void stepA1PassesThroughRealTunnelsToTheStandIns(@TempDir Path dir) throws Exception {
        AtomicReference<AllowAnyMesh> mesh = new AtomicReference<>();
        Run r = run(setup -> {
            // the first step's files are there before the proxies start
            assertThat(Files.readString(setup.config().meshFile())).contains("ALLOW_ANY");
            mesh.set(new AllowAnyMesh(setup));
            return mesh.get();
        }, "--steps", "A1", "-o", "json", "--work-dir", dir.toString());
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        JsonNode steps = new ObjectMapper().readTree(r.out()).get("steps");
        assertThat(steps).hasSize(4);
        assertThat(steps).allMatch(s -> s.get("passed").asBoolean() && s.get("actual").asText().equals("ok"));
        assertThat(mesh.get().calls).containsExactly("await");
        assertThat(r.err()).contains("step A1");
    }

    @Test
    void builtInClientGivesTheSameResult(@TempDir Path dir) throws Exception {
        Run r = run(AllowAnyMesh::new, "--steps", "A1", "--client", "builtin", "--work-dir", dir.toString());
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).startsWith("The Istio egress tutorial (docs/tutorial.md), steps A1\nwork folder: ")
                .contains("[PASS] default/sleep -> https://developers.google.com/").contains("PASS: all 4 requests");
    }

    @Test
    void aStepThatDoesNotComeOutAsTheTutorialSaysFailsTheRun(@TempDir Path dir) {
        // the permissive fake lets A2's requests through, where the tutorial says blocked
        Run r = run(AllowAnyMesh::new, "--steps", "A1,A2", "--work-dir", dir.toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).contains("[FAIL] default/sleep -> https://developers.google.com/: expected blocked, got ok")
                .contains("FAIL: 4 of 8");
    }

    @Test
    void proxiesThatCannotStartAreAClearError(@TempDir Path dir) {
        Run r = run(setup -> {
            throw new IllegalStateException("port 15001 is taken");
        }, "--work-dir", dir.resolve("w").toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("cannot start the proxies: port 15001 is taken");
    }

    @Test
    void temporaryWorkFolderIsRemoved() {
        Run r = run(AllowAnyMesh::new, "--steps", "A1", "--client", "builtin");
        assertThat(r.exit()).isZero();
        String folder = r.out().lines().filter(l -> l.startsWith("work folder: ")).findFirst().orElseThrow()
                .substring("work folder: ".length()).split(" ")[0];
        assertThat(Path.of(folder)).doesNotExist();
    }

    @Test
    void badArgumentsExit2() {
        assertThat(run(AllowAnyMesh::new, "--steps", "Z9").exit()).isEqualTo(2);
        assertThat(run(AllowAnyMesh::new, "-o", "yaml").exit()).isEqualTo(2);
        assertThat(run(AllowAnyMesh::new, "--client", "wget").exit()).isEqualTo(2);
    }
}
