package dev.tollgate.proxy;

import dev.tollgate.core.model.net.HostName;

import io.netty.buffer.ByteBuf;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Reads the SNI from a TLS ClientHello without consuming it, for hostile input: every length is checked against
 * what is there and against caps, a hello split over several TLS records is reassembled (up to {@link #MAX_BYTES}),
 * and anything RFC 8446 / RFC 6066 forbids (two server_name extensions, two host names, a name with characters a
 * DNS name cannot have) is rejected rather than guessed at.
 */
final class ClientHello {
    /** The most bytes buffered while waiting for a whole ClientHello. */
    static final int MAX_BYTES = 64 * 1024;
    /** How long a proxy waits for a whole ClientHello before closing. */
    static final java.time.Duration TIMEOUT = java.time.Duration.ofSeconds(10);
    private static final int RECORD_HEADER = 5;
    private static final int MAX_RECORD = 16384 + 2048;

    /** What the bytes so far say. */
    sealed interface Result {
    }

    /** Not enough bytes yet. */
    record NeedMore() implements Result {
    }

    /** The first bytes are not a TLS handshake record. */
    record NotTls() implements Result {
    }

    record Malformed(String reason) implements Result {
    }

    /** @param sni the host_name, lower case; empty when the hello has no server_name */
    record Hello(Optional<String> sni) implements Result {
    }

    private static final Result NEED_MORE = new NeedMore();

    private ClientHello() {
    }

    static Result parse(ByteBuf in) {
        int base = in.readerIndex();
        int available = in.readableBytes();
        if (available < 1) {
            return NEED_MORE;
        }
        if (in.getUnsignedByte(base) != 22) {
            return new NotTls();
        }
        if (available >= 2 && in.getUnsignedByte(base + 1) != 3) {
            return new NotTls();
        }
        ByteArrayOutputStream handshake = new ByteArrayOutputStream(512);
        int offset = 0;
        int needed = -1;
        while (true) {
            if (available - offset < RECORD_HEADER) {
                return available >= MAX_BYTES ? new Malformed("ClientHello larger than " + MAX_BYTES + " bytes")
                        : NEED_MORE;
            }
            int type = in.getUnsignedByte(base + offset);
            int major = in.getUnsignedByte(base + offset + 1);
            int length = in.getUnsignedShort(base + offset + 3);
            if (type != 22 || major != 3) {
                return offset == 0 ? new NotTls() : new Malformed("ClientHello interrupted by a non-handshake record");
            }
            if (length == 0 || length > MAX_RECORD) {
                return new Malformed("TLS record length " + length + " out of range");
            }
            if (offset + RECORD_HEADER + length > MAX_BYTES) {
                return new Malformed("ClientHello larger than " + MAX_BYTES + " bytes");
            }
            if (available - offset - RECORD_HEADER < length) {
                return NEED_MORE;
            }
            byte[] fragment = new byte[length];
            in.getBytes(base + offset + RECORD_HEADER, fragment);
            handshake.writeBytes(fragment);
            offset += RECORD_HEADER + length;
            byte[] h = handshake.toByteArray();
            if (needed < 0 && h.length >= 4) {
                if ((h[0] & 0xff) != 1) {
                    return new Malformed("first handshake message is not a ClientHello");
                }
                needed = 4 + ((h[1] & 0xff) << 16 | (h[2] & 0xff) << 8 | (h[3] & 0xff));
                if (needed > MAX_BYTES) {
                    return new Malformed("ClientHello larger than " + MAX_BYTES + " bytes");
                }
            }
            if (needed >= 0 && h.length >= needed) {
                return body(h, 4, needed);
            }
        }
    }

    /** Parses the ClientHello body in {@code h[from, to)}. */
    private static Result body(byte[] h, int from, int to) {
        Cursor c = new Cursor(h, from, to);
        if (!c.skip(2 + 32)) {
            return new Malformed("ClientHello truncated before session id");
        }
        if (!c.skipVector(1, 32)) {
            return new Malformed("bad session id");
        }
        if (!c.skipVector(2, 65534)) {
            return new Malformed("bad cipher suites");
        }
        if (!c.skipVector(1, 255)) {
            return new Malformed("bad compression methods");
        }
        if (c.remaining() == 0) {
            return new Hello(Optional.empty());
        }
        int extLength = c.u16();
        if (extLength < 0 || extLength != c.remaining()) {
            return new Malformed("extensions length does not match the ClientHello");
        }
        Optional<String> sni = Optional.empty();
        boolean seenSni = false;
        while (c.remaining() > 0) {
            int type = c.u16();
            int length = c.u16();
            if (type < 0 || length < 0 || length > c.remaining()) {
                return new Malformed("extension overruns the ClientHello");
            }
            if (type == 0) {
                if (seenSni) {
                    return new Malformed("two server_name extensions");
                }
                seenSni = true;
                Result r = serverName(new Cursor(h, c.pos, c.pos + length));
                if (!(r instanceof Hello hello)) {
                    return r;
                }
                sni = hello.sni();
            }
            c.skip(length);
        }
        return new Hello(sni);
    }

    private static Result serverName(Cursor c) {
        int listLength = c.u16();
        if (listLength < 0 || listLength != c.remaining() || listLength == 0) {
            return new Malformed("bad server_name list length");
        }
        Optional<String> name = Optional.empty();
        while (c.remaining() > 0) {
            int nameType = c.u8();
            int length = c.u16();
            if (nameType < 0 || length < 0 || length > c.remaining()) {
                return new Malformed("server_name entry overruns its list");
            }
            if (nameType == 0) {
                if (name.isPresent()) {
                    return new Malformed("more than one host_name in server_name");
                }
                if (length == 0 || length > 255) {
                    return new Malformed("host_name length " + length + " out of range");
                }
                String host = new String(c.bytes, c.pos, length, StandardCharsets.ISO_8859_1);
                if (!validHostName(host)) {
                    return new Malformed(WireHost.refusal(host, "host_name is not a DNS name"));
                }
                name = Optional.of(HostName.fold(host));
            }
            c.skip(length);
        }
        return new Hello(name);
    }

    /** A {@link HostName} without the trailing dot RFC 6066 section 3 forbids in host_name. */
    static boolean validHostName(String host) {
        return !host.endsWith(".") && HostName.problem(host).isEmpty();
    }

    private static final class Cursor {
        final byte[] bytes;
        int pos;
        final int end;

        Cursor(byte[] bytes, int pos, int end) {
            this.bytes = bytes;
            this.pos = pos;
            this.end = end;
        }

        int remaining() {
            return end - pos;
        }

        boolean skip(int n) {
            if (n < 0 || n > remaining()) {
                pos = end;
                return false;
            }
            pos += n;
            return true;
        }

        int u8() {
            return remaining() < 1 ? -1 : bytes[pos++] & 0xff;
        }

        int u16() {
            if (remaining() < 2) {
                pos = end;
                return -1;
            }
            int v = (bytes[pos] & 0xff) << 8 | bytes[pos + 1] & 0xff;
            pos += 2;
            return v;
        }

        boolean skipVector(int lengthBytes, int max) {
            int n = lengthBytes == 1 ? u8() : u16();
            return n >= 0 && n <= max && skip(n);
        }
    }
}
