package dev.tollgate.proxy;

import dev.tollgate.core.model.AsciiCase;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Small HTTP/1.1 helpers shared by the sidecar and the gateway. */
final class HttpMessages {
    /** Headers that describe one hop and are never forwarded (RFC 9110 section 7.6.1, plus the proxy ones). */
    private static final List<String> HOP_BY_HOP = List.of("connection", "keep-alive", "proxy-connection",
            "proxy-authorization", "proxy-authenticate", "te", "trailer", "upgrade");

    private HttpMessages() {
    }

    /**
     * A local answer: one line of text, {@code Connection: close}. Envoy's RBAC denial body is sent exactly as Envoy
     * sends it, without a newline.
     */
    static FullHttpResponse reply(ByteBufAllocator alloc, HttpResponseStatus status, String body) {
        boolean exact = body.isEmpty() || body.equals(GatewayRouter.RBAC_BODY);
        byte[] bytes = (exact ? body : body + "\n").getBytes(StandardCharsets.UTF_8);
        ByteBuf content = alloc.buffer(bytes.length).writeBytes(bytes);
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, content);
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length)
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        return r;
    }

    /** The status and reason for a request Netty's decoder could not read. */
    static HttpRouter.Reply malformed(Throwable cause) {
        if (cause instanceof HeadGuard.LimitExceeded limit) {
            return new HttpRouter.Reply(limit.status, limit.getMessage());
        }
        if (cause instanceof TooLongHttpHeaderException) {
            return new HttpRouter.Reply(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
                    "malformed request: headers too large");
        }
        if (cause instanceof TooLongHttpLineException) {
            return new HttpRouter.Reply(HttpResponseStatus.REQUEST_URI_TOO_LONG,
                    "malformed request: request line too long");
        }
        if (cause instanceof TooLongFrameException) {
            return new HttpRouter.Reply(HttpResponseStatus.BAD_REQUEST, "malformed request: too large");
        }
        String m = cause == null || cause.getMessage() == null ? "unreadable" : cause.getMessage();
        return new HttpRouter.Reply(HttpResponseStatus.BAD_REQUEST,
                "malformed request: " + m.replaceAll("[\\r\\n]", " "));
    }

    /**
     * Framing that two parsers could read differently (request smuggling, RFC 9112 section 6.3): both
     * Content-Length and Transfer-Encoding, several Content-Length values, or a Transfer-Encoding other than a final
     * chunked.
     */
    static String smuggling(HttpMessage m) {
        HttpHeaders h = m.headers();
        List<String> te = h.getAll(HttpHeaderNames.TRANSFER_ENCODING);
        List<String> cl = h.getAll(HttpHeaderNames.CONTENT_LENGTH);
        if (!te.isEmpty() && !cl.isEmpty()) {
            return "both Content-Length and Transfer-Encoding";
        }
        if (cl.size() > 1) {
            return "more than one Content-Length";
        }
        if (!te.isEmpty()) {
            String all = AsciiCase.lower(String.join(",", te)).replace(" ", "");
            if (!all.equals("chunked")) {
                return "Transfer-Encoding other than chunked: " + all;
            }
        }
        return null;
    }

    /**
     * Connection options that are not header names (RFC 9110 section 7.6.1); never looked up as headers.
     */
    private static final Set<String> CONNECTION_OPTIONS = Set.of("close", "keep-alive", "upgrade", "http2-settings");

    /**
     * Headers that a {@code Connection} header may never remove, because the next hop or this proxy needs them end to
     * end. Envoy's {@code sanitizeConnectionHeader} refuses a request that nominates X-Forwarded-For/-Host/-Proto or a
     * pseudo-header; it may remove a nominated Content-Length or Transfer-Encoding only because its codec re-frames
     * every body. This proxy forwards the body in the framing the client chose, so removing either would forward the
     * body unframed and the next hop would read it as a new request (request smuggling, issue 6 section 1.1); and
     * Host is the authority that was routed and authorized. A request nominating any of these is refused (400).
     */
    private static final Set<String> END_TO_END = Set.of("content-length", "transfer-encoding", "host",
            "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "forwarded");

    /** Envoy refuses a Connection header with 10 or more options: a long list is an attack, never a client. */
    static final int MAX_CONNECTION_OPTIONS = 10;

    /**
     * Why a request's {@code Connection} header is refused, or null when it is acceptable: too many options, an
     * option that is not a token (e.g. a pseudo-header {@code :path}), or one that names an {@link #END_TO_END} header.
     */
    static String connectionProblem(HttpHeaders h) {
        int options = 0;
        for (String c : h.getAll(HttpHeaderNames.CONNECTION)) {
            for (String option : c.split(",", -1)) {
                String o = AsciiCase.lower(option.trim());
                if (o.isEmpty()) {
                    continue;
                }
                if (++options >= MAX_CONNECTION_OPTIONS) {
                    return "Connection header names " + MAX_CONNECTION_OPTIONS + " or more options";
                }
                if (!isToken(o)) {
                    return "Connection header names an invalid option";
                }
                if (END_TO_END.contains(o)) {
                    return "Connection header names " + o + ", an end-to-end header";
                }
            }
        }
        return null;
    }

    /** RFC 9110 section 5.6.2 token. */
    private static boolean isToken(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
                    || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
            if (!ok) {
                return false;
            }
        }
        return !s.isEmpty();
    }

    /**
     * Removes the hop-by-hop headers, including those the Connection header names, but never an {@link #END_TO_END}
     * one: requests that nominate them are refused before this ({@link #connectionProblem}); a response that does keeps
     * them, since its body was framed by them.
     */
    static void stripHopByHop(HttpHeaders h) {
        for (String c : h.getAll(HttpHeaderNames.CONNECTION)) {
            for (String name : c.split(",")) {
                String n = AsciiCase.lower(name.trim());
                if (!n.isEmpty() && !END_TO_END.contains(n) && !CONNECTION_OPTIONS.contains(n)) {
                    h.remove(n);
                }
            }
        }
        HOP_BY_HOP.forEach(h::remove);
    }

    /**
     * Removes the headers that only Envoy-based meshes write and their peers trust: {@code x-forwarded-client-cert}
     * (a mesh hop's account of the client certificate) and {@code x-envoy-*} (retry, timeout and routing controls).
     * A client that sends them is an untrusted downstream, whose copies Envoy removes (XFCC SANITIZE, and its cleanup
     * of internal headers on external requests). Tollgate's proxies write neither and authorize on the mTLS peer, never
     * on these headers, so they are removed on arrival, at both proxies, before routing and authorization: a policy
     * then sees what the upstream will get, and a forged identity header never reaches an external host.
     *
     * @return the names removed, in lower case (for the access log)
     */
    static List<String> stripMeshInternal(HttpHeaders h) {
        List<String> removed = null;
        for (Map.Entry<String, String> e : h) {
            String n = AsciiCase.lower(e.getKey());
            if (n.equals("x-forwarded-client-cert") || n.startsWith("x-envoy-")) {
                if (removed == null) {
                    removed = new ArrayList<>();
                }
                if (!removed.contains(n)) {
                    removed.add(n);
                }
            }
        }
        if (removed == null) {
            return List.of();
        }
        removed.forEach(h::remove);
        return removed;
    }

    /**
     * Drops every trailer field of a request's last chunk. Authorization decides on the header section, before the
     * body, so a trailer can never be authorized: a {@code Host} or a header that a DENY rule matches, sent as a
     * trailer, would pass the gateway and reach an upstream that merges trailers into headers. Envoy drops HTTP/1
     * trailers the same way unless {@code enable_trailers} is set, which Istio does not set.
     *
     * @return the names dropped, in lower case (for the access log)
     */
    static List<String> dropTrailers(LastHttpContent last) {
        HttpHeaders t = last.trailingHeaders();
        if (t.isEmpty()) {
            return List.of();
        }
        List<String> names = new ArrayList<>();
        for (String n : t.names()) {
            String lower = AsciiCase.lower(n);
            if (!names.contains(lower)) {
                names.add(lower);
            }
        }
        t.clear();
        return names;
    }

    /**
     * Header names in lower case with their values in order, as the snapshot's HttpRequestInfo wants them: each value
     * read as UTF-8 ({@link #utf8}), as the configuration's strings are, so that a rule's {@code é} is the client's
     * {@code é}. {@link RequestGate} has refused values that are not UTF-8 before this is asked.
     */
    static Map<String, List<String>> headerMap(HttpHeaders h) {
        Map<String, List<String>> m = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : h) {
            String value = utf8(e.getValue());
            m.computeIfAbsent(AsciiCase.lower(e.getKey()), k -> new ArrayList<>())
                    .add(value == null ? e.getValue() : value);
        }
        m.replaceAll((k, v) -> List.copyOf(v));
        return m;
    }

    /**
     * A header value as Envoy compares it with the configuration: by its bytes, which for UTF-8 on both sides is
     * comparing the decoded text. Netty's decoder reads each byte as one char (ISO-8859-1), so a value with a char
     * over 0x7f holds bytes to decode. Null when those bytes are not UTF-8: a value no rule's string can be.
     */
    static String utf8(String wire) {
        for (int i = 0; i < wire.length(); i++) {
            if (wire.charAt(i) > 0x7f) {
                try {
                    return java.nio.charset.StandardCharsets.UTF_8.newDecoder()
                            .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                            .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
                            .decode(java.nio.ByteBuffer.wrap(wire.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1)))
                            .toString();
                } catch (java.nio.charset.CharacterCodingException e) {
                    return null;
                }
            }
        }
        return wire;
    }

    /** The first header whose value is not UTF-8 ({@link #utf8}), or null. */
    static String notUtf8(HttpHeaders h) {
        for (Map.Entry<String, String> e : h) {
            if (utf8(e.getValue()) == null) {
                return e.getKey();
            }
        }
        return null;
    }

    /** The request line for the access log: {@code METHOD authority path}. */
    static String describe(HttpRequest r, String authority, String path) {
        return r.method().name() + " " + authority + " " + path;
    }
}
