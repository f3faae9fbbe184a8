package dev.tollgate.proxy;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The retry rule for stale pooled connections, and that the kept head is released exactly once. */
class PooledRetryTest {
    private static FullHttpRequest bodiless(HttpMethod method) {
        return new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, "/", Unpooled.buffer(0)); // counted, unlike EMPTY_BUFFER
    }

    @Test
    void anIdempotentBodilessRequestIsSentAgainOnce() {
        PooledRetry retry = new PooledRetry();
        FullHttpRequest get = bodiless(HttpMethod.GET);
        retry.pooled(get);
        assertThat(retry.holdsHead()).isTrue();
        assertThat(retry.reused()).isTrue();
        PooledRetry.Stale stale = retry.stale("GET");
        assertThat(stale.again()).isSameAs(get);
        assertThat(stale.notRetried()).isNull();
        assertThat(retry.reused()).as("once: the retry goes to a new connection").isFalse();
        assertThat(get.refCnt()).as("retained for the retry").isEqualTo(2);
        assertThatThrownBy(() -> retry.stale("GET")).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aWrittenPostIsNotSentTwice() {
        PooledRetry retry = new PooledRetry();
        FullHttpRequest post = bodiless(HttpMethod.POST);
        retry.pooled(post);
        PooledRetry.Stale stale = retry.stale("POST");
        assertThat(stale.again()).isNull();
        assertThat(stale.notRetried()).isEqualTo("POST is not idempotent and may have reached the upstream");
        assertThat(post.refCnt()).as("the kept reference is released").isEqualTo(1);
    }

    @Test
    void anUnwrittenPostIsSentAgain() {
        PooledRetry retry = new PooledRetry();
        FullHttpRequest post = bodiless(HttpMethod.POST);
        retry.pooled(post);
        retry.unwritten();
        assertThat(retry.stale("POST").again()).isSameAs(post);
    }

    @Test
    void aRequestWithABodyIsNeverKept() {
        PooledRetry retry = new PooledRetry();
        FullHttpRequest put = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.PUT, "/",
                Unpooled.copiedBuffer("x", StandardCharsets.US_ASCII));
        retry.pooled(put);
        assertThat(retry.holdsHead()).isFalse();
        assertThat(put.refCnt()).isEqualTo(1);
        assertThat(retry.stale("PUT").notRetried()).isEqualTo("its body was streamed to the failed connection");
        put.release();

        HttpRequest chunked = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/");
        chunked.headers().set(HttpHeaderNames.TRANSFER_ENCODING, "chunked");
        assertThat(PooledRetry.retryable(chunked)).isFalse();
        HttpRequest sized = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/");
        sized.headers().set(HttpHeaderNames.CONTENT_LENGTH, "3");
        assertThat(PooledRetry.retryable(sized)).isFalse();
        assertThat(PooledRetry.retryable(new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/"))).isTrue();
    }

    @Test
    void idempotentMethodsAreRfc9110s() {
        for (HttpMethod m : new HttpMethod[]{HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS, HttpMethod.TRACE,
                HttpMethod.PUT, HttpMethod.DELETE}) {
            assertThat(PooledRetry.idempotent(m)).as(m.name()).isTrue();
        }
        for (HttpMethod m : new HttpMethod[]{HttpMethod.POST, HttpMethod.PATCH, HttpMethod.CONNECT,
                HttpMethod.valueOf("get")}) {
            assertThat(PooledRetry.idempotent(m)).as(m.name()).isFalse();
        }
    }

    @Test
    void dropReleasesTheKeptHeadOnce() {
        PooledRetry retry = new PooledRetry();
        FullHttpRequest get = bodiless(HttpMethod.GET);
        retry.pooled(get);
        retry.drop();
        retry.drop();
        assertThat(get.refCnt()).isEqualTo(1);
        assertThat(retry.holdsHead()).isFalse();
    }
}
