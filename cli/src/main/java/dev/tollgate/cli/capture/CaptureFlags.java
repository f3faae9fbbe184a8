package dev.tollgate.cli.capture;

import dev.tollgate.core.model.net.IpPrefix;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads the text of each capture-rules flag, strictly: what reaches nft is only what this class has turned into a
 * number or an {@link IpPrefix}, so a value can never smuggle nft syntax ({@code 80 accept}, {@code @set},
 * {@code ;}) into the ruleset. Every error names the flag and the value.
 */
public final class CaptureFlags {
    private CaptureFlags() {
    }

    public static int port(String flag, String text) {
        long v = decimal(text, 65535);
        if (v < 1) {
            throw invalid(flag, text, "a TCP port, 1-65535");
        }
        return (int) v;
    }

    /** {@code 80} or {@code 8000-8100}. */
    public static PortRange portRange(String flag, String text) {
        String expected = "a TCP port (1-65535) or a range of them such as 8000-8100";
        int dash = text.indexOf('-');
        long first = decimal(dash < 0 ? text : text.substring(0, dash), 65535);
        long last = dash < 0 ? first : decimal(text.substring(dash + 1), 65535);
        if (first < 1 || last < 1 || first > last) {
            throw invalid(flag, text, expected);
        }
        return new PortRange((int) first, (int) last);
    }

    /** A numeric uid or gid; names are refused: the init container's /etc/passwd is not the sidecar's. */
    public static long id(String flag, String text) {
        long v = decimal(text, CaptureSpec.MAX_ID);
        if (v < 0) {
            throw invalid(flag, text, "a numeric id, 0-" + CaptureSpec.MAX_ID);
        }
        return v;
    }

    /** A socket mark, decimal or 0x-hexadecimal, never 0 (the mark of every unmarked packet). */
    public static long mark(String flag, String text) {
        long v;
        if (text.startsWith("0x") || text.startsWith("0X")) {
            v = hex(text.substring(2));
        } else {
            v = decimal(text, CaptureSpec.MAX_MARK);
        }
        if (v < 1 || v > CaptureSpec.MAX_MARK) {
            throw invalid(flag, text, "a socket mark, 1-0xffffffff (0 would match every unmarked packet)");
        }
        return v;
    }

    /** An IPv4 or IPv6 CIDR, or a bare address (a /32 or /128), by {@link IpPrefix}'s rules. */
    public static IpPrefix cidr(String flag, String text) {
        return IpPrefix.parse(text).orElseThrow(() -> invalid(flag, text,
                "an IPv4 or IPv6 CIDR such as 10.0.0.0/8 or 2001:db8::/32, or one address"));
    }

    /**
     * Every value of a repeatable flag; each occurrence may be a comma-separated list. Split here rather than by
     * picocli, which drops a trailing empty item: {@code --exclude-port 80,} is refused, not read as 80.
     */
    public static <T> List<T> all(String flag, List<String> texts, Parser<T> parser) {
        List<T> out = new ArrayList<>();
        for (String t : texts) {
            for (String item : t.split(",", -1)) {
                out.add(parser.parse(flag, item));
            }
        }
        return out;
    }

    /** One flag value's parser. */
    @FunctionalInterface
    public interface Parser<T> {
        T parse(String flag, String text);
    }

    /** ASCII digits, no sign, no leading zero, at most {@code max}; -1 for anything else. */
    private static long decimal(String s, long max) {
        if (s.isEmpty() || s.length() > 10 || s.length() > 1 && s.charAt(0) == '0') {
            return -1;
        }
        long v = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v > max ? -1 : v;
    }

    /** One to eight ASCII hex digits; -1 for anything else. */
    private static long hex(String s) {
        if (s.isEmpty() || s.length() > 8) {
            return -1;
        }
        long v = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                    : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
            if (d < 0) {
                return -1;
            }
            v = v * 16 + d;
        }
        return v;
    }

    private static IllegalArgumentException invalid(String flag, String text, String expected) {
        return new IllegalArgumentException(flag + " '" + text + "': expected " + expected);
    }
}
