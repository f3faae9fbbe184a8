package dev.tollgate.proxy;

import dev.tollgate.core.model.WorkloadRef;
import dev.tollgate.core.snapshot.OutboundDecision;
import dev.tollgate.core.snapshot.OutboundRequest;
import dev.tollgate.core.snapshot.Protocol;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sidecar's request handling on any request head: Netty's HttpServerCodec (with the sidecar's limits) and the
 * proxy's own checks ({@link HttpProxyHandler}: decoder failures, framing, version; {@link SidecarRouter}: URI,
 * Host and CONNECT target, and the snapshot's own-name rule), in an EmbeddedChannel. No exception escapes, and every
 * request is either accepted or answered with an error status, each with a logged reason. Accepted requests are
 * answered 200 by a router that stands in for the upstream, so nothing leaves the test.
 */
class HttpRequestParserPropertiesTest {
    private static final List<AccessLogEntry> LOG = new CopyOnWriteArrayList<>();
    private static ProxyContext px;
    private static HttpRouter router;

    @BeforeContainer
    static void proxy() {
        assertThat(LeakCheck.LEAKS).isNotNull();
        TestPki mesh = TestPki.create("property-ca");
        MeshIdentity id = mesh.identity(mesh.workload(Rig.TD, "default", "sleep"));
        FakeSnapshot snapshot = new FakeSnapshot(HttpRequestParserPropertiesTest::outbound, Rig.LISTENERS,
                Rig::gatewayDecision);
        px = new ProxyContext("sidecar default/sleep", () -> snapshot, HostMap.parse(List.of(), List.of()),
                new TlsContexts(id, java.util.Optional.empty()),
                new ProxyMetrics("sidecar", Rig.DEFAULT_SLEEP, ReloadStats.NONE, id), LOG::add, null,
                Duration.ofMinutes(1));
        SidecarRouter sidecar = new SidecarRouter(px, Rig.DEFAULT_SLEEP);
        router = (ctx, request, ex) -> switch (sidecar.route(ctx, request, ex)) {
            case HttpRouter.Forward f -> new HttpRouter.Reply(HttpResponseStatus.OK, "accepted for "
                    + f.upstream().host());
            case HttpRouter.Route r -> r;
        };
    }

    /** The identity test's registry, with tunnels refused so that no CONNECT opens a connection. */
    static OutboundDecision outbound(WorkloadRef from, OutboundRequest r) {
        OutboundDecision d = HostileIdentityTest.outbound(from, r);
        if (r.protocol() == Protocol.TLS && d instanceof OutboundDecision.Forward) {
            return new OutboundDecision.Refused("tunnels are not opened in this property", List.of());
        }
        return d;
    }

    @AfterContainer
    static void noLeaks() throws Exception {
        new LeakCheck().afterAll(null);
    }

    /** What the client saw and what was logged for one input. */
    record Outcome(List<Integer> statuses, List<AccessLogEntry> log, List<Throwable> escaped) {
    }

    static Outcome feed(byte[] input) {
        LOG.clear();
        List<Throwable> escaped = new ArrayList<>();
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.pipeline().addLast("http-codec", new HttpServerCodec(Sidecar.decoderConfig()));
        ch.pipeline().addLast("http-proxy", new HttpProxyHandler(px, router,
                ex -> Sidecar.source(ex, ch, Rig.DEFAULT_SLEEP, null)));
        ch.pipeline().addLast("tail", new ChannelInboundHandlerAdapter() {
            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                escaped.add(cause);
            }
        });
        try {
            ch.writeInbound(ch.alloc().buffer(input.length).writeBytes(input));
            ch.runPendingTasks();
            ch.checkException();
        } catch (Throwable t) {
            escaped.add(t);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Object o;
        while ((o = ch.readOutbound()) != null) {
            if (o instanceof ByteBuf b) {
                byte[] bytes = new byte[b.readableBytes()];
                b.readBytes(bytes);
                out.writeBytes(bytes);
            }
            io.netty.util.ReferenceCountUtil.release(o);
        }
        ch.finishAndReleaseAll();
        List<Integer> statuses = new ArrayList<>();
        Matcher m = Pattern.compile("HTTP/1\\.1 (\\d{3}) ").matcher(out.toString(StandardCharsets.ISO_8859_1));
        while (m.find()) {
            statuses.add(Integer.parseInt(m.group(1)));
        }
        return new Outcome(statuses, List.copyOf(LOG), escaped);
    }

    /** Accepted (200, decision allowed) or rejected (4xx/5xx, refused or error), each with its reason logged. */
    static void acceptedOrRejected(Outcome o, boolean mustAnswer) {
        assertThat(o.escaped()).as("exceptions that escaped the pipeline").isEmpty();
        if (mustAnswer) {
            assertThat(o.statuses()).as("a complete request head gets an answer").isNotEmpty();
        }
        assertThat(o.statuses()).as("one request at a time: an answer ends the connection").hasSizeLessThanOrEqualTo(1);
        // a head cut off by the close is logged (decision error) although no answer can reach the client any more
        List<AccessLogEntry> answered = o.log().stream()
                .filter(e -> !e.reason().contains("Connection closed before received headers")).toList();
        assertThat(o.log().size() - answered.size()).as("at most one cut-off head").isLessThanOrEqualTo(1);
        assertThat(answered).as("every answer is logged once").hasSize(o.statuses().size());
        for (int i = 0; i < o.statuses().size(); i++) {
            int status = o.statuses().get(i);
            AccessLogEntry e = answered.get(i);
            assertThat(e.responseCode()).isEqualTo(status);
            assertThat(e.reason()).isNotBlank();
            if (status == 200) {
                assertThat(e.decision()).isEqualTo("allowed");
            } else {
                assertThat(status).isBetween(400, 599);
                assertThat(e.decision()).isIn("refused", "error");
            }
        }
    }

    @Property(tries = 300)
    void arbitraryBytesAreAcceptedOrRejectedWithAReason(@ForAll @Size(max = 400) byte[] bytes) {
        acceptedOrRejected(feed(bytes), false);
    }

    // ---- request heads built from the parts attackers play with, then mutated ----

    @Provide
    Arbitrary<String> heads() {
        Arbitrary<String> method = Arbitraries.of("GET", "POST", "HEAD", "CONNECT", "PUT", "OPTIONS", "get", "G\tET",
                "TRACE");
        Arbitrary<String> target = Arbitraries.of("http://allowed.test/p", "http://denied.test/", "http://ALLOWED.test./",
                "http://allowed.test:80/", "http://allowed.test:0080/", "http://allowed.test:99999/",
                "http://user@allowed.test/", "http://allowed.test@denied.test/", "http://allowed.test#@denied.test/",
                "http://[::1]/", "HTTP://allowed.test", "https://allowed.test/", "/origin", "*", "allowed.test:443",
                "[::1]:443", "allowed.test", "http://allowed.test/a?b=c#d", "http:///", "http://:80/",
                "http://allowed.test\\@denied.test/", "http://%61llowed.test/");
        Arbitrary<String> version = Arbitraries.of("HTTP/1.1", "HTTP/1.0", "HTTP/2.0", "HTTP/1.1 ", "HTTP/9.9", "");
        Arbitrary<String> header = Arbitraries.of("Host: allowed.test", "Host: denied.test", "Host: ALLOWED.TEST.:80",
                "Host: allowed.test:8080", "Host: ", "host: allowed.test", "Host : allowed.test",
                "Host: allowed.test, denied.test", "Host: user@allowed.test", "Host:\tallowed.test",
                "Content-Length: 3", "Content-Length: -1", "Content-Length: 1, 2", "Transfer-Encoding: chunked",
                "Transfer-Encoding: gzip, chunked", "Connection: close", "Connection: Host",
                "Connection: Content-Length", "Proxy-Connection: keep-alive", "Expect: 100-continue",
                "X-Forwarded-Client-Cert: By=spiffe://x", "Upgrade: websocket", " folded", "NoColon",
                "X-Long: " + "v".repeat(200));
        Arbitrary<List<String>> headers = header.list().ofMaxSize(6);
        return Combinators.combine(method, target, version, headers).as((m, t, v, hs) -> {
            StringBuilder b = new StringBuilder(m).append(' ').append(t).append(' ').append(v).append("\r\n");
            hs.forEach(h -> b.append(h).append("\r\n"));
            return b.toString();
        });
    }

    /** One edit at a position: a byte HTTP parsers disagree about, inserted, or one removed. */
    record Edit(int position, char value, boolean remove) {
        String apply(String s) {
            if (s.isEmpty()) {
                return s;
            }
            int at = Math.floorMod(position, s.length());
            return remove ? s.substring(0, at) + s.substring(at + 1) : s.substring(0, at) + value + s.substring(at);
        }
    }

    @Provide
    Arbitrary<List<Edit>> edits() {
        Arbitrary<Character> hostile = Arbitraries.of('\r', '\n', '\0', ' ', '\t', ':', '@', '\\', '%', ',', '#',
                '\u0080', '\u00ff', '\u000b', 'A', '/');
        return Combinators.combine(Arbitraries.integers().between(0, 10_000), hostile, Arbitraries.of(true, false))
                .as(Edit::new).list().ofMaxSize(4);
    }

    @Property(tries = 400)
    void mutatedRequestHeadsAreAcceptedOrRejectedWithAReason(@ForAll("heads") String head,
                                                            @ForAll("edits") List<Edit> edits) {
        String mutated = head;
        for (Edit e : edits) {
            mutated = e.apply(mutated);
        }
        String input = mutated + "\r\n";
        Outcome o = feed(input.getBytes(StandardCharsets.ISO_8859_1));
        // Netty skips leading white space and control characters: an input of only those is no request yet; and a
        // head is complete only with its empty line (an edit can eat it: "Host: x\r\r\n" ends no head), so only
        // then must the client get an answer before the connection closes
        boolean blank = input.chars().allMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c));
        acceptedOrRejected(o, !blank && input.contains("\r\n\r\n"));
        Statistics.collect(kind(o));
        Statistics.coverage(c -> {
            c.check("accepted").count(n -> n > 0);
            c.check("rejected").count(n -> n > 100);
        });
    }

    static String kind(Outcome o) {
        return o.statuses().isEmpty() ? "no request" : o.statuses().getFirst() == 200 ? "accepted" : "rejected";
    }

    @Property(tries = 100)
    void unmutatedHeadsFollowTheRules(@ForAll("heads") String head) {
        Outcome o = feed((head + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        acceptedOrRejected(o, true);
        Statistics.collect(kind(o));
        Statistics.coverage(c -> c.check("accepted").count(n -> n > 0));
        if (o.statuses().getFirst() == 200) {
            // only an HTTP/1.1 request for the allowed host, with one Host header that names it, is accepted
            assertThat(o.log().getFirst().destinationHost()).isEqualTo("allowed.test");
            assertThat(head).contains(" HTTP/1.1\r\n");
            List<String> hosts = head.lines().filter(l -> l.regionMatches(true, 0, "host:", 0, 5))
                    .map(l -> l.substring(5).strip().toLowerCase(java.util.Locale.ROOT)).toList();
            assertThat(hosts).hasSize(1);
            assertThat(hosts.getFirst()).isIn("allowed.test", "allowed.test.", "allowed.test:80", "allowed.test.:80");
        }
    }
}
