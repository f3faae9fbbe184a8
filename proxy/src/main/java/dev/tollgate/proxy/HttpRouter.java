package dev.tollgate.proxy;

import dev.tollgate.core.model.ProxyDecision;
import dev.tollgate.core.snapshot.OutboundDecision;
import dev.tollgate.core.snapshot.Upstream;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;

/** Decides one HTTP request, on the client connection's event loop, without blocking. */
interface HttpRouter {

    /**
     * Fills in {@code ex} (destination, route, decision, policy, reason) and says what to do. On {@link Forward} the
     * request may have been rewritten in place (origin-form URI, hop-by-hop headers removed).
     */
    Route route(ChannelHandlerContext ctx, HttpRequest request, Exchange ex);

    sealed interface Route {
    }

    /** Answer locally with {@code status} and a one-line body, then close. */
    record Reply(HttpResponseStatus status, String body) implements Route {
    }

    /**
     * Send the request to {@code upstream}.
     *
     * @param trustDomain the mesh trust domain an ISTIO_MUTUAL upstream must belong to
     */
    record Forward(Upstream upstream, String trustDomain) implements Route {
    }

    /** CONNECT: the router's tunnel takes the connection over. */
    record Tunnel() implements Route {
    }

    /**
     * The sidecar's answer to a decided HTTP request, explicit or captured: a refusal is a 502 with the reason, a
     * forward goes to the decided upstream; {@code ex} records which.
     */
    static Route decided(OutboundDecision d, Exchange ex, String trustDomain) {
        return switch (d) {
            case OutboundDecision.Refused r -> {
                ex.decide(ProxyDecision.REFUSED, r.reason());
                yield new Reply(HttpResponseStatus.BAD_GATEWAY, r.reason());
            }
            case OutboundDecision.Forward f -> {
                ex.route = f.route();
                ex.decide(ProxyDecision.ALLOWED, f.viaGateway() ? "forwarded via the egress gateway" : "forwarded");
                yield new Forward(f.upstream(), trustDomain);
            }
        };
    }

    /** A request the sidecar cannot decide as written: 400 with the reason. */
    static Route badRequest(Exchange ex, String reason) {
        ex.decide(ProxyDecision.ERROR, reason);
        return new Reply(HttpResponseStatus.BAD_REQUEST, reason);
    }
}
