package dev.tollgate.proxy;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Closes a connection on which nothing was read or written for the idle timeout. */
@ChannelHandler.Sharable
final class IdleCloser extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(IdleCloser.class);
    /** Uncounted, for pipelines outside a proxy's client side. */
    static final IdleCloser INSTANCE = new IdleCloser(null);

    private final ProxyContext px;

    /** @param px whose {@code tollgate_limit_rejections_total{limit="idle_timeout"}} counts the closes; may be null */
    IdleCloser(ProxyContext px) {
        this.px = px;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            if (px != null) {
                px.metrics.limitRejected("idle_timeout");
                // an idle keep-alive connection closing is routine: not worth a line per connection by default
                LOG.debug("{}: closing {}: no traffic for {} ms (limit: idle-timeout)", px.name,
                        ctx.channel().remoteAddress(), px.idleTimeout.toMillis());
            }
            ctx.close();
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }
}
