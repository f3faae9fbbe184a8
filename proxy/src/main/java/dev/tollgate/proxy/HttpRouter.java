package dev.tollgate.proxy;

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
}
