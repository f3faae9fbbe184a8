package dev.tollgate.control.push;

import dev.tollgate.api.config.v1.ConfigRequest;
import dev.tollgate.api.config.v1.ConfigResponse;
import dev.tollgate.api.config.v1.ConfigServiceGrpc;
import dev.tollgate.control.watch.WatchedSnapshot;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ClientResponseObserver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static dev.tollgate.control.push.PushKit.eventually;
import static dev.tollgate.control.push.PushKit.sidecar;
import static dev.tollgate.control.push.Snapshots.MESH;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A proxy that stops reading its stream (stuck, or on a slow link) while the cluster changes many times: the server
 * must neither buffer every version for it (gRPC's onNext would, without bound) nor lose the last one.
 */
class PushFlowControlTest {
    /** Views big enough that a few fill the HTTP/2 flow-control windows (about 1 MiB by default). */
    static final int PAD = 200_000;
    static final int PUSHES = 60;

    final AtomicReference<WatchedSnapshot> current = new AtomicReference<>();
    PushKit kit;

    @BeforeEach
    void start() {
        kit = new PushKit(() -> Optional.ofNullable(current.get()));
    }

    @AfterEach
    void stop() throws Exception {
        kit.close();
    }

    /** Version {@code n} of the cluster: the default namespace's entry carries n and a large annotation. */
    static WatchedSnapshot snapshot(int n) {
        return Snapshots.of(n, MESH + """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: mine, namespace: default, annotations: {pad: "%s"}}
                spec: {hosts: [v%d.default.example.org], exportTo: ["."], ports: [{number: 443, name: tls, protocol: TLS}], resolution: DNS}
                ---
                """.formatted("x".repeat(PAD), n));
    }

    /** A stream whose client reads only as many responses as it asks for. */
    static final class SlowReader implements ClientResponseObserver<ConfigRequest, ConfigResponse> {
        final BlockingQueue<ConfigResponse> received = new LinkedBlockingQueue<>();
        ClientCallStreamObserver<ConfigRequest> call;

        @Override
        public void beforeStart(ClientCallStreamObserver<ConfigRequest> requestStream) {
            call = requestStream;
            requestStream.disableAutoRequestWithInitial(1);
        }

        @Override
        public void onNext(ConfigResponse value) {
            received.add(value);
        }

        @Override
        public void onError(Throwable t) {
        }

        @Override
        public void onCompleted() {
        }
    }

    static final java.util.regex.Pattern HOST = java.util.regex.Pattern.compile("\"(v\\d+)\\.default\\.example\\.org\"");

    static String host(ConfigResponse r) {
        for (var resource : r.getResourcesList()) {
            java.util.regex.Matcher m = HOST.matcher(resource.getJson());
            if (m.find()) {
                return m.group(1);
            }
        }
        return "?";
    }

    @Test
    void aProxyThatDoesNotReadIsSentOnlyItsLatestViewWhenItReadsAgain() throws Exception {
        current.set(snapshot(0));
        ManagedChannel channel = kit.channel("default", "sleep");
        SlowReader reader = new SlowReader();
        ClientCalls.asyncBidiStreamingCall(channel.newCall(ConfigServiceGrpc.getStreamConfigMethod(),
                CallOptions.DEFAULT), reader).onNext(ConfigRequest.newBuilder().setNode(sidecar("default", "sleep"))
                .build());
        ConfigResponse first = reader.received.poll(15, TimeUnit.SECONDS);
        assertThat(first).isNotNull();
        assertThat(host(first)).isEqualTo("v0");

        // PUSHES versions of ~200 KB while the proxy reads nothing: all of them buffered would be ~12 MB
        List<WatchedSnapshot> versions = java.util.stream.IntStream.rangeClosed(1, PUSHES).mapToObj(
                PushFlowControlTest::snapshot).toList();
        for (WatchedSnapshot s : versions) {
            current.set(s);
            kit.service.accept(s);
        }
        double sent = kit.meters.find("tollgate.config.responses").tag("kind", "sidecar").counter().count();
        double superseded = kit.meters.find("tollgate.config.superseded").tag("kind", "sidecar").counter().count();
        assertThat(sent).as("versions handed to gRPC for a proxy that reads nothing: what the windows hold, not all")
                .isLessThan(PUSHES / 2.0);
        assertThat(sent + superseded).as("every version was either sent or replaced by a newer one unsent")
                .isGreaterThanOrEqualTo(PUSHES);

        // it reads again: whatever was in flight, then the last version, and nothing after it
        reader.call.request(Integer.MAX_VALUE);
        eventually(() -> !reader.received.isEmpty() && host(List.copyOf(reader.received).getLast()).equals("v" + PUSHES),
                "the last version v" + PUSHES + " arrives");
        Thread.sleep(300);
        List<ConfigResponse> all = List.copyOf(reader.received);
        assertThat(host(all.getLast())).isEqualTo("v" + PUSHES);
        assertThat(all.size()).as("the proxy read what was in flight and the latest, not every version")
                .isLessThan(PUSHES / 2);
        double sentAfter = kit.meters.find("tollgate.config.responses").tag("kind", "sidecar").counter().count();
        assertThat(sentAfter).isEqualTo(1 + all.size());
    }
}
