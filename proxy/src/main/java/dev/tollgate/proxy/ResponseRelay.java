package dev.tollgate.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;

/**
 * Relays the upstream's response to one request to the client, from the upstream connection's pipeline: interim
 * (1xx) responses pass through, the final response's head is made fit for the client connection, and the body is
 * streamed with back-pressure both ways. What ends the response (its end, a refusal, the upstream closing) is the
 * {@link Client}'s to act on.
 */
final class ResponseRelay extends ChannelInboundHandlerAdapter {
    /** Where the response stands. The order of the upstream's messages is checked against it. */
    enum Phase {
        /** No response yet, or an interim one has ended: a failure can still be answered by the proxy. */
        AWAITING,
        /** Inside an interim response (1xx other than 101), relayed as it comes. */
        INTERIM,
        /** The final response's head has gone to the client: a failure can only cut the connection. */
        STREAMING,
        /** The final response went to the client whole. Nothing more is relayed. */
        COMPLETE;

        boolean canBecome(Phase next) {
            return switch (this) {
                case AWAITING -> next == INTERIM || next == STREAMING;
                case INTERIM -> next == AWAITING;
                case STREAMING -> next == COMPLETE;
                case COMPLETE -> false;
            };
        }

        /** The client has the final response's head: it can no longer be answered otherwise. */
        boolean started() {
            return this == STREAMING || this == COMPLETE;
        }
    }

    /** The client side of the exchange, which the relay reports to. */
    interface Client {
        /** Is this relay's response still wanted (the exchange has not been answered or closed otherwise)? */
        boolean wants(ResponseRelay relay);

        /** The final response has begun; true when the client connection is to stay open after it. */
        boolean finalResponse();

        /** The response cannot be relayed: answered with {@code status} if not started, else the client is cut. */
        void abort(HttpResponseStatus status, String reason);

        /** The final response has been written whole to the client. */
        void complete(ResponseRelay relay);

        /** The upstream connection closed (before the response was complete, unless {@link #phase()} says so). */
        void upstreamClosed(ResponseRelay relay, Channel upstream);

        /** The upstream can take more of the request's body. */
        void upstreamWritable();
    }

    private final ChannelHandlerContext client;
    private final Client exchange;
    private final Exchange ex;
    private final boolean headRequest;
    private Phase phase = Phase.AWAITING;
    /** The final response lets its upstream connection be used again. */
    private boolean upstreamKeepAlive;
    /** Why the upstream connection failed, for the answer when it closes before the response. */
    private String upstreamError;

    /**
     * @param client      the client connection the response is written to
     * @param headRequest the request was a HEAD: the final response has no body whatever its headers say
     */
    ResponseRelay(ChannelHandlerContext client, Client exchange, Exchange ex, boolean headRequest) {
        this.client = client;
        this.exchange = exchange;
        this.ex = ex;
        this.headRequest = headRequest;
    }

    Phase phase() {
        return phase;
    }

    /** The final response lets the upstream connection carry another request. */
    boolean upstreamKeepAlive() {
        return upstreamKeepAlive;
    }

    /** The upstream connection's error, or null. */
    String upstreamError() {
        return upstreamError;
    }

    @Override
    public void channelRead(ChannelHandlerContext uctx, Object msg) {
        if (phase == Phase.COMPLETE || !exchange.wants(this)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpResponse response && !head(response)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpContent c && !(msg instanceof HttpResponse) && c.decoderResult().isFailure()) {
            // e.g. a chunk size that is not hex: Netty's decoder ends the body there with a last chunk, which the
            // client would read as the whole body; and the decoder reads nothing more, so the connection is dead
            // what came before it goes out first, so that the client sees a body cut short
            ReferenceCountUtil.release(msg);
            client.flush();
            exchange.abort(HttpResponseStatus.BAD_GATEWAY, "upstream sent a malformed response body: "
                    + HttpProxyHandler.describe(c.decoderResult().cause()));
            return;
        }
        if (msg instanceof HttpContent c) {
            ex.bytesSent += c.content().readableBytes();
        }
        boolean last = msg instanceof LastHttpContent;
        client.write(msg);
        if (last) {
            if (phase == Phase.INTERIM) {
                to(Phase.AWAITING);
            } else {
                to(Phase.COMPLETE);
                client.flush();
                exchange.complete(this);
            }
        }
    }

    /** Checks and adapts a response's head; false when the response was refused instead (and reported). */
    private boolean head(HttpResponse response) {
        if (response.decoderResult().isFailure()) {
            exchange.abort(HttpResponseStatus.BAD_GATEWAY, "upstream sent a malformed response");
            return false;
        }
        int code = response.status().code();
        if (code == 101) {
            exchange.abort(HttpResponseStatus.BAD_GATEWAY, "protocol upgrades are not proxied");
            return false;
        }
        boolean interim = response.status().codeClass() == HttpStatusClass.INFORMATIONAL;
        Phase next = interim ? Phase.INTERIM : Phase.STREAMING;
        if (!phase.canBecome(next)) {
            exchange.abort(HttpResponseStatus.BAD_GATEWAY,
                    "upstream sent a response head " + (phase == Phase.INTERIM ? "inside an interim response"
                            : "during the response"));
            return false;
        }
        to(next);
        if (!interim) {
            ex.responseCode = code;
            // HTTP/1.0 keep-alive is an extension some servers get wrong: such connections are not reused
            upstreamKeepAlive = HttpUtil.isKeepAlive(response) && response.protocolVersion().equals(HttpVersion.HTTP_1_1);
            HttpMessages.stripHopByHop(response.headers());
            boolean keepAlive = exchange.finalResponse();
            boolean emptyBody = headRequest || code == 204 || code == 304;
            if (!emptyBody && !HttpUtil.isContentLengthSet(response) && !HttpUtil.isTransferEncodingChunked(response)) {
                // a body delimited by the upstream closing (RFC 9112 section 6.3 item 8, HTTP/1.0 servers):
                // re-framed as chunked so a keep-alive client connection survives, else delimited the same
                // way, by closing the client connection once the upstream has closed
                if (keepAlive) {
                    HttpUtil.setTransferEncodingChunked(response, true);
                }
                upstreamKeepAlive = false;
            }
            if (!keepAlive) {
                response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            }
        }
        // we speak HTTP/1.1 to the client whatever the upstream spoke; chunked framing needs it
        response.setProtocolVersion(HttpVersion.HTTP_1_1);
        return true;
    }

    private void to(Phase next) {
        if (!phase.canBecome(next)) {
            throw new IllegalStateException("response " + phase + " cannot become " + next);
        }
        phase = next;
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext uctx) {
        client.flush();
        if (!client.channel().isWritable() && uctx.channel().isActive()) {
            uctx.channel().config().setAutoRead(false);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext uctx) {
        if (uctx.channel().isWritable()) {
            exchange.upstreamWritable();
        }
        uctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext uctx) {
        exchange.upstreamClosed(this, uctx.channel());
        uctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext uctx, Throwable cause) {
        if (phase != Phase.COMPLETE) {
            upstreamError = "upstream error: " + HttpProxyHandler.describe(cause);
        }
        uctx.close();
    }
}
