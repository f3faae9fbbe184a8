package dev.tollgate.proxy;

import dev.tollgate.core.model.ProxyDecision;
import dev.tollgate.core.model.AsciiCase;

import dev.tollgate.core.model.WorkloadRef;
import dev.tollgate.core.model.HttpRequestInfo;
import dev.tollgate.core.model.net.Authority;
import dev.tollgate.core.snapshot.MeshSnapshot;
import dev.tollgate.core.snapshot.OutboundDecision;
import dev.tollgate.core.snapshot.OutboundRequest;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;

import java.util.List;
import java.util.Optional;

/**
 * The sidecar's explicit-proxy decisions: absolute-URI HTTP requests and CONNECT, asked of the workload's view of
 * the current snapshot ({@code MeshSnapshot.outbound}).
 */
final class SidecarRouter implements HttpRouter {
    private final ProxyContext px;
    private final WorkloadRef workload;

    SidecarRouter(ProxyContext px, WorkloadRef workload) {
        this.px = px;
        this.workload = workload;
    }

    @Override
    public Route route(ChannelHandlerContext ctx, HttpRequest request, Exchange ex) {
        Optional<MeshSnapshot> snapshot = px.snapshot();
        if (snapshot.isEmpty()) {
            ex.decide(ProxyDecision.ERROR, "no configuration loaded yet");
            return new Reply(HttpResponseStatus.SERVICE_UNAVAILABLE, ex.reason);
        }
        if (request.method().equals(HttpMethod.CONNECT)) {
            return ConnectTunnel.start(px, workload, snapshot.get(), ctx, request);
        }
        return http(snapshot.get(), request, ex);
    }

    private Route http(MeshSnapshot snapshot, HttpRequest request, Exchange ex) {
        String uri = request.uri();
        String lower = AsciiCase.lower(uri);
        if (lower.startsWith("https://")) {
            return HttpRouter.badRequest(ex, "https:// requests must use CONNECT");
        }
        if (!lower.startsWith("http://")) {
            return HttpRouter.badRequest(ex, "not a proxy request: the request URI must be absolute (http://host/path)");
        }
        String rest = uri.substring("http://".length());
        int end = rest.length();
        for (char c : new char[]{'/', '?', '#'}) {
            int i = rest.indexOf(c);
            if (i >= 0 && i < end) {
                end = i;
            }
        }
        String uriAuthority = rest.substring(0, end);
        Optional<Authority> target = WireHost.authority(uriAuthority, 80);
        if (target.isEmpty()) {
            return HttpRouter.badRequest(ex, WireHost.refusal(uriAuthority, "malformed request URI authority"));
        }
        String path = rest.substring(end);
        // the fragment first: http://host#x has an empty path, which is "/" like any other
        if (path.indexOf('#') >= 0) {
            path = path.substring(0, path.indexOf('#'));
        }
        if (path.isEmpty() || path.startsWith("?")) {
            path = "/" + path;
        }
        ex.destinationHost = target.get().host();
        ex.destinationPort = target.get().port();
        List<String> hosts = request.headers().getAll(HttpHeaderNames.HOST);
        if (hosts.isEmpty()) {
            return HttpRouter.badRequest(ex, "missing Host header");
        }
        if (hosts.size() > 1) {
            return HttpRouter.badRequest(ex, "more than one Host header");
        }
        String hostHeader = hosts.get(0);
        ex.request = HttpMessages.describe(request, hostHeader, path);
        Optional<Authority> host = WireHost.authority(hostHeader, 80);
        if (host.isEmpty()) {
            return HttpRouter.badRequest(ex, WireHost.refusal(hostHeader, "malformed Host header"));
        }
        // a Host naming another host than the URI is refused by snapshot.outbound (RequestedHost), the one rule
        HttpRequestInfo info = new HttpRequestInfo(request.method().name(), hostHeader, path,
                HttpMessages.headerMap(request.headers()));
        OutboundDecision d = snapshot.outbound(workload,
                OutboundRequest.http(target.get().host(), target.get().port(), info));
        Route route = HttpRouter.decided(d, ex, snapshot.mesh().trustDomain());
        if (route instanceof Forward) {
            request.setUri(path);
        }
        return route;
    }
}
