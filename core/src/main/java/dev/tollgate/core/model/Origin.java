package dev.tollgate.core.model;

/**
 * Where something came from: a file (or another source such as {@code --set}), 1-based line and column.
 * Every resource and every field keeps one so that errors and explanations can point at it.
 */
public record Origin(String source, int line, int column) {
    public static final Origin UNKNOWN = new Origin("<unknown>", 0, 0);

    public Origin {
        source = source == null ? "<unknown>" : source;
    }

    @Override
    public String toString() {
        return line > 0 ? source + ":" + line + ":" + column : source;
    }
}
