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

    /** {@code file:line:col: error [code] Kind ns/name spec.field: message}, as compilers print. */
    public String format() {
        StringBuilder b = new StringBuilder().append(origin).append(": ")
                .append(severity.name().toLowerCase()).append(" [").append(code).append("] ");
        resource.ifPresent(r -> b.append(r).append(' '));
        if (!fieldPath.isEmpty()) {
            b.append(fieldPath).append(": ");
        } else if (resource.isPresent()) {
            b.setLength(b.length() - 1);
            b.append(": ");
        }
        return b.append(message).toString();
    }
}
