package dev.tollgate.proxy;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The response relay alone, between two embedded channels, with a recording {@link ResponseRelay.Client}: the order
 * of the upstream's messages against its phases, and what it reports. The real proxies' behaviour is pinned by
 * {@code ResponseFramingTest} and the hostile tests; this pins the relay's own contract and the phase tables.
 */
class ResponseRelayTest {
    final EmbeddedChannel client = new EmbeddedChannel(new ChannelInboundHandlerAdapter());
    final EmbeddedChannel upstream = new EmbeddedChannel();
    final List<String> reports = new ArrayList<>();
    boolean keepAlive = true;
    ResponseRelay relay;

    final ResponseRelay.Client exchange = new ResponseRelay.Client() {
        @Override
        public boolean wants(ResponseRelay r) {
            return true;
        }

        @Override
        public boolean finalResponse() {
            reports.add("final");
            return keepAlive;
        }

        @Override
        public void abort(HttpResponseStatus status, String reason) {
            reports.add("abort " + status.code() + " " + reason + (relay.phase().started() ? " (started)" : ""));
        }

        @Override
        public void complete(ResponseRelay r) {
            reports.add("complete");
        }

        @Override
        public void upstreamClosed(ResponseRelay r, Channel up) {
            reports.add("closed " + r.phase());
        }

        @Override
        public void upstreamWritable() {
        }
    };

    ResponseRelay relay(boolean head) {
        ChannelHandlerContext ctx = client.pipeline().firstContext();
        relay = new ResponseRelay(ctx, exchange, new Exchange("http"), head);
        upstream.pipeline().addLast("response", relay);
        return relay;
    }

    @AfterEach
    void release() {
        client.finishAndReleaseAll();
        upstream.finishAndReleaseAll();
    }

