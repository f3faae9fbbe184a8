package dev.tollgate.proxy;

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
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

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
            String all = String.join(",", te).toLowerCase(Locale.ROOT).replace(" ", "");
            if (!all.equals("chunked")) {
                return "Transfer-Encoding other than chunked: " + all;
            }
        }
        return null;
    }

    /** Removes the hop-by-hop headers, including those the Connection header names. */
    static void stripHopByHop(HttpHeaders h) {
        for (String c : h.getAll(HttpHeaderNames.CONNECTION)) {
            for (String name : c.split(",")) {
                String n = name.trim();
                if (!n.isEmpty()) {
                    h.remove(n);
                }
            }
        }
        HOP_BY_HOP.forEach(h::remove);
    }

    /** Header names in lower case with their values in order, as the snapshot's HttpRequestInfo wants them. */
    static Map<String, List<String>> headerMap(HttpHeaders h) {
        Map<String, List<String>> m = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : h) {
            m.computeIfAbsent(e.getKey().toLowerCase(Locale.ROOT), k -> new ArrayList<>()).add(e.getValue());
        }
        m.replaceAll((k, v) -> List.copyOf(v));
        return m;
    }

    /** The request line for the access log: {@code METHOD authority path}. */
    static String describe(HttpRequest r, String authority, String path) {
        return r.method().name() + " " + authority + " " + path;
    }
}
