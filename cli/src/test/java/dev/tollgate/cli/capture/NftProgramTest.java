package dev.tollgate.cli.capture;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Running nft, with stand-ins for it: no privileges needed. */
class NftProgramTest {
    @TempDir
    Path tmp;

    private Path script(String body) throws IOException {
        Path p = tmp.resolve("fake-nft");
        Files.writeString(p, "#!/bin/sh\n" + body);
        assertThat(p.toFile().setExecutable(true)).isTrue();
        return p;
    }

    @Test
    void aHungNftIsStoppedAndReported() throws Exception {
        Path nft = script("exec sleep 30\n");
        long start = System.nanoTime();
        assertThatThrownBy(() -> new NftProgram(nft.toString(), Duration.ofMillis(500)).apply("table inet x\n"))
                .isInstanceOf(IOException.class).hasMessageContaining("did not finish");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    }

    @Test
    void stdoutAndStderrAreBothKept() throws Exception {
        Path nft = script("cat >/dev/null\necho out\necho err >&2\nexit 4\n");
        NftProgram.Result r = new NftProgram(nft.toString()).apply("x\n");
        assertThat(r.ok()).isFalse();
        assertThat(r.exitCode()).isEqualTo(4);
        assertThat(r.output()).contains("out").contains("err");
    }

    @Test
    void aLargeRulesetIsWrittenWhole() throws Exception {
        Path copy = tmp.resolve("copy");
        Path nft = script("cat > '" + copy + "'\n");
        String big = "# x\n".repeat(200_000);
        assertThat(new NftProgram(nft.toString()).apply(big).ok()).isTrue();
        assertThat(Files.readString(copy)).isEqualTo(big);
    }
}
