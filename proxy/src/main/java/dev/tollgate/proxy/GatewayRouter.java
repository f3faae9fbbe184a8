package dev.tollgate.proxy;

import dev.tollgate.core.model.ProxyDecision;
import dev.tollgate.core.model.AsciiCase;

import dev.tollgate.core.model.net.Authority;
import dev.tollgate.core.snapshot.GatewayDecision;
import dev.tollgate.core.model.HttpRequestInfo;
import dev.tollgate.core.snapshot.MeshSnapshot;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;

import java.util.List;
import java.util.Optional;

/**
 * The egress gateway's HTTP servers: every request is decided by {@code MeshSnapshot.gateway} on the snapshot current
 * when it arrives. A denial is {@code 403 RBAC: access denied}, logged as Envoy does
 * ({@code rbac_access_denied_matched_policy[<id>|none]}).
 */
final class GatewayRouter implements HttpRouter {
    static final String RBAC_BODY = "RBAC: access denied";

    private final GatewayConnection conn;

    GatewayRouter(GatewayConnection conn) {
        this.conn = conn;
    }

    @Override
    public Route route(ChannelHandlerContext ctx, HttpRequest request, Exchange ex) {
        if (request.method().equals(HttpMethod.CONNECT)) {
            ex.decide(ProxyDecision.ERROR, "CONNECT is not served by the gateway's HTTP servers");
            return new Reply(HttpResponseStatus.METHOD_NOT_ALLOWED, ex.reason);
        }
        String uri = request.uri();
        String path = uri;
        String authority = null;
        String lower = AsciiCase.lower(uri);
        if (lower.startsWith("http://") || lower.startsWith("https://")) {
            String rest = uri.substring(uri.indexOf("//") + 2);
            int slash = rest.indexOf('/');
            authority = slash < 0 ? rest : rest.substring(0, slash);
            path = slash < 0 ? "/" : rest.substring(slash);
        } else if (!uri.startsWith("/") && !uri.equals("*")) {
            ex.decide(ProxyDecision.ERROR, "malformed request target");
            return new Reply(HttpResponseStatus.BAD_REQUEST, ex.reason);
        }
        List<String> hosts = request.headers().getAll(HttpHeaderNames.HOST);
        if (hosts.size() > 1) {
            ex.decide(ProxyDecision.ERROR, "more than one Host header");
            return new Reply(HttpResponseStatus.BAD_REQUEST, ex.reason);
        }
        String host = hosts.isEmpty() ? authority : hosts.get(0);
        if (host == null) {
            ex.decide(ProxyDecision.ERROR, "missing Host header");
            return new Reply(HttpResponseStatus.BAD_REQUEST, ex.reason);
        }
        Optional<Authority> a = WireHost.authority(host, conn.listener().port());
        if (a.isEmpty()) {
            ex.decide(ProxyDecision.ERROR, WireHost.refusal(host, "malformed Host header"));
            return new Reply(HttpResponseStatus.BAD_REQUEST, ex.reason);
        }
        ex.destinationHost = a.get().host();
        ex.request = HttpMessages.describe(request, host, path);
        Optional<MeshSnapshot> snapshot = conn.px().snapshot();
        if (snapshot.isEmpty()) {
            ex.decide(ProxyDecision.ERROR, "no configuration loaded yet");
            return new Reply(HttpResponseStatus.SERVICE_UNAVAILABLE, ex.reason);
        }
        HttpRequestInfo info = new HttpRequestInfo(request.method().name(), host, path,
                HttpMessages.headerMap(request.headers()));
        GatewayDecision d = snapshot.get().gateway(conn.gateway(), conn.request(ctx.channel(), Optional.of(info)));
        return switch (d) {
            case GatewayDecision.Denied denied -> {
                ex.policy = denied.policyId().orElse(null);
                ex.decide(ProxyDecision.DENIED, GatewayConnection.rbacDetail(denied.policyId()));
                yield new Reply(HttpResponseStatus.FORBIDDEN, RBAC_BODY);
            }
            case GatewayDecision.NoRoute nr -> {
                ex.decide(ProxyDecision.NO_ROUTE, "route_not_found: " + nr.reason());
                yield new Reply(HttpResponseStatus.NOT_FOUND, ex.reason);
            }
            case GatewayDecision.Forward f -> {
                ex.route = f.route();
                // the path that was authorized and routed (normalized per meshConfig.pathNormalization), never the
                // raw one: /admin/../public/x is authorized as /public/x, so /public/x is what the upstream gets
                String authorized = f.path().orElse(path);
                ex.decide(ProxyDecision.ALLOWED, authorized.equals(path) ? "forwarded" : "forwarded as " + authorized
                        + " (path normalized)");
                request.setUri(authorized);
                yield new Forward(f.upstream(), snapshot.get().mesh().trustDomain());
            }
        };
    }
}
