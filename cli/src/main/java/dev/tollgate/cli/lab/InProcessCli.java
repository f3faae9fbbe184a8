package dev.tollgate.cli.lab;

/**
 * Runs a {@code tollgate} command in this process and returns what it printed. The lab asks {@code check} and
 * {@code netpol} dozens of times, and a JVM each would cost seconds apiece; the caller that owns the command line
 * ({@code Main::capture}) hands this in, so that the lab does not depend back on it.
 */
@FunctionalInterface
public interface InProcessCli {
    Result run(String... args);

    /** A finished command: its exit status and its standard output and error. */
    record Result(int exit, String out, String err) {
    }
}
