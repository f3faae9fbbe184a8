package dev.tollgate.cli.demo;

import java.util.Optional;

/**
 * One request of the demo, done.
 *
 * @param step        the step's id
 * @param check       what was asked and expected
 * @param command     the command a reader can paste
 * @param observation what came back
 * @param log         for a refusal or a denial, the log line of the proxy that decided, prefixed with which proxy
 *                    it was ({@code gateway: ...}, {@code sidecar: ...}), if it was found
 */
public record CheckResult(String step, Check check, String command, Observation observation, Optional<String> log) {

    public Outcome actual() {
        return observation.outcome();
    }

    public boolean passed() {
        return actual() == check.expected();
    }
}
