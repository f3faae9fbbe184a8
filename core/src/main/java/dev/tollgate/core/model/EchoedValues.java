package dev.tollgate.core.model;

/**
 * How much of a configuration value a message may echo. Values come from user files and can be megabytes long
 * (a hostile or broken file); an error that quotes one whole floods logs, {@code /ready} and terminals, and hides
 * the part of the message that explains the problem. Every {@link Diagnostic} passes its message through
 * {@link #inMessage}, so no rule has to remember to shorten what it quotes.
 */
public final class EchoedValues {
    /** Enough to recognise a host, principal or path; longer values are cut. */
    public static final int MAX_VALUE_CHARS = 120;
    /** A message that is still longer (e.g. many long unquoted words) is cut as a whole. */
    public static final int MAX_MESSAGE_CHARS = 2000;

    private EchoedValues() {
    }

    /** {@code value} itself, or its first {@link #MAX_VALUE_CHARS} characters and how many were left out. */
    public static String abbreviate(String value) {
        return cut(value, MAX_VALUE_CHARS);
    }

    /**
     * {@code message} with every quoted segment and every whitespace-free run longer than {@link #MAX_VALUE_CHARS}
     * abbreviated, then the whole capped at {@link #MAX_MESSAGE_CHARS}. Quotes inside a value may pair up wrongly;
     * the run rule and the overall cap still bound what is echoed.
     */
    public static String inMessage(String message) {
        if (message.length() <= MAX_VALUE_CHARS) {
            return message;
        }
        StringBuilder out = new StringBuilder();
        int i = 0;
        int n = message.length();
        while (i < n) {
            int open = message.indexOf('"', i);
            int close = open < 0 ? -1 : message.indexOf('"', open + 1);
            if (close < 0) {
                runs(message, i, n, out);
                break;
            }
            runs(message, i, open, out);
            out.append('"').append(abbreviate(message.substring(open + 1, close))).append('"');
            i = close + 1;
        }
        return cut(out.toString(), MAX_MESSAGE_CHARS);
    }

    private static void runs(String s, int from, int to, StringBuilder out) {
        int start = from;
        for (int i = from; i <= to; i++) {
            if (i == to || Character.isWhitespace(s.charAt(i))) {
                out.append(abbreviate(s.substring(start, i)));
                if (i < to) {
                    out.append(s.charAt(i));
                }
                start = i + 1;
            }
        }
    }

    private static String cut(String s, int max) {
        if (s.length() <= max) {
            return s;
        }
        // never split a surrogate pair: half a character would print as garbage
        int end = Character.isHighSurrogate(s.charAt(max - 1)) ? max - 1 : max;
        return s.substring(0, end) + "… (" + (s.length() - end) + " more characters)";
    }
}
