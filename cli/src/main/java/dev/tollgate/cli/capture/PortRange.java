package dev.tollgate.cli.capture;

/** A TCP port or an inclusive range of them, 1-65535, as nftables writes it ({@code 80}, {@code 8000-8100}). */
public record PortRange(int first, int last) {
    public PortRange {
        if (first < 1 || last > 65535 || first > last) {
            throw new IllegalArgumentException("not a port range within 1-65535: " + first + "-" + last);
        }
    }

    public static PortRange of(int port) {
        return new PortRange(port, port);
    }

    @Override
    public String toString() {
        return first == last ? String.valueOf(first) : first + "-" + last;
    }
}
