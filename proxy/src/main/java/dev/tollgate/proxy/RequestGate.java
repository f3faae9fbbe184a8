package dev.tollgate.proxy;

import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;

/**
 * The answers a client's request gets before it is routed, whichever proxy reads it: what Netty's decoder could not
 * read (400, or 413/414/431 for the limits), a request target that is not visible ASCII (400), framing or a Connection header that two parsers could read differently
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
        var target = dev.tollgate.core.model.net.RequestTarget.problem(request.uri());
        if (target.isPresent()) {
            return new HttpRouter.Reply(HttpResponseStatus.BAD_REQUEST, "malformed request: " + target.get());
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
