package dev.tollgate.core.model;

import java.util.Objects;
import java.util.Optional;

/**
 * A finding about configuration: a validation error, a load notice, or an {@code analyze} warning.
 *
 * @param code      a stable code, e.g. {@code TG0001} for analyze findings or {@code invalid-field} for validation
 * @param resource  the resource it concerns, if any
 * @param fieldPath the field path within the resource, e.g. {@code spec.rules[0].from}; empty for the whole resource
 */
public record Diagnostic(Severity severity, String code, String message, Origin origin,
                         Optional<ResourceKey> resource, String fieldPath) {
    public enum Severity { ERROR, WARNING, INFO }

    public Diagnostic {
        Objects.requireNonNull(severity);
        Objects.requireNonNull(code);
        // values echoed from user files are bounded here, once for every rule that quotes one
        message = EchoedValues.inMessage(Objects.requireNonNull(message));
        origin = origin == null ? Origin.UNKNOWN : origin;
        resource = resource == null ? Optional.empty() : resource;
        fieldPath = fieldPath == null ? "" : fieldPath;
    }

    /** {@code Error}, {@code Warning} or {@code Info}: how istioctl names a message's level, in text and JSON. */
    public String level() {
        return switch (severity) {
            case ERROR -> "Error";
            case WARNING -> "Warning";
            case INFO -> "Info";
        };
    }

    /**
     * Whether this is at least as severe as {@code threshold}, as istioctl's {@code --failure-threshold} and
     * {@code --output-threshold} compare levels.
     */
    public boolean atLeast(Severity threshold) {
        return severity.ordinal() <= threshold.ordinal();
    }

    /**
     * The one line every message is printed as, the loader's and {@code analyze}'s alike, in istioctl analyze's format:
     * {@code Error [code] (Kind ns/name file:line:col) spec.field: message}. A message about no resource (a file that
     * cannot be read, a workload) keeps its file and line: {@code Error [code] (file:line:col) message}; one with
     * neither has no parentheses, as istioctl prints a message without a resource.
     */
    public String format() {
        StringBuilder b = new StringBuilder(level()).append(" [").append(code).append(']');
        String where = where();
        if (!where.isEmpty()) {
            b.append(" (").append(where).append(')');
        }
        b.append(' ');
        if (!fieldPath.isEmpty()) {
            b.append(fieldPath).append(": ");
        }
        return b.append(message).toString();
    }

    /** {@code Kind ns/name file:line:col}, either part absent when unknown; what the parentheses of {@link #format()} hold. */
    public String where() {
        String file = origin.equals(Origin.UNKNOWN) ? "" : origin.toString();
        String what = resource.map(ResourceKey::toString).orElse("");
        return what.isEmpty() || file.isEmpty() ? what + file : what + " " + file;
    }
}
