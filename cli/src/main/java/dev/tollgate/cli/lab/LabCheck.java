package dev.tollgate.cli.lab;

/**
 * One thing the lab asserts, as the report prints it.
 *
 * @param who      where the command ran, e.g. {@code default/sleep (uid 65534)}
 * @param command  what ran, as a reader would type it inside that namespace
 * @param expected what must happen, with where the expectation comes from
 * @param actual   what happened
 */
record LabCheck(String who, String command, String expected, String actual, boolean passed) {
    String text() {
        return "  [" + (passed ? "PASS" : "FAIL") + "] " + who + "$ " + command + "\n"
                + "         expected: " + expected + "\n"
                + "         actual:   " + actual + "\n";
    }
}
