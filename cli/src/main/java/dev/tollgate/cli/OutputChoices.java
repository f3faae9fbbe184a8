package dev.tollgate.cli;

import java.util.Iterator;
import java.util.List;

/**
 * The values each {@code -o} takes, as picocli's {@code completionCandidates}: the completion script offers an
 * option's fixed set of values only when the option declares it, and a String option declares none by itself.
 */
public final class OutputChoices {
    private OutputChoices() {
    }

    /** check, explain, demo. */
    public static final class TextJson implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return List.of("text", "json").iterator();
        }
    }

    /** analyze, policies. */
    public static final class TextJsonYaml implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return List.of("text", "json", "yaml").iterator();
        }
    }
}
