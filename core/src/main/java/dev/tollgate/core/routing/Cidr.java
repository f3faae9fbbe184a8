package dev.tollgate.core.routing;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * An IPv4 or IPv6 prefix ("a.b.c.d/xx" or a bare address), parsed without name resolution (core does no I/O).
 * An unparsable subnet matches nothing.
 */
record Cidr(byte[] network, int bits, String text) {

    static List<Cidr> parseAll(List<String> subnets) {
        List<Cidr> out = new ArrayList<>();
        if (subnets != null) {
            for (String s : subnets) {
                out.add(parse(s).orElse(new Cidr(new byte[0], 0, s + " (invalid)")));
            }
        }
        return List.copyOf(out);
    }

    static Optional<Cidr> parse(String text) {
        String t = text.trim();
        int slash = t.indexOf('/');
        Optional<byte[]> addr = address(slash >= 0 ? t.substring(0, slash) : t);
        if (addr.isEmpty()) {
            return Optional.empty();
        }
        int max = addr.get().length * 8;
        int bits = max;
        if (slash >= 0) {
            try {
                bits = Integer.parseInt(t.substring(slash + 1));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
            if (bits < 0 || bits > max) {
                return Optional.empty();
            }
        }
        return Optional.of(new Cidr(addr.get(), bits, t));
    }

    boolean contains(String ip) {
        Optional<byte[]> a = address(ip);
        if (a.isEmpty() || network.length == 0 || a.get().length != network.length) {
            return false;
        }
        byte[] b = a.get();
        for (int i = 0; i < bits; i++) {
            int mask = 0x80 >>> (i % 8);
            if ((b[i / 8] & mask) != (network[i / 8] & mask)) {
                return false;
            }
        }
        return true;
    }

    /** An IP literal's bytes; empty for anything else (host names included). */
    static Optional<byte[]> address(String s) {
        String t = s.trim();
        if (t.startsWith("[") && t.endsWith("]")) {
            t = t.substring(1, t.length() - 1);
        }
        return t.contains(":") ? ipv6(t) : ipv4(t);
    }

    private static Optional<byte[]> ipv4(String s) {
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) {
            return Optional.empty();
        }
        byte[] out = new byte[4];
        for (int i = 0; i < 4; i++) {
            if (parts[i].isEmpty() || parts[i].length() > 3 || !parts[i].chars().allMatch(Character::isDigit)) {
                return Optional.empty();
            }
            int v = Integer.parseInt(parts[i]);
            if (v > 255) {
                return Optional.empty();
            }
            out[i] = (byte) v;
        }
        return Optional.of(out);
    }

    private static Optional<byte[]> ipv6(String s) {
        int dbl = s.indexOf("::");
        if (dbl >= 0 && s.indexOf("::", dbl + 1) >= 0) {
            return Optional.empty();
        }
        List<Integer> head = groups(dbl >= 0 ? s.substring(0, dbl) : s);
        List<Integer> tail = dbl >= 0 ? groups(s.substring(dbl + 2)) : List.of();
        if (head == null || tail == null) {
            return Optional.empty();
        }
        int total = head.size() + tail.size();
        if ((dbl < 0 && total != 8) || (dbl >= 0 && total > 7)) {
            return Optional.empty();
        }
        byte[] out = new byte[16];
        for (int i = 0; i < head.size(); i++) {
            out[2 * i] = (byte) (head.get(i) >>> 8);
            out[2 * i + 1] = (byte) (int) head.get(i);
        }
        for (int i = 0; i < tail.size(); i++) {
            int g = 8 - tail.size() + i;
            out[2 * g] = (byte) (tail.get(i) >>> 8);
            out[2 * g + 1] = (byte) (int) tail.get(i);
        }
        return Optional.of(out);
    }

    private static List<Integer> groups(String s) {
        List<Integer> out = new ArrayList<>();
        if (s.isEmpty()) {
            return out;
        }
        for (String g : s.split(":", -1)) {
            if (g.isEmpty() || g.length() > 4) {
                return null;
            }
            try {
                out.add(Integer.parseInt(g, 16));
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return text;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Cidr c && c.text.equals(text);
    }

    @Override
    public int hashCode() {
        return text.hashCode();
    }
}
