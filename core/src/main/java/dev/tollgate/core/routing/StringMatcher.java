package dev.tollgate.core.routing;

import com.google.re2j.Pattern;
import dev.tollgate.core.model.AsciiCase;
import com.google.re2j.PatternSyntaxException;
import io.fabric8.istio.api.api.networking.v1alpha3.StringMatch;
import io.fabric8.istio.api.api.networking.v1alpha3.StringMatchExact;
import io.fabric8.istio.api.api.networking.v1alpha3.StringMatchPrefix;
import io.fabric8.istio.api.api.networking.v1alpha3.StringMatchRegex;

import java.util.Optional;

/**
 * A compiled VirtualService {@code StringMatch}: "exact: exact string match; prefix: prefix-based match;
 * regex: RE2 style regex-based match". Envoy's safe_regex matches the whole value. An empty match (or regex "*",
 * which Istio translates so) checks presence only. Ignoring case folds ASCII letters only ({@link AsciiCase}), as
 * Envoy's {@code ignore_case}: a Kelvin sign or {@code ß} in a path is not its ASCII look-alike.
 */
sealed interface StringMatcher {

    boolean matches(String value);

    /** Absent values match only {@link Absent}-tolerant callers; a present-check fails on absence. */
    default boolean matchesOptional(Optional<String> value) {
        return value.isPresent() && matches(value.get());
    }

    String describe();

    record Exact(String expected, boolean ignoreCase) implements StringMatcher {
        public boolean matches(String value) {
            return ignoreCase ? AsciiCase.equalsIgnoreCase(expected, value) : expected.equals(value);
        }

        public String describe() {
            return "exact \"" + expected + "\"" + (ignoreCase ? " (ignoring case)" : "");
        }
    }

    record Prefix(String prefix, boolean ignoreCase) implements StringMatcher {
        public boolean matches(String value) {
            return ignoreCase ? AsciiCase.startsWithIgnoreCase(value, prefix) : value.startsWith(prefix);
        }

        public String describe() {
            return "prefix \"" + prefix + "\"" + (ignoreCase ? " (ignoring case)" : "");
        }
    }

    /**
     * Envoy's {@code path_separated_prefix}: the path is the prefix, or the prefix followed by "/" (a query string
     * or fragment after it counts as the end).
     */
    record SegmentPrefix(String prefix, boolean ignoreCase) implements StringMatcher {
        public boolean matches(String value) {
            int end = value.length();
            for (int i = 0; i < value.length(); i++) {
                if (value.charAt(i) == '?' || value.charAt(i) == '#') {
                    end = i;
                    break;
                }
            }
            String path = value.substring(0, end);
            boolean starts = ignoreCase ? AsciiCase.startsWithIgnoreCase(path, prefix) : path.startsWith(prefix);
            return starts && (path.length() == prefix.length() || path.charAt(prefix.length()) == '/');
        }

        public String describe() {
            return "path segment prefix \"" + prefix + "\"" + (ignoreCase ? " (ignoring case)" : "");
        }
    }

    /** RE2, as Envoy: linear-time matching and RE2's syntax (no backreferences or lookaround). */
    record Regex(Pattern pattern) implements StringMatcher {
        public boolean matches(String value) {
            return pattern.matcher(value).matches();
        }

        public String describe() {
            return "regex \"" + pattern.pattern() + "\"";
        }
    }

    /** Header/query parameter present with any value. */
    record Present() implements StringMatcher {
        public boolean matches(String value) {
            return true;
        }

        public String describe() {
            return "present";
        }
    }

    /** An invalid regex: Envoy would reject the route; we fail closed and never match. */
    record Never(String why) implements StringMatcher {
        public boolean matches(String value) {
            return false;
        }

        public String describe() {
            return "never (" + why + ")";
        }
    }

    static StringMatcher of(StringMatch match, boolean ignoreCase) {
        if (match == null || match.getMatchType() == null) {
            return new Present();
        }
        return switch (match.getMatchType()) {
            case StringMatchExact e -> new Exact(e.getExact() == null ? "" : e.getExact(), ignoreCase);
            case StringMatchPrefix p -> new Prefix(p.getPrefix() == null ? "" : p.getPrefix(), ignoreCase);
            case StringMatchRegex r -> regex(r.getRegex() == null ? "" : r.getRegex());
            default -> new Never("unknown match type " + match.getMatchType().getClass().getSimpleName());
        };
    }

    private static StringMatcher regex(String regex) {
        if (regex.equals("*")) {
            return new Present();
        }
        try {
            return new Regex(Pattern.compile(regex));
        } catch (PatternSyntaxException e) {
            return new Never("invalid regex \"" + regex + "\"");
        }
    }
}
