package dev.tollgate.cli.demo;

/** One request of a step: {@code curl -I url} as {@code from}, and what the tutorial says happens. */
public record Check(DemoWorkload from, String url, Outcome expected) {
    public Check {
        if (expected == Outcome.ERROR) {
            throw new IllegalArgumentException("a step never expects an error");
        }
    }
}
