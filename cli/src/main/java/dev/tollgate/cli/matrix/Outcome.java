package dev.tollgate.cli.matrix;

import dev.tollgate.core.model.Verdict;

/** A cell's outcome: a {@link Verdict}, or partly when the request's method, path or headers decide. */
public enum Outcome {
    ALLOWED("allowed"), BLOCKED("blocked"), DENIED("denied"), NO_ROUTE("no-route"), PARTLY("partly");

    private final String text;

    Outcome(String text) {
        this.text = text;
    }

    public static Outcome of(Verdict v) {
        return switch (v) {
            case ALLOWED -> ALLOWED;
            case BLOCKED -> BLOCKED;
            case DENIED -> DENIED;
            case NO_ROUTE -> NO_ROUTE;
        };
    }

    /** The word text, CSV, JSON and HTML print: {@code check -o json}'s outcome, or "partly". */
    public String text() {
        return text;
    }

    @Override
    public String toString() {
        return text;
    }
}
