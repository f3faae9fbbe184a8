package dev.tollgate.core.model;

import com.google.common.base.Ascii;

/**
 * Case folding as Envoy and Istio do it where they ignore case (route {@code ignore_case}, {@code ignoreUriCase},
 * host names, header names): ASCII letters only. {@link String#equalsIgnoreCase} and {@link String#toLowerCase}
 * fold Unicode too (the Kelvin sign U+212A becomes {@code k}, U+0130 becomes {@code i}), which would let a name or
 * path that Envoy treats as different match an ASCII look-alike.
 */
public final class AsciiCase {
    private AsciiCase() {
    }

    /** {@code s} with A-Z lowered; every other character, non-ASCII ones included, unchanged. */
    public static String lower(String s) {
        return Ascii.toLowerCase(s);
    }

    public static boolean equalsIgnoreCase(CharSequence a, CharSequence b) {
        return Ascii.equalsIgnoreCase(a, b);
    }

    public static boolean startsWithIgnoreCase(String s, String prefix) {
        return regionEqualsIgnoreCase(s, 0, prefix);
    }

    /** {@code part} stands in {@code s} at {@code offset}, ignoring ASCII case; false where it would overrun. */
    public static boolean regionEqualsIgnoreCase(String s, int offset, String part) {
        return offset >= 0 && s.length() - offset >= part.length()
                && Ascii.equalsIgnoreCase(s.subSequence(offset, offset + part.length()), part);
    }
}
