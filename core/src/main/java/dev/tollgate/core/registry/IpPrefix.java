package dev.tollgate.core.registry;

import java.util.Arrays;
import java.util.Optional;

/**
 * An IPv4 or IPv6 address or CIDR prefix, as in ServiceEntry {@code addresses}, parsed by hand because the core may
 * not touch {@code java.net.InetAddress} (it can resolve names). Anything that is not a plain literal is rejected,
 * so a malformed address never matches (fail closed).
 */
record IpPrefix(byte[] address, int bits) {

    static Optional<IpPrefix> parse(String text) {
        String t = text.trim();
        int slash = t.indexOf('/');
        String addr = slash < 0 ? t : t.substring(0, slash);
        Optional<byte[]> bytes = literal(addr);
        if (bytes.isEmpty()) {
            return Optional.empty();
        }
        int max = bytes.get().length * 8;
        int bits = max;
        if (slash >= 0) {
            String b = t.substring(slash + 1);
            if (b.isEmpty() || b.length() > 3 || !b.chars().allMatch(Character::isDigit)) {
                return Optional.empty();
            }
            bits = Integer.parseInt(b);
            if (bits > max) {
                return Optional.empty();
            }
        }
        return Optional.of(new IpPrefix(mask(bytes.get(), bits), bits));
    }

    /** An IPv4 dotted quad or an IPv6 literal (optionally in brackets, with {@code ::} and a dotted IPv4 tail). */
    static Optional<byte[]> literal(String text) {
        String t = text;
        if (t.startsWith("[") && t.endsWith("]")) {
            t = t.substring(1, t.length() - 1);
        }
        return t.indexOf(':') >= 0 ? ipv6(t) : ipv4(t);
    }

    private static Optional<byte[]> ipv4(String t) {
        String[] parts = t.split("\\.", -1);
        if (parts.length != 4) {
            return Optional.empty();
        }
        byte[] out = new byte[4];
        for (int i = 0; i < 4; i++) {
            String p = parts[i];
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(c -> c >= '0' && c <= '9')
                    || p.length() > 1 && p.charAt(0) == '0') {
                return Optional.empty();
            }
            int v = Integer.parseInt(p);
            if (v > 255) {
                return Optional.empty();
            }
            out[i] = (byte) v;
        }
        return Optional.of(out);
    }

    private static Optional<byte[]> ipv6(String t) {
        int zone = t.indexOf('%');
        if (zone >= 0) {
            return Optional.empty();
        }
        int dbl = t.indexOf("::");
        if (dbl >= 0 && t.indexOf("::", dbl + 1) >= 0) {
            return Optional.empty();
        }
        String head = dbl >= 0 ? t.substring(0, dbl) : t;
        String tail = dbl >= 0 ? t.substring(dbl + 2) : "";
        byte[] h = groups(head, dbl < 0 || tail.isEmpty());
        byte[] tl = dbl >= 0 ? groups(tail, true) : new byte[0];
        if (h == null || tl == null) {
            return Optional.empty();
        }
        if (dbl < 0 ? h.length != 16 : h.length + tl.length > 14) {
            return Optional.empty();
        }
        byte[] out = new byte[16];
        System.arraycopy(h, 0, out, 0, h.length);
        System.arraycopy(tl, 0, out, 16 - tl.length, tl.length);
        return Optional.of(out);
    }

    /** Colon-separated hex groups; the last may be a dotted IPv4 address when {@code allowV4Tail}. */
    private static byte[] groups(String s, boolean allowV4Tail) {
        if (s.isEmpty()) {
            return new byte[0];
        }
        String[] parts = s.split(":", -1);
        byte[] out = new byte[parts.length * 2 + 2];
        int n = 0;
        for (int i = 0; i < parts.length; i++) {
            String p = parts[i];
            if (i == parts.length - 1 && allowV4Tail && p.indexOf('.') >= 0) {
                Optional<byte[]> v4 = ipv4(p);
                if (v4.isEmpty()) {
                    return null;
                }
                System.arraycopy(v4.get(), 0, out, n, 4);
                n += 4;
                continue;
            }
            if (p.isEmpty() || p.length() > 4) {
                return null;
            }
            int v = 0;
            for (int k = 0; k < p.length(); k++) {
                int d = Character.digit(p.charAt(k), 16);
                if (d < 0) {
                    return null;
                }
                v = v * 16 + d;
            }
            out[n++] = (byte) (v >> 8);
            out[n++] = (byte) v;
        }
        return n > 16 ? null : Arrays.copyOf(out, n);
    }

    static byte[] mask(byte[] address, int bits) {
        byte[] out = address.clone();
        for (int i = 0; i < out.length; i++) {
            int keep = Math.max(0, Math.min(8, bits - i * 8));
            out[i] = (byte) (out[i] & (0xff << (8 - keep)));
        }
        return out;
    }

    boolean contains(byte[] ip) {
        return ip.length == address.length && Arrays.equals(mask(ip, bits), address);
    }

    /** A map key for the masked address: same family, same prefix length, same bits. */
    String key() {
        return bits + "/" + Arrays.toString(address);
    }

    static String key(byte[] ip, int bits) {
        return bits + "/" + Arrays.toString(mask(ip, bits));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IpPrefix p && p.bits == bits && Arrays.equals(p.address, address);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(address) + bits;
    }

    @Override
    public String toString() {
        return key();
    }
}
