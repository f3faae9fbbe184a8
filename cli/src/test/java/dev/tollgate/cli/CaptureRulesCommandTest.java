package dev.tollgate.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.assertj.core.api.Assertions.assertThat;

/** The command as a user runs it: printing, validation, and --apply/--remove against a stand-in nft. */
class CaptureRulesCommandTest {
    @TempDir
    Path tmp;

    @Test
    void helpTeachesTheRulesAndTheInitContainerUse() {
        CliRun r = CliRun.of("capture-rules", "--help");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("Usage: tollgate capture-rules")
                .contains("UDP is not captured")
                .contains("istio-iptables")
                .contains("init container")
                .contains("nft list table inet tollgate_capture")
                .contains("--exclude-cidr").contains("--exclude-port").contains("--proxy-uid")
                .contains("--proxy-mark").contains("--include-cidr").contains("--apply").contains("--remove");
    }

    @Test
    void theTopLevelHelpListsIt() {
        assertThat(CliRun.of("--help").out()).contains("capture-rules");
    }

    @Test
    void withoutApplyOrRemoveItPrintsTheRuleset() {
        CliRun r = CliRun.of("capture-rules", "--capture-port", "15006", "--proxy-uid", "1337,2000",
                "--exclude-cidr", "10.96.0.0/12", "--exclude-cidr", "fd00::/8", "--exclude-port", "6443,8000-8100");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.err()).isEmpty();
        assertThat(r.out()).contains("    meta skuid { 1337, 2000 } return")
                .contains("    meta skgid { 1337, 2000 } return")
                .contains("    tcp dport { 6443, 8000-8100 } return")
                .contains("    ip daddr 10.96.0.0/12 return")
                .contains("    ip6 daddr fd00::/8 return")
                .contains("    meta l4proto tcp redirect to :15006");
    }

    @Test
    void theGidFollowsTheUidUnlessGiven() {
        assertThat(CliRun.of("capture-rules").out()).contains("meta skuid 1337 return")
                .contains("meta skgid 1337 return");
        assertThat(CliRun.of("capture-rules", "--proxy-uid", "101").out()).contains("meta skuid 101 return")
                .contains("meta skgid 101 return");
        assertThat(CliRun.of("capture-rules", "--proxy-gid", "202").out()).contains("meta skuid 1337 return")
                .contains("meta skgid 202 return");
    }

    @Test
    void excludingRootIsAllowedButWarned() {
        CliRun r = CliRun.of("capture-rules", "--proxy-uid", "0");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).contains("meta skuid 0 return");
        assertThat(r.err()).contains("warning").contains("root");
    }

    /** Hostile and mistaken values: refused with exit 2, naming the flag, and nothing is printed to stdout. */
    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', value = {
            "--capture-port | 0",
            "--capture-port | 65536",
            "--capture-port | -1",
            "--capture-port | 015001",
            "--capture-port | ' 15001'",
            "--capture-port | 0x3a99",
            "--capture-port | １５００１",
            "--proxy-uid | istio-proxy",
            "--proxy-uid | -1",
            "--proxy-uid | 4294967295",
            "--proxy-uid | 99999999999",
            "--proxy-uid | 1337 accept",
            "--proxy-uid | 1337;",
            "--proxy-uid | '1337,'",
            "--proxy-uid | ''",
            "--proxy-uid | ١٣٣٧",
            "--proxy-gid | +1337",
            "--proxy-mark | 0",
            "--proxy-mark | 0x0",
            "--proxy-mark | 0x",
            "--proxy-mark | 0x100000000",
            "--proxy-mark | 4294967296",
            "--proxy-mark | 0xg",
            "--proxy-mark | 0x５",
            "--exclude-port | 0",
            "--exclude-port | 65536",
            "--exclude-port | 90-80",
            "--exclude-port | 80-",
            "--exclude-port | -80",
            "--exclude-port | 1-2-3",
            "--exclude-port | 80 }",
            "--exclude-port | '80,,90'",
            "--exclude-port | ٨٠",
            "--exclude-port | @ports",
            "--exclude-cidr | 10.0.0.0/33",
            "--exclude-cidr | 10.0.0.0/08",
            "--exclude-cidr | 0.0.0.0/0",
            "--exclude-cidr | ::/0",
            "--exclude-cidr | 10.0.0.0/8 accept",
            "--exclude-cidr | 127.1",
            "--exclude-cidr | 0177.0.0.1",
            "--exclude-cidr | fe80::1%eth0",
            "--exclude-cidr | [::1]",
            "--exclude-cidr | example.com",
            "--exclude-cidr | '10.0.0.0/8,'",
            "--include-cidr | 10.0.0.0/-1",
            "--include-cidr | 2001:db8::/129",
            "--include-cidr | 198.18.0.0/15;flush ruleset",
    })
    void aBadValueIsAUsageErrorNamingTheFlag(String flag, String value) {
        CliRun r = CliRun.of("capture-rules", flag, value);
        assertThat(r.exitCode()).as(r.out() + r.err()).isEqualTo(2);
        assertThat(r.err()).startsWith("tollgate capture-rules: " + flag + " '");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void applyAndRemoveTogetherIsAUsageError() {
        CliRun r = CliRun.of("capture-rules", "--apply", "--remove", "--nft", "/nonexistent");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("--apply and --remove");
    }

    @Test
    void applyFeedsTheRulesetToNftAndSaysSo() throws IOException {
        Path input = tmp.resolve("input");
        Path nft = script("cat > '" + input + "'\necho \"$@\" > '" + tmp.resolve("args") + "'\n");

        CliRun r = CliRun.of("capture-rules", "--apply", "--nft", nft.toString(), "--exclude-port", "22");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("applied table inet tollgate_capture").contains("15001");
        assertThat(Files.readString(tmp.resolve("args")).strip()).isEqualTo("-f -");
        assertThat(Files.readString(input)).isEqualTo(CliRun.of("capture-rules", "--exclude-port", "22").out());
    }

    @Test
    void removeFeedsOnlyTheTableDeletion() throws IOException {
        Path input = tmp.resolve("input");
        Path nft = script("cat > '" + input + "'\n");

        CliRun r = CliRun.of("capture-rules", "--remove", "--nft", nft.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("removed table inet tollgate_capture");
        assertThat(Files.readString(input))
                .isEqualTo("table inet tollgate_capture\ndelete table inet tollgate_capture\n");
    }

    @Test
    void whenNftRefusesItsMessageIsPrintedAndTheExitIsOne() throws IOException {
        Path nft = script("cat > /dev/null\necho 'Error: Could not process rule: Operation not permitted' >&2\n"
                + "exit 1\n");

        CliRun r = CliRun.of("capture-rules", "--apply", "--nft", nft.toString());
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).contains("failed with exit status 1").contains("nothing was applied")
                .contains("Error: Could not process rule: Operation not permitted");
    }

    @Test
    void whenNftStopsReadingEarlyTheFailureIsStillReported() throws IOException {
        Path nft = script("exit 3\n");

        CliRun r = CliRun.of("capture-rules", "--remove", "--nft", nft.toString());
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).contains("exit status 3").contains("nft printed nothing");
    }

    @Test
    void whenNftIsMissingTheErrorSaysWhatToInstall() {
        CliRun r = CliRun.of("capture-rules", "--apply", "--nft", tmp.resolve("no-such-nft").toString());
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).contains("cannot run").contains("no-such-nft").contains("install nftables");
    }

    private Path script(String body) throws IOException {
        Path p = tmp.resolve("fake-nft");
        Files.writeString(p, "#!/bin/sh\n" + body);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
        return p;
    }
}
