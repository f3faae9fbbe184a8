package dev.tollgate.cli;

import dev.tollgate.identity.MeshCa;
import dev.tollgate.identity.PemFiles;
import dev.tollgate.identity.SpiffeId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CaCommandTest {

    record Run(int exit, String out, String err) {
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new CaCommand());
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void initIssueInspect(@TempDir Path tmp) throws Exception {
        Path ca = tmp.resolve("ca");
        Path certs = tmp.resolve("sleep");
        assertThat(run("init", "--dir", ca.toString(), "--trust-domain", "example.org").exit()).isZero();
        Run issue = run("issue", "--dir", ca.toString(), "--namespace", "otherns", "--service-account", "sleep-google",
                "--out", certs.toString(), "--ttl", "2h");
        assertThat(issue.exit()).as(issue.err()).isZero();

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(certs.resolve("key.pem")))).isEqualTo("rw-------");
        var chain = PemFiles.readCertificates(certs.resolve("cert-chain.pem"));
        assertThat(chain).hasSize(2);
        assertThat(SpiffeId.fromCertificate(chain.getFirst()))
                .contains(new SpiffeId("example.org", "otherns", "sleep-google"));
        assertThat(Duration.between(chain.getFirst().getNotBefore().toInstant(), chain.getFirst().getNotAfter().toInstant()))
                .isEqualTo(Duration.ofHours(2).plusMinutes(1));
        assertThat(PemFiles.readCertificates(certs.resolve("root-cert.pem"))).containsExactly(MeshCa.load(ca).rootCertificate());

        Run inspect = run("inspect", certs.resolve("cert-chain.pem").toString());
        assertThat(inspect.exit()).isZero();
        assertThat(inspect.out()).contains("spiffe id:  spiffe://example.org/ns/otherns/sa/sleep-google")
                .contains("subject:").contains("notAfter:");
    }

    @Test
    void issuesServerCertificates(@TempDir Path tmp) throws Exception {
        run("init", "--dir", tmp.resolve("ca").toString());
        Run issue = run("issue", "--dir", tmp.resolve("ca").toString(), "--dns-name", "developers.google.com", "--out", tmp.resolve("g").toString());
        assertThat(issue.exit()).as(issue.err()).isZero();
        assertThat(run("inspect", tmp.resolve("g/cert-chain.pem").toString()).out()).contains("dns names:  developers.google.com");
    }

    @Test
    void initRefusesAnExistingCa(@TempDir Path tmp) {
        assertThat(run("init", "--dir", tmp.toString()).exit()).isZero();
        Run again = run("init", "--dir", tmp.toString());
        assertThat(again.exit()).isEqualTo(2);
        assertThat(again.err()).contains("refusing to overwrite").doesNotContain("Exception").doesNotContain("\tat ");
    }

    @Test
    void issueRefusesToOverwriteAKeyWithoutForce(@TempDir Path tmp) {
        run("init", "--dir", tmp.resolve("ca").toString());
        String[] args = {"issue", "--dir", tmp.resolve("ca").toString(), "--namespace", "default", "--service-account", "sleep", "--out", tmp.resolve("o").toString()};
        assertThat(run(args).exit()).isZero();
        assertThat(run(args).exit()).isEqualTo(2);
        String[] forced = java.util.Arrays.copyOf(args, args.length + 1);
        forced[args.length] = "--force";
        assertThat(run(forced).exit()).isZero();
    }

    @Test
    void issueWritesTheOtherRootOfARotationIntoRootCertPem(@TempDir Path tmp) throws Exception {
        Path old = tmp.resolve("ca");
        Path next = tmp.resolve("ca-next");
        run("init", "--dir", old.toString());
        run("init", "--dir", next.toString());
        Path out = tmp.resolve("sleep");
        Run issue = run("issue", "--dir", next.toString(), "--namespace", "default", "--service-account", "sleep",
                "--out", out.toString(), "--also-trust", old.resolve("ca-cert.pem").toString(),
                "--also-trust", next.resolve("ca-cert.pem").toString());
        assertThat(issue.exit()).as(issue.err()).isZero();
        assertThat(dev.tollgate.identity.PemFiles.readCertificates(out.resolve("root-cert.pem"))).containsExactly(
                dev.tollgate.identity.MeshCa.load(next).rootCertificate(),
                dev.tollgate.identity.MeshCa.load(old).rootCertificate());

        // a leaf is no root: trusting it as one would be a mistake worth a clear error
        Run leaf = run("issue", "--dir", next.toString(), "--namespace", "default", "--service-account", "sleep",
                "--out", out.toString(), "--force", "--also-trust", out.resolve("cert-chain.pem").toString());
        assertThat(leaf.exit()).isEqualTo(2);
        assertThat(leaf.err()).contains("is not a CA certificate").doesNotContain("\tat ");
    }

    @Test
    void errorsAreOneClearLineAndExit2(@TempDir Path tmp) throws Exception {
        Run missingCa = run("issue", "--dir", tmp.resolve("nope").toString(), "--namespace", "default", "--service-account", "sleep", "--out", tmp.resolve("o").toString());
        assertThat(missingCa.exit()).isEqualTo(2);
        assertThat(missingCa.err()).contains("no such file").doesNotContain("\tat ");

        run("init", "--dir", tmp.resolve("ca").toString());
        Run badName = run("issue", "--dir", tmp.resolve("ca").toString(), "--namespace", "Default", "--service-account", "sleep", "--out", tmp.resolve("o").toString());
        assertThat(badName.exit()).isEqualTo(2);
        assertThat(badName.err()).contains("namespace 'Default'");

        Run badTtl = run("issue", "--dir", tmp.resolve("ca").toString(), "--namespace", "default", "--service-account", "sleep", "--out", tmp.resolve("o").toString(), "--ttl", "forever");
        assertThat(badTtl.exit()).isEqualTo(2);
        assertThat(badTtl.err()).contains("not a duration");

        Run both = run("issue", "--dir", tmp.resolve("ca").toString(), "--namespace", "default", "--dns-name", "x.example", "--out", tmp.resolve("o").toString());
        assertThat(both.exit()).isEqualTo(2);

        Path garbage = tmp.resolve("garbage.pem");
        Files.writeString(garbage, "hello");
        Run inspect = run("inspect", garbage.toString());
        assertThat(inspect.exit()).isEqualTo(2);
        assertThat(inspect.err()).contains("garbage.pem");

        Path unreadable = tmp.resolve("secret.pem");
        Files.writeString(unreadable, "x");
        Files.setPosixFilePermissions(unreadable, PosixFilePermissions.fromString("---------"));
        Run denied = run("inspect", unreadable.toString());
        assertThat(denied.exit()).isEqualTo(2); // as root the read succeeds, but the file is not PEM either
        assertThat(run("issue").exit()).as("missing options").isEqualTo(2);
    }

    @Test
    void helpWarnsThatTheCaKeyMintsAnyIdentity() {
        assertThat(run("--help").out()).contains("--ca-dir").contains("development, tests and").contains("ANY identity");
    }

    @Test
    void parsesDurations() {
        assertThat(CaCommand.parseDuration("24h")).isEqualTo(Duration.ofHours(24));
        assertThat(CaCommand.parseDuration("90m")).isEqualTo(Duration.ofMinutes(90));
        assertThat(CaCommand.parseDuration("7d")).isEqualTo(Duration.ofDays(7));
        assertThat(CaCommand.parseDuration("PT1H")).isEqualTo(Duration.ofHours(1));
        assertThatThrownBy(() -> CaCommand.parseDuration("-1h")).isInstanceOf(IllegalArgumentException.class);
    }
}
