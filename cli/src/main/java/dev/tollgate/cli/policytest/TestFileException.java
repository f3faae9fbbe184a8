package dev.tollgate.cli.policytest;

/** A test file that cannot be read as written; the command prefixes the file name. */
public final class TestFileException extends RuntimeException {
    private final int line;

    TestFileException(int line, String message) {
        super(message);
        this.line = line;
    }

    public int line() {
        return line;
    }
}
