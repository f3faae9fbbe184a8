package dev.tollgate.proxy;

import dev.tollgate.core.model.net.Authority;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Host names as a client puts them on the wire (request URI, Host header, CONNECT target), read with the core's one
 * {@link Authority} parser. Netty hands request-line and header bytes over one char per byte, so a name written in
 * UTF-8 arrives as its bytes; it is decoded first, so that the reason for refusing {@code \u212Aey.example.com} is
 * the one {@code check} gives for the same URL. Any non-ASCII name is refused either way.
 */
final class WireHost {
    private WireHost() {
    }

    /** {@code text} as the client wrote it: its bytes read as UTF-8 when they are that, else unchanged. */
    static String asWritten(String text) {
        boolean bytes = true;
        boolean ascii = true;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            ascii &= c < 0x80;
            bytes &= c <= 0xff;
        }
        if (ascii || !bytes) {
            return text;
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(text.getBytes(StandardCharsets.ISO_8859_1))).toString();
        } catch (CharacterCodingException e) {
            return text;
        }
    }

    /** The authority in {@code text}, or empty when it is none. */
    static Optional<Authority> authority(String text, int defaultPort) {
        return Authority.tryParse(text, defaultPort);
    }

    /**
     * Why {@code text} is refused: a reason every boundary gives in the same words ({@link Authority#sharedRefusal}),
     * else {@code otherwise}, this boundary's own message.
     */
    static String refusal(String text, String otherwise) {
        return Authority.sharedRefusal(asWritten(text)).orElse(otherwise);
    }
}
