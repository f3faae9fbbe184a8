package dev.tollgate.core.authz;

import dev.tollgate.core.model.AsciiCase;

/**
 * One value of an AuthorizationPolicy string field, as Istio turns it into an Envoy matcher: exact {@code abc},
 * prefix {@code abc*}, suffix {@code *abc}, and {@code *}. Istio gives {@code *} two meanings: for string matchers
 * it is the regex {@code .+} (any non-empty value), for header matchers it is presence (any value, even empty).
 * Case-insensitive matching is ASCII-only ({@link AsciiCase}), as Envoy's is: a Unicode case fold (e.g. the Kelvin sign) must never
 * make a hostile host equal an allowed one.
 */
record StringMatch(Kind kind, String value, boolean ignoreCase) {

    enum Kind { EXACT, PREFIX, SUFFIX, NON_EMPTY, PRESENT }

    /** Istio's {@code matcher.StringMatcher}: {@code *} is non-empty. */
    static StringMatch of(String v, boolean ignoreCase) {
        if (v.equals("*")) {
            return new StringMatch(Kind.NON_EMPTY, "", ignoreCase);
        }
        if (v.startsWith("*")) {
            return new StringMatch(Kind.SUFFIX, v.substring(1), ignoreCase);
        }
        if (v.endsWith("*")) {
            return new StringMatch(Kind.PREFIX, v.substring(0, v.length() - 1), ignoreCase);
        }
        return new StringMatch(Kind.EXACT, v, ignoreCase);
    }

    /** Istio's {@code matcher.HeaderMatcher} / {@code HostMatcher}: {@code *} is presence. */
    static StringMatch header(String v, boolean ignoreCase) {
        return v.equals("*") ? new StringMatch(Kind.PRESENT, "", ignoreCase) : of(v, ignoreCase);
    }

    /** {@code s} is null when the attribute is absent. */
    boolean matches(String s) {
        if (s == null) {
            return false;
        }
        return switch (kind) {
            case PRESENT -> true;
            case NON_EMPTY -> !s.isEmpty();
            case EXACT -> s.length() == value.length() && region(s, 0);
            case PREFIX -> s.length() >= value.length() && region(s, 0);
            case SUFFIX -> s.length() >= value.length() && region(s, s.length() - value.length());
        };
    }

    private boolean region(String s, int offset) {
        return ignoreCase ? AsciiCase.regionEqualsIgnoreCase(s, offset, value) : s.startsWith(value, offset);
    }
}
