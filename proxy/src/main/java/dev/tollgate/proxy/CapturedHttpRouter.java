package dev.tollgate.proxy;

import dev.tollgate.core.model.HttpRequestInfo;
import dev.tollgate.core.model.ProxyDecision;
import dev.tollgate.core.model.WorkloadRef;
import dev.tollgate.core.model.net.Authority;
import dev.tollgate.core.snapshot.MeshSnapshot;
import dev.tollgate.core.snapshot.OutboundDecision;
import dev.tollgate.core.snapshot.OutboundRequest;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;

/**
 * Decisions for plain HTTP/1.x on a captured connection: the application thinks it talks to the server, so requests
 * are in origin form and each names its host in {@code Host} only. Each request on the connection is decided on its
 * own ({@code outbound(HTTP Host, original port)}, the original destination attached for the pinned-address rule),
 * so a keep-alive connection cannot carry a second request to another host under the first one's decision. A
 * refusal is a 502 with the reason, as with the explicit proxy ({@link SidecarRouter}); a missing, repeated or
 * malformed Host a 400. A request in absolute form or a CONNECT is refused with 400: an application that meant to
 * speak to a proxy was not configured for one, and the Host it would be decided by is not the URI's.
 */
final class CapturedHttpRouter implements HttpRouter {
    private static final int HTTP_DEFAULT_PORT = 80;
    private final ProxyContext px;
    private final WorkloadRef workload;
    private final InetSocketAddress original;

    CapturedHttpRouter(ProxyContext px, WorkloadRef workload, InetSocketAddress original) {
        this.px = px;
        this.workload = workload;
        this.original = original;
    }

    @Override
    public Route route(ChannelHandlerContext ctx, HttpRequest request, Exchange ex) {
        ex.originalDestination = Upstreams.format(original);
        ex.destinationHost = CaptureSniffer.ip(original);
        ex.destinationPort = original.getPort();
        Optional<MeshSnapshot> snapshot = px.snapshot();
        if (snapshot.isEmpty()) {
            ex.decide(ProxyDecision.ERROR, "no configuration loaded yet");
            return new Reply(HttpResponseStatus.SERVICE_UNAVAILABLE, ex.reason);
        }
        String path = request.uri();
        if (request.method().equals(HttpMethod.CONNECT) || !(path.startsWith("/")
                || path.equals("*") && request.method().equals(HttpMethod.OPTIONS))) {
            ex.request = request.method().name() + " - " + (path.length() > 100 ? path.substring(0, 100) : path);
            return HttpRouter.badRequest(ex, "a captured request must be in origin form (/path): this connection was not made to a "
                    + "proxy");
        }
        List<String> hosts = request.headers().getAll(HttpHeaderNames.HOST);
        if (hosts.isEmpty()) {
            ex.request = HttpMessages.describe(request, "-", path);
            return HttpRouter.badRequest(ex, "missing Host header");
        }
        if (hosts.size() > 1) {
            ex.request = HttpMessages.describe(request, hosts.get(0), path);
            return HttpRouter.badRequest(ex, "more than one Host header");
        }
        String hostHeader = hosts.get(0);
        ex.request = HttpMessages.describe(request, hostHeader, path);
        Optional<Authority> host = WireHost.authority(hostHeader, HTTP_DEFAULT_PORT);
        if (host.isEmpty()) {
            return HttpRouter.badRequest(ex, WireHost.refusal(hostHeader, "malformed Host header"));
        }
        ex.destinationHost = host.get().host();
        HttpRequestInfo info = new HttpRequestInfo(request.method().name(), hostHeader, path,
                HttpMessages.headerMap(request.headers()));
        // a Host port other than the one connected to is refused by RequestedHost, the one rule
        OutboundDecision d = snapshot.get().outbound(workload, OutboundRequest.http(host.get().host(),
                original.getPort(), info).capturedTo(CaptureSniffer.ip(original)));
        return HttpRouter.decided(d, ex, snapshot.get().mesh().trustDomain());
    }
}
