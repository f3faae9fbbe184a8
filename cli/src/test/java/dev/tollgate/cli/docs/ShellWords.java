package dev.tollgate.cli.docs;

import java.util.ArrayList;
import java.util.List;

/**
 * The words of a shell command line, for the commands the documentation shows: single and double quotes and
 * backslash escapes, and {@code |} as a word of its own. Anything whose meaning needs a shell (expansions,
 * redirections, command lists, subshells) is refused rather than guessed, so such a block must be marked skipped.
 */
final class ShellWords {

    private ShellWords() {
    }

    static List<String> split(String line) {
        List<String> words = new ArrayList<>();
        StringBuilder word = null;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\'') {
                int close = line.indexOf('\'', i + 1);
                if (close < 0) {
                    throw new UnsupportedOperationException("unbalanced ' in: " + line);
                }
                word = (word == null ? new StringBuilder() : word).append(line, i + 1, close);
                i = close;
            } else if (c == '"') {
                int close = line.indexOf('"', i + 1);
                if (close < 0) {
                    throw new UnsupportedOperationException("unbalanced \" in: " + line);
                }
                String inner = line.substring(i + 1, close);
                if (inner.contains("$") || inner.contains("`") || inner.contains("\\")) {
                    throw new UnsupportedOperationException("expansion inside double quotes in: " + line);
                }
                word = (word == null ? new StringBuilder() : word).append(inner);
                i = close;
            } else if (c == '\\' && i + 1 < line.length()) {
                word = (word == null ? new StringBuilder() : word).append(line.charAt(++i));
            } else if (Character.isWhitespace(c)) {
                if (word != null) {
                    words.add(word.toString());
                    word = null;
                }
            } else if (c == '|' || (c == '<' && (i + 1 == line.length() || line.charAt(i + 1) != '<'))) {
                // a pipe, or standard input from a file (never a here-document)
                if (word != null) {
                    words.add(word.toString());
                    word = null;
                }
                words.add(String.valueOf(c));
            } else if ("$`;&<>(){}*?[]".indexOf(c) >= 0 || (word == null && (c == '#' || c == '~'))) {
                // globs, expansions, redirections, lists; # and ~ only mean something at the start of a word
                throw new UnsupportedOperationException("'" + c + "' needs a shell in: " + line);
            } else {
                word = (word == null ? new StringBuilder() : word).append(c);
            }
        }
        if (word != null) {
            words.add(word.toString());
        }
        if (!words.isEmpty() && words.getFirst().contains("=")) {
            throw new UnsupportedOperationException("environment assignment needs a shell in: " + line);
        }
        return words;
    }
}
