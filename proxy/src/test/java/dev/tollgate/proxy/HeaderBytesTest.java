package dev.tollgate.proxy;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Header values as the rules see them. Netty's decoder reads each byte as one char, so the UTF-8 bytes of a client's
 * {@code é} (C3 A9) arrive as two chars; a VirtualService or AuthorizationPolicy naming {@code é} (and Envoy, which
 * compares bytes) must see the client's {@code é}. Before, the proxies compared the two chars and missed the rule,
 * while check matched it.
 */
class HeaderBytesTest {
    /** What Netty hands over for these bytes on the wire: one char per byte. */
    private static String wire(byte... bytes) {
        return new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    @Test
    void utf8BytesAreReadAsTheTextTheyEncode() {
        DefaultHttpHeaders h = new DefaultHttpHeaders();
        h.add("X-Team", wire((byte) 0xC3, (byte) 0xA9));
        h.add("X-Team", "plain");
        h.add("X-Other", wire((byte) 'a', (byte) 0xE2, (byte) 0x82, (byte) 0xAC));
        var m = HttpMessages.headerMap(h);
        assertThat(m.get("x-team")).containsExactly("\u00e9", "plain");
        assertThat(m.get("x-other")).containsExactly("a\u20ac");
        assertThat(HttpMessages.notUtf8(h)).isNull();
    }

    @Test
    void bytesThatAreNotUtf8AreRefusedBeforeAnyRule() {
        for (String bad : new String[]{wire((byte) 0xE9), wire((byte) 0xC3), wire((byte) 0xC0, (byte) 0xAF),
                wire((byte) 0xED, (byte) 0xA0, (byte) 0x80)}) {
            DefaultHttpRequest r = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/");
            r.headers().add("Host", "api.example.com").add("X-Team", bad);
            HttpRouter.Reply reply = RequestGate.refusal(r);
            assertThat(reply).as("%s", bad.chars().mapToObj(Integer::toHexString).toList()).isNotNull();
            assertThat(reply.status().code()).isEqualTo(400);
            assertThat(reply.body()).isEqualTo("malformed request: the value of header X-Team is not UTF-8");
        }
    }

    @Test
    void asciiRequestsPassTheGateUnchanged() {
        DefaultHttpRequest r = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/a?b=c");
        r.headers().add("Host", "api.example.com").add("X-Team", "a b\tc");
        assertThat(RequestGate.refusal(r)).isNull();
        assertThat(HttpMessages.headerMap(r.headers()).get("x-team")).containsExactly("a b\tc");
    }
}