    static HttpResponse head(int code, String... headers) {
        HttpResponse r = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(code));
        for (int i = 0; i < headers.length; i += 2) {
            r.headers().add(headers[i], headers[i + 1]);
        }
        return r;
    }

    static DefaultHttpContent chunk(String s) {
        return new DefaultHttpContent(Unpooled.copiedBuffer(s, StandardCharsets.US_ASCII));
    }

    List<HttpObject> written() {
        List<HttpObject> out = new ArrayList<>();
        Object o;
        while ((o = client.readOutbound()) != null) {
            out.add((HttpObject) o);
        }
        return out;
    }

    @Test
    void interimResponsesPassThroughAndTheFinalOneCompletesOnce() {
        relay(false);
        upstream.writeInbound(head(100), LastHttpContent.EMPTY_LAST_CONTENT);
        assertThat(relay.phase()).isEqualTo(ResponseRelay.Phase.AWAITING);
        upstream.writeInbound(head(200, "Content-Length", "2"));
        assertThat(relay.phase()).isEqualTo(ResponseRelay.Phase.STREAMING);
        upstream.writeInbound(new DefaultLastHttpContent(Unpooled.copiedBuffer("ok", StandardCharsets.US_ASCII)));
        assertThat(relay.phase()).isEqualTo(ResponseRelay.Phase.COMPLETE);
        // anything after the end is the upstream's excess, dropped
        upstream.writeInbound(chunk("more"));
        assertThat(reports).containsExactly("final", "complete");
        List<HttpObject> out = written();
        assertThat(out).hasSize(4);
        assertThat(((HttpResponse) out.get(0)).status().code()).isEqualTo(100);
        assertThat(((HttpResponse) out.get(2)).status().code()).isEqualTo(200);
        out.forEach(ReferenceCountUtil::release);
    }

    @Test
    void aBodyDelimitedByCloseIsReframedForAKeepAliveClient() {
        relay(false);
        upstream.writeInbound(head(200));
        HttpResponse kept = (HttpResponse) written().get(0);
        assertThat(kept.headers().get("transfer-encoding")).isEqualTo("chunked");
        assertThat(relay.upstreamKeepAlive()).as("the upstream closes to end the body").isFalse();
    }

    @Test
    void aBodyDelimitedByCloseIsDelimitedByCloseForAClosingClient() {
        keepAlive = false;
        relay(false);
        upstream.writeInbound(head(200));
        HttpResponse closing = (HttpResponse) written().get(0);
        assertThat(closing.headers().get("transfer-encoding")).isNull();
        assertThat(closing.headers().get("connection")).isEqualTo("close");
    }

    @Test
    void theResponseToHeadHasNoBodySoNeedsNoFraming() {
        relay(true);
        upstream.writeInbound(head(200));
        HttpResponse r = (HttpResponse) written().get(0);
        assertThat(r.headers().get("transfer-encoding")).isNull();
        assertThat(relay.upstreamKeepAlive()).isTrue();
    }

    @Test
    void aMalformedHeadIsAbortedBeforeAnythingReachesTheClient() {
        relay(false);
        HttpResponse bad = head(200);
        bad.setDecoderResult(DecoderResult.failure(new IllegalArgumentException("bad header")));
        upstream.writeInbound(bad);
        assertThat(reports).containsExactly("abort 502 upstream sent a malformed response");
        assertThat(written()).isEmpty();
    }

    @Test
    void anUpgradeIsRefused() {
        relay(false);
        upstream.writeInbound(head(101, "Upgrade", "websocket"));
        assertThat(reports).containsExactly("abort 502 protocol upgrades are not proxied");
        assertThat(written()).isEmpty();
    }

    @Test
    void aMalformedBodyPartAbortsAStartedResponseInsteadOfEndingIt() {
        relay(false);
        upstream.writeInbound(head(200, "Transfer-Encoding", "chunked"), chunk("hello "));
        DefaultLastHttpContent bad = new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER);
        bad.setDecoderResult(DecoderResult.failure(new NumberFormatException("For input string: \"zz\"")));
        upstream.writeInbound(bad);
        assertThat(reports).containsExactly("final",
                "abort 502 upstream sent a malformed response body: For input string: \"zz\" (started)");
        assertThat(relay.phase()).as("never complete").isEqualTo(ResponseRelay.Phase.STREAMING);
        List<HttpObject> out = written();
        assertThat(out).as("the head and the good chunk, no last chunk").hasSize(2)
                .noneMatch(o -> o instanceof LastHttpContent);
        out.forEach(ReferenceCountUtil::release);
    }

    @Test
    void aSecondFinalHeadIsAbortedNotRelayed() {
        relay(false);
        upstream.writeInbound(head(200, "Transfer-Encoding", "chunked"));
        upstream.writeInbound(head(200, "Content-Length", "0"));
        assertThat(reports).containsExactly("final",
                "abort 502 upstream sent a response head during the response (started)");
        written().forEach(ReferenceCountUtil::release);
    }

    @Test
    void theUpstreamClosingIsReportedWithThePhase() {
        relay(false);
        upstream.writeInbound(head(200, "Content-Length", "10"), chunk("half"));
        upstream.close();
        assertThat(reports).containsExactly("final", "closed STREAMING");
        written().forEach(ReferenceCountUtil::release);
    }

    // ---- the phase tables ----

    @Test
    void responsePhasesMoveOnlyForwardExceptAfterAnInterimResponse() {
        for (ResponseRelay.Phase from : ResponseRelay.Phase.values()) {
            EnumSet<ResponseRelay.Phase> allowed = EnumSet.noneOf(ResponseRelay.Phase.class);
            for (ResponseRelay.Phase to : ResponseRelay.Phase.values()) {
                if (from.canBecome(to)) {
                    allowed.add(to);
                }
            }
            assertThat(allowed).as(from.name()).isEqualTo(switch (from) {
                case AWAITING -> EnumSet.of(ResponseRelay.Phase.INTERIM, ResponseRelay.Phase.STREAMING);
                case INTERIM -> EnumSet.of(ResponseRelay.Phase.AWAITING);
                case STREAMING -> EnumSet.of(ResponseRelay.Phase.COMPLETE);
                case COMPLETE -> EnumSet.noneOf(ResponseRelay.Phase.class);
            });
        }
    }

    @Test
    void connectionPhasesCloseFromAnywhereAndServeTheNextRequestOnlyAfterAWholeOne() {
        for (HttpProxyHandler.Phase from : HttpProxyHandler.Phase.values()) {
            assertThat(from.canBecome(HttpProxyHandler.Phase.CLOSING)).as(from + " -> CLOSING").isTrue();
            assertThat(HttpProxyHandler.Phase.CLOSING.canBecome(from)).as("CLOSING -> " + from)
                    .isEqualTo(from == HttpProxyHandler.Phase.CLOSING);
            // a response that ends while the request's body is still coming closes the connection
            assertThat(from.canBecome(HttpProxyHandler.Phase.IDLE)).as(from + " -> IDLE")
                    .isEqualTo(from == HttpProxyHandler.Phase.RECEIVING);
        }
        assertThat(HttpProxyHandler.Phase.IDLE.canBecome(HttpProxyHandler.Phase.SENDING)).isFalse();
        assertThat(PooledRetry.Leg.NEW.canBecome(PooledRetry.Leg.POOLED)).isFalse();
        assertThat(PooledRetry.Leg.POOLED_UNWRITTEN.canBecome(PooledRetry.Leg.POOLED)).isFalse();
    }

    @Test
    void whatComesAfterTheEndIsReleased() {
        relay(false);
        upstream.writeInbound(head(204), LastHttpContent.EMPTY_LAST_CONTENT);
        DefaultHttpContent after = chunk("after the end");
        upstream.writeInbound(after);
        assertThat(after.refCnt()).isZero();
        assertThat(written()).hasSize(2);
    }
}
