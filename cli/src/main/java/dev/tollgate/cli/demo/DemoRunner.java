package dev.tollgate.cli.demo;

import java.io.PrintWriter;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.BiConsumer;

/** Walks the steps: applies each step's configuration, waits for the proxies to take it, makes every request. */
public final class DemoRunner {

    static final Duration RELOAD_TIMEOUT = Duration.ofSeconds(30);

    private final DemoConfig config;
    private final DemoMesh mesh;
    private final Probe probe;
    private final PrintWriter progress;

    /** @param progress where to say what is happening as it happens (stderr for {@code -o json}) */
    public DemoRunner(DemoConfig config, DemoMesh mesh, Probe probe, PrintWriter progress) {
        this.config = config;
        this.mesh = mesh;
        this.probe = probe;
        this.progress = progress;
    }

    public DemoReport run(List<Step> steps) {
        return run(steps, (step, report) -> { });
    }

    /** As {@link #run(List)}, calling {@code afterStep} when each step is done (to print it as it happens). */
    public DemoReport run(List<Step> steps, BiConsumer<Step, DemoReport> afterStep) {
        DemoReport report = new DemoReport();
        for (Step step : steps) {
            progress.println("step " + step.id() + ": " + step.title());
            progress.flush();
            config.apply(step);
            mesh.awaitConfiguration(RELOAD_TIMEOUT);
            for (Check check : step.checks()) {
                var sidecar = mesh.sidecar(check.from());
                Observation observation = probe.head(sidecar, check.url());
                String host = URI.create(check.url()).getHost();
                Optional<String> log = switch (observation.outcome()) {
                    case FORBIDDEN -> mesh.gatewayDenial(check.from(), host).map(l -> "gateway: " + l);
                    case BLOCKED -> mesh.sidecarRefusal(check.from(), host).map(l -> "sidecar: " + l);
                    default -> Optional.empty();
                };
                report.add(step, new CheckResult(step.id(), check, probe.command(sidecar, check.url()), observation, log));
            }
            afterStep.accept(step, report);
        }
        return report;
    }
}
