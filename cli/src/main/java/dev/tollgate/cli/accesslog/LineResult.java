package dev.tollgate.cli.accesslog;

/** What one access log line came to: a request, or the reason it is none. */
public sealed interface LineResult {
    record Observed(ObservedRequest request) implements LineResult {
    }

    /** A line that is no request this reader can replay, and why; never guessed at. */
    record Skipped(String where, String why) implements LineResult {
    }
}
