package dev.tollgate.core.authz;

import java.util.Arrays;
import java.util.Optional;

/**
 * An IP block as AuthorizationPolicy writes it: a single address ({@code 10.1.2.3}, a /32 or /128) or a CIDR
 * ({@code 10.0.0.0/8}). Parsed by hand because the core may not touch {@code InetAddress} (no DNS, ever).
 * As in Envoy's {@code CidrRange}, an IPv4 block never matches an IPv6 address (no v4-mapped folding).
 */
record Cidr(byte[] address, int prefixLength, String text) {

    static Optional<Cidr> parse(String text) {
        String s = text;
        int slash = s.indexOf('/');
        String addr = slash < 0 ? s : s.substring(0, slash);
        byte[] bytes = parseAddress(addr);
        if (bytes == null) {
            return Optional.empty();
        }
        int max = bytes.length * 8;
        int prefix = max;
        if (slash >= 0) {
            String p = s.substring(slash + 1);
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(c -> c >= '0' && c <= '9')) {
                return Optional.empty();
            }
            prefix = Integer.parseInt(p);
            if (prefix > max) {
                return Optional.empty();
            }
        }
        return Optional.of(new Cidr(bytes, prefix, text));
    }

    /** True when {@code ip} (an address as a proxy reports it) lies in this block; false when it is not an address. */
    boolean contains(String ip) {
        byte[] other = parseAddress(ip);
        if (other == null || other.length != address.length) {
            return false;
        }
        int full = prefixLength / 8;
        for (int i = 0; i < full; i++) {
            if (other[i] != address[i]) {
                return false;
            }
        }
        int rest = prefixLength % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xff << (8 - rest)) & 0xff;
        return (other[full] & mask) == (address[full] & mask);
    }

    /** Dotted-quad IPv4 or RFC 4291 IPv6 text (with {@code ::} and a trailing dotted quad); null otherwise. */
    static byte[] parseAddress(String s) {
        if (s == null || s.isEmpty()) {
            return null;
        }
        int zone = s.indexOf('%');
        if (zone >= 0) {
            s = s.substring(0, zone);
        }
        if (s.startsWith("[") && s.endsWith("]")) {
            s = s.substring(1, s.length() - 1);
        }
        return s.indexOf(':') >= 0 ? parseV6(s) : parseV4(s);
    }

    private static byte[] parseV4(String s) {
        byte[] out = new byte[4];
        int part = 0;
        int value = -1;
        int digits = 0;
        for (int i = 0; i <= s.length(); i++) {
            char c = i < s.length() ? s.charAt(i) : '.';
            if (c >= '0' && c <= '9') {
                if (digits > 0 && value == 0) {
                    return null; // leading zeros are octal in some parsers: refuse them
                }
                value = (value < 0 ? 0 : value * 10) + (c - '0');
                if (++digits > 3 || value > 255) {
                    return null;
                }
            } else if (c == '.') {
                if (value < 0 || part == 4) {
                    return null;
                }
                out[part++] = (byte) value;
                value = -1;
                digits = 0;
            } else {
                return null;
            }
        }
        return part == 4 ? out : null;
    }

    private static byte[] parseV6(String s) {
        int[] groups = new int[8];
        int count = 0;
        int gap = -1;
        int i = 0;
        int n = s.length();
        if (s.startsWith("::")) {
            gap = 0;
            i = 2;
            if (n == 2) {
                return new byte[16];
            }
        } else if (s.startsWith(":")) {
            return null;
        }
        while (i < n) {
            if (count == 8) {
                return null;
            }
            int end = i;
            while (end < n && s.charAt(end) != ':') {
                end++;
            }
            String g = s.substring(i, end);
            if (g.indexOf('.') >= 0) {
                if (end != n || count > 6) {
                    return null;
                }
                byte[] v4 = parseV4(g);
                if (v4 == null) {
                    return null;
                }
                groups[count++] = ((v4[0] & 0xff) << 8) | (v4[1] & 0xff);
                groups[count++] = ((v4[2] & 0xff) << 8) | (v4[3] & 0xff);
                i = n;
                break;
            }
            if (g.isEmpty() || g.length() > 4) {
                return null;
            }
            int v = 0;
            for (int k = 0; k < g.length(); k++) {
                int d = Character.digit(g.charAt(k), 16);
                if (d < 0) {
                    return null;
                }
                v = v * 16 + d;
            }
            groups[count++] = v;
            if (end == n) {
                i = n;
                break;
            }
            // end points at ':'
            if (end + 1 < n && s.charAt(end + 1) == ':') {
                if (gap >= 0) {
                    return null;
                }
                gap = count;
                i = end + 2;
                if (i == n) {
                    break;
                }
            } else {
                i = end + 1;
                if (i == n) {
                    return null; // trailing single ':'
                }
            }
        }
        int[] full = new int[8];
        if (gap < 0) {
            if (count != 8) {
                return null;
            }
            full = groups;
        } else {
            if (count == 8) {
                return null;
            }
            System.arraycopy(groups, 0, full, 0, gap);
            System.arraycopy(groups, gap, full, 8 - (count - gap), count - gap);
        }
        byte[] out = new byte[16];
        for (int k = 0; k < 8; k++) {
            out[2 * k] = (byte) (full[k] >> 8);
            out[2 * k + 1] = (byte) full[k];
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Cidr c && c.prefixLength == prefixLength && Arrays.equals(c.address, address);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(address) * 31 + prefixLength;
    }

    @Override
    public String toString() {
        return text;
    }
}
