package dev.tollgate.cli;

import dev.tollgate.proxy.Limits;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The limit flags of {@code tollgate sidecar} and {@code tollgate gateway}: defaults, parsing, and --help. */
class LimitOptionsTest {
    @Test
    void noFlagsGiveTheDocumentedDefaults() {
        LimitOptions o = CommandLine.populateCommand(new LimitOptions());
        assertThat(o.limits()).isEqualTo(Limits.DEFAULTS);
    }

    @Test
    void everyFlagReachesTheLimits() {
        LimitOptions o = CommandLine.populateCommand(new LimitOptions(), "--header-timeout", "500ms",
                "--max-request-line", "4096", "--max-headers", "16384", "--max-connections", "100",
                "--max-connections-per-source", "10", "--rate-limit", "600/m", "--rate-burst", "20",
                "--max-pipelined-requests", "16", "--max-tunnel-lifetime", "2h");
        assertThat(o.limits()).isEqualTo(new Limits(Duration.ofMillis(500), 4096, 16384, 100, 10,
                Limits.DEFAULTS.maxConnectionsPerPrincipal(), 10, 20, 16, Duration.ofHours(2)));
    }

    @Test
    void ratesReadPerSecondOrPerMinute() {
        assertThat(LimitOptions.perSecond("100/s")).isEqualTo(100);
        assertThat(LimitOptions.perSecond("30/m")).isEqualTo(0.5);
        assertThat(LimitOptions.perSecond("7")).isEqualTo(7);
        assertThat(LimitOptions.perSecond("0")).isZero();
        assertThatThrownBy(() -> LimitOptions.perSecond("fast")).hasMessageContaining("expected N/s or N/m");
        assertThatThrownBy(() -> LimitOptions.perSecond("-1/s")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void nonsenseLimitsAreRefusedWithAReason() {
        LimitOptions o = CommandLine.populateCommand(new LimitOptions(), "--max-connections", "0");
        assertThatThrownBy(o::limits).hasMessageContaining("the connection ceiling must be positive");
    }

    @Test
    void helpTeachesEveryLimit() {
        CliRun sidecar = CliRun.of("sidecar", "--help");
        assertThat(sidecar.out()).contains("--header-timeout", "slowloris", "--max-request-line", "--max-headers",
                "--max-connections", "ulimit -n", "--max-connections-per-source", "--rate-limit", "--rate-burst",
                "--idle-timeout");
        CliRun gateway = CliRun.of("gateway", "--help");
        assertThat(gateway.out()).contains("--header-timeout", "--max-connections-per-principal", "--rate-limit");
    }
}
