package dev.tollgate.agent;

import dev.tollgate.api.config.v1.ConfigRequest;
import dev.tollgate.api.config.v1.ConfigResponse;
import dev.tollgate.api.config.v1.ConfigServiceGrpc;
import dev.tollgate.identity.IssuedCertificate;
import dev.tollgate.identity.PemFiles;
import dev.tollgate.identity.SpiffeId;
import io.grpc.Grpc;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.TlsServerCredentials;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A stand-in for the control plane's ConfigService, on loopback, over mutual TLS (client certificate required), that
 * the test drives by hand: it records every request and every stream's opening time and client identity, and sends
 * what the test tells it, including bytes that are no ConfigResponse at all. Responses go out as raw bytes so that
 * a test can send garbage on the real method.
 */
final class FakeConfigServer implements AutoCloseable {
    private static final MethodDescriptor.Marshaller<byte[]> RAW = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };
    private static final MethodDescriptor<byte[], byte[]> STREAM = MethodDescriptor.<byte[], byte[]>newBuilder()
            .setType(MethodDescriptor.MethodType.BIDI_STREAMING)
            .setFullMethodName(ConfigServiceGrpc.getStreamConfigMethod().getFullMethodName())
            .setRequestMarshaller(RAW).setResponseMarshaller(RAW).build();

    /** One request as received, with the stream it came on (1 = the first stream since this server started). */
    record Received(int stream, ConfigRequest request) {
    }

    final BlockingQueue<Received> requests = new LinkedBlockingQueue<>();
    /** System.nanoTime() at each stream's start. */
    final List<Long> streamStarts = new CopyOnWriteArrayList<>();
    final List<String> clientIds = new CopyOnWriteArrayList<>();
    final List<java.math.BigInteger> peerSerials = new CopyOnWriteArrayList<>();
    private final List<ServerCall<byte[], byte[]>> open = new CopyOnWriteArrayList<>();
    private final AtomicLong nonces = new AtomicLong();
    private final Server server;
    /** What to do when a stream opens, e.g. push the current version right away. */
    volatile Consumer<ServerCall<byte[], byte[]>> onOpen = call -> {
    };

    FakeConfigServer(int port, IssuedCertificate serverCertificate, List<X509Certificate> clientRoots) throws IOException {
        io.grpc.ServerCredentials credentials = TlsServerCredentials.newBuilder()
                .keyManager(pem(PemFiles.toPem(serverCertificate.chain())), pem(PemFiles.toPem(serverCertificate.key())))
                .trustManager(pem(PemFiles.toPem(clientRoots)))
                .clientAuth(TlsServerCredentials.ClientAuth.REQUIRE)
                .build();
        ServerCallHandler<byte[], byte[]> handler = (call, headers) -> {
            int n = streamStarts.size() + 1;
            streamStarts.add(System.nanoTime());
            javax.net.ssl.SSLSession tls = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
            try {
                X509Certificate peer = (X509Certificate) tls.getPeerCertificates()[0];
                clientIds.add(SpiffeId.fromCertificate(peer).map(SpiffeId::uri).orElse("(none)"));
                peerSerials.add(peer.getSerialNumber());
            } catch (Exception e) {
                clientIds.add("(no peer certificate)");
            }
            open.add(call);
            call.sendHeaders(new io.grpc.Metadata());
            call.request(Integer.MAX_VALUE);
            onOpen.accept(call);
            return new ServerCall.Listener<>() {
                @Override
                public void onMessage(byte[] message) {
                    try {
                        requests.add(new Received(n, ConfigRequest.parseFrom(message)));
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }

                @Override
                public void onCancel() {
                    open.remove(call);
                }

                @Override
                public void onComplete() {
                    open.remove(call);
                }
            };
        };
        server = Grpc.newServerBuilderForPort(port, credentials)
                .addService(ServerServiceDefinition.builder(ConfigServiceGrpc.SERVICE_NAME)
                        .addMethod(STREAM, handler).build())
                .build().start();
    }

    int port() {
        return ((InetSocketAddress) server.getListenSockets().getFirst()).getPort();
    }

    /** A response with a fresh nonce. */
    ConfigResponse response(String version, List<dev.tollgate.api.config.v1.Resource> resources) {
        return ConfigResponse.newBuilder().setVersionInfo(version).setNonce("n" + nonces.incrementAndGet())
                .addAllResources(resources).build();
    }

    /** Sends to every open stream. */
    void push(ConfigResponse response) {
        pushRaw(response.toByteArray());
    }

    void pushRaw(byte[] bytes) {
        for (ServerCall<byte[], byte[]> call : open) {
            send(call, bytes);
        }
    }

    static void send(ServerCall<byte[], byte[]> call, byte[] bytes) {
        synchronized (call) {
            call.sendMessage(bytes);
        }
    }

    int openStreams() {
        return open.size();
    }

    /** The next request, or fails the test after 10 s. */
    Received next() throws InterruptedException {
        Received r = requests.poll(10, TimeUnit.SECONDS);
        if (r == null) {
            throw new AssertionError("no request from the proxy within 10 s");
        }
        return r;
    }

    /** Ends every open stream with {@code status}, as a control plane going away does. */
    void endStreams(Status status) {
        for (ServerCall<byte[], byte[]> call : open) {
            synchronized (call) {
                call.close(status, new io.grpc.Metadata());
            }
            open.remove(call);
        }
    }

    @Override
    public void close() throws InterruptedException {
        server.shutdownNow();
        server.awaitTermination(5, TimeUnit.SECONDS);
    }

    private static ByteArrayInputStream pem(String text) {
        return new ByteArrayInputStream(text.getBytes(StandardCharsets.US_ASCII));
    }
}
