package dev.tollgate.proxy;

import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.util.ReferenceCountUtil;

/**
 * The retry policy of one client connection's current request: whether a request sent on a connection reused from
 * the pool is sent once more on a new connection when the reused one fails before any response byte (its peer most
 * likely closed it while it was idle, just as it was reused), and the request head it keeps for that.
 *
 * <p>Only when the proxy still holds all of the request (no body: bodies are streamed, not kept), and either its
 * method is idempotent (RFC 9110 section 9.2.2: GET, HEAD, OPTIONS, TRACE, PUT, DELETE; RFC 9112 section 9.3.1
 * allows retrying those automatically) or nothing of it was written ({@link Leg#POOLED_UNWRITTEN}). A POST that was
 * written may have been acted on by an upstream that then closed, so it is never sent twice: the client gets a 503
 * and decides. Go's http.Transport follows the same rule; Envoy's (and Istio's default) retry policy retries resets
 * of any method, which can replay a POST.
 *
 * <p>Used on the client connection's event loop only. Which connection the request went to is one {@link Leg}, which
 * changes only by a transition the enum allows; any other is a bug ({@link IllegalStateException}).
 */
final class PooledRetry {
    /** Which upstream connection the request went to, which decides what its failure before any response means. */
    enum Leg {
        /** Opened for this request: its failure is answered. */
        NEW,
        /** Taken from the pool: a failure before any response byte may be its peer's idle close, and may be retried. */
        POOLED,
        /** Taken from the pool, and the head could not even be written: nothing reached the upstream. */
        POOLED_UNWRITTEN;

        boolean canBecome(Leg next) {
            return switch (this) {
                case NEW -> false;
                case POOLED -> next == POOLED_UNWRITTEN || next == NEW;
                case POOLED_UNWRITTEN -> next == NEW;
            };
        }
    }

    /**
     * What a stale pooled connection leaves: the head to send again on a new connection (the caller now owns its
     * reference), or null and the reason it is not sent again.
     */
    record Stale(HttpRequest again, String notRetried) {
    }

    /** Set when the request is forwarded; then changes only by {@link Leg#canBecome}. */
    private Leg leg = Leg.NEW;
    /** The head of the current request, retained while it may be sent again on a new connection. */
    private HttpRequest head;

    /** A new request: it goes to a new connection unless {@link #pooled} says otherwise. */
    void reset() {
        leg = Leg.NEW;
        head = null;
    }

    /** The request goes to a connection from the pool: its head is kept (retained) when it could be sent again. */
    void pooled(HttpRequest request) {
        leg = Leg.POOLED;
        if (retryable(request)) {
            head = request;
            ReferenceCountUtil.retain(request);
        }
    }

    /** A head is kept, so a failed write of it means nothing reached the upstream ({@link #unwritten}). */
    boolean holdsHead() {
        return head != null;
    }

    /** The kept head could not be written to the reused connection. */
    void unwritten() {
        to(Leg.POOLED_UNWRITTEN);
    }

    /** The request went to a connection from the pool: its failure before a response may be a stale connection. */
    boolean reused() {
        return leg != Leg.NEW;
    }

    /**
     * The reused connection failed before any byte of a response: the head to send again, once (the leg is NEW from
     * now on), or why not.
     *
     * @param method the request's method as the access log names it, for the reason
     */
    Stale stale(String method) {
        HttpRequest again = head;
        head = null;
        boolean unwritten = leg == Leg.POOLED_UNWRITTEN;
        to(Leg.NEW);
        if (again != null && (unwritten || idempotent(again.method()))) {
            return new Stale(again, null);
        }
        ReferenceCountUtil.release(again);
        return new Stale(null, again == null ? "its body was streamed to the failed connection"
                : method + " is not idempotent and may have reached the upstream");
    }

    /** The request no longer needs its head: it was answered, or the connection ends. */
    void drop() {
        HttpRequest r = head;
        head = null;
        ReferenceCountUtil.release(r);
    }

    private void to(Leg next) {
        if (!leg.canBecome(next)) {
            throw new IllegalStateException("upstream leg " + leg + " cannot become " + next);
        }
        leg = next;
    }

    /** All of the request is in hand: it has no body, so it can be sent again. */
    static boolean retryable(HttpRequest request) {
        return !HttpUtil.isTransferEncodingChunked(request) && HttpUtil.getContentLength(request, 0L) == 0
                && (!(request instanceof HttpContent c) || !c.content().isReadable());
    }

    static boolean idempotent(HttpMethod m) {
        return m.equals(HttpMethod.GET) || m.equals(HttpMethod.HEAD) || m.equals(HttpMethod.OPTIONS)
                || m.equals(HttpMethod.TRACE) || m.equals(HttpMethod.PUT) || m.equals(HttpMethod.DELETE);
    }
}
