package dev.tollgate.proxy;

import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;

/**
 * The answers a client's request gets before it is routed, whichever proxy reads it: what Netty's decoder could not
 * read (400, or 413/414/431 for the limits), a request target that is not visible ASCII or a header value that is not UTF-8 (400), framing or a Connection header that two parsers could read differently
 * (400: request smuggling), and any version but HTTP/1.1 (426); and, once it is being forwarded, a body the decoder
 * could not read. Each refusal's text is both the answer's body and the logged reason.
 */
final class RequestGate {
    private RequestGate() {
    }

    /** Why the request is answered without being routed, or null when it may be routed. */
    static HttpRouter.Reply refusal(HttpRequest request) {
        if (request.decoderResult().isFailure()) {
            return HttpMessages.malformed(request.decoderResult().cause());
        }
        String smuggle = HttpMessages.smuggling(request);
        if (smuggle != null) {
            return new HttpRouter.Reply(HttpResponseStatus.BAD_REQUEST, "ambiguous request framing: " + smuggle);
        }
        var target = dev.tollgate.core.model.net.RequestTarget.problem(pathOf(request.uri()));
        if (target.isPresent()) {
            return new HttpRouter.Reply(HttpResponseStatus.BAD_REQUEST, "malformed request: " + target.get());
        }
        String notUtf8 = HttpMessages.notUtf8(request.headers());
        if (notUtf8 != null) {
            // bytes over 0x7f that are not UTF-8: no rule's string can name them, and read as anything else they
            // could pass a rule they were meant to meet; refused rather than guessed
            return new HttpRouter.Reply(HttpResponseStatus.BAD_REQUEST, "malformed request: the value of header "
                    + dev.tollgate.core.model.net.HostName.shown(notUtf8) + " is not UTF-8");
        }
        String connection = HttpMessages.connectionProblem(request.headers());
        if (connection != null) {
            return new HttpRouter.Reply(HttpResponseStatus.BAD_REQUEST, "malformed request: " + connection);
        }
        if (!request.protocolVersion().equals(HttpVersion.HTTP_1_1)) {
            // Envoy's default (Istio sets accept_http_10 only with PILOT_HTTP10): HTTP/1.0 is refused with 426,
            // with or without a Host header
            return new HttpRouter.Reply(HttpResponseStatus.UPGRADE_REQUIRED, request.protocolVersion().text()
                    + " requests are not accepted: use HTTP/1.1");
        }
        return null;
    }

    /**
     * The path and query of a request target: all of origin form ({@code /a?b}), what follows the authority in
     * absolute form ({@code http://host/a?b}), nothing of authority form (CONNECT) or {@code *}. Hosts have their own
     * rule and their own words (not ASCII: {@code HostName.nonAscii}, the reason check gives too).
     */
    private static String pathOf(String uri) {
        if (uri.startsWith("/")) {
            return uri;
        }
        int scheme = uri.indexOf("://");
        if (scheme < 0) {
            return "";
        }
        int path = uri.indexOf('/', scheme + 3);
        return path < 0 ? "" : uri.substring(path);
    }

    /**
     * Why a piece of a request body being forwarded is refused (e.g. a bad chunk size), or null: the upstream must
     * not see a body that ends early as if it were complete. Answered 400 while no response has begun.
     */
    static String bodyProblem(HttpContent c) {
        if (c.decoderResult().isFailure()) {
            return "malformed request body: " + HttpProxyHandler.describe(c.decoderResult().cause());
        }
        return null;
    }
}
