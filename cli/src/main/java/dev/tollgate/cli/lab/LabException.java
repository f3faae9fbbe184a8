package dev.tollgate.cli.lab;

/** The lab could not set itself up or run a step: a broken lab, as opposed to a failed expectation. */
final class LabException extends RuntimeException {
    LabException(String message) {
        super(message);
    }

    LabException(String message, Throwable cause) {
        super(message, cause);
    }
}
