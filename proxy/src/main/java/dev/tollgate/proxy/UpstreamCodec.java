package dev.tollgate.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.CombinedChannelDuplexHandler;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.LastHttpContent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * The HTTP/1.1 client codec of an upstream connection, which knows whether a request is outstanding. A byte that
 * arrives when none is (after the final response to the last request, or on an idle pooled connection) starts a
 * response to no request: the connection is then closed and never reused. HTTP/1.1 has no request ids, so a stray
 * response (a smuggled second request's answer) left on a connection would otherwise be read as the answer to the
 * next client's request (issue 6 section 1.1: 20 of 20 responses crossed over). Envoy's codec does the same ("response
 * with no request" is a protocol error that closes the connection).
 *
 * <p>It replaces Netty's {@code HttpClientCodec}, whose decoder cannot say whether bytes were left over; like it, it
 * knows that the response to HEAD has no body.
 */
final class UpstreamCodec extends CombinedChannelDuplexHandler<UpstreamCodec.ResponseDecoder,
        UpstreamCodec.RequestEncoder> {
    private static final Logger LOG = LoggerFactory.getLogger(UpstreamCodec.class);

    private boolean outstanding;
    private boolean head;
    private boolean informational;
    private boolean stray;
    private boolean answering;

    UpstreamCodec() {
        init(new ResponseDecoder(), new RequestEncoder());
    }

    /** True once the upstream sent bytes that answer no request: the connection is closed, never pooled. */
    boolean sawStrayResponse() {
        return stray;
    }

    /**
     * True once any byte of a response to the last request written has arrived (a 100 Continue too): from then on,
     * a failure cannot be answered by sending the request again.
     */
    boolean responseBegun() {
        return answering;
    }

    final class RequestEncoder extends HttpRequestEncoder {
        @Override
        protected void encodeInitialLine(ByteBuf buf, HttpRequest request) throws Exception {
            outstanding = true;
            head = request.method().equals(HttpMethod.HEAD);
            informational = false;
            answering = false;
            super.encodeInitialLine(buf, request);
        }
    }

    final class ResponseDecoder extends HttpResponseDecoder {
        ResponseDecoder() {
            super(new HttpDecoderConfig());
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
            if (!outstanding && in.isReadable()) {
                if (!stray) {
                    stray = true;
                    LOG.debug("upstream {} sent {} bytes that answer no request: closing it", ctx.channel().remoteAddress(),
                            in.readableBytes());
                }
                in.skipBytes(in.readableBytes());
                ctx.close();
                return;
            }
            if (in.isReadable()) {
                answering = true;
            }
            int before = out.size();
            super.decode(ctx, in, out);
            for (int i = before; i < out.size(); i++) {
                Object o = out.get(i);
                if (o instanceof HttpResponse r) {
                    informational = r.status().codeClass() == HttpStatusClass.INFORMATIONAL && r.status().code() != 101;
                }
                if (o instanceof LastHttpContent) {
                    if (informational) {
                        informational = false;
                    } else {
                        outstanding = false;
                    }
                }
            }
        }

        @Override
        protected boolean isContentAlwaysEmpty(HttpMessage msg) {
            if (head && msg instanceof HttpResponse r && r.status().codeClass() != HttpStatusClass.INFORMATIONAL) {
                return true;
            }
            return super.isContentAlwaysEmpty(msg);
        }
    }
}
