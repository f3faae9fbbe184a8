package dev.tollgate.cli;

import com.sun.net.httpserver.HttpServer;
import dev.tollgate.api.ca.v1.CertificateServiceGrpc;
import dev.tollgate.api.ca.v1.CreateCertificateRequest;
import dev.tollgate.api.ca.v1.CreateCertificateResponse;
import dev.tollgate.api.config.v1.ConfigRequest;
import dev.tollgate.api.config.v1.ConfigResponse;
import dev.tollgate.api.config.v1.ConfigServiceGrpc;
import dev.tollgate.api.config.v1.Resource;
import dev.tollgate.identity.IssuedCertificate;
import dev.tollgate.identity.MeshCa;
import dev.tollgate.identity.PemFiles;
import dev.tollgate.identity.SpiffeId;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.TlsServerCredentials;
import io.grpc.stub.StreamObserver;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.StringReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code tollgate sidecar --control-plane}, run through picocli in this JVM, against a stand-in control plane on
 * loopback that serves the CA (by bearer token, TLS client auth optional) and the config push (mTLS) on one port, as
 * the contract has it. Real curl through the sidecar follows the pushed versions.
 */
class ControlPlaneSidecarTest {
    static final String NAME = "tollgate-control.tollgate-system.svc";
    static final String TOKEN = "projected-token-for-default-sleep";

    @TempDir
    Path dir;
    final MeshCa ca = MeshCa.generate(MeshCa.DEFAULT_TRUST_DOMAIN);
    final BlockingQueue<ConfigRequest> requests = new LinkedBlockingQueue<>();
    final List<StreamObserver<ConfigResponse>> streams = new CopyOnWriteArrayList<>();
    final List<String> tokensSeen = new CopyOnWriteArrayList<>();
    volatile ConfigResponse currentVersion;
    Server server;
    HttpServer upstream;

    @BeforeEach
    void start() throws Exception {
        IssuedCertificate serving = ca.issueServer(List.of(NAME), Duration.ofHours(1));
        Metadata.Key<String> authorization = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
        var caService = new CertificateServiceGrpc.CertificateServiceImplBase() {
            @Override
            public void createCertificate(CreateCertificateRequest request,
                                          StreamObserver<CreateCertificateResponse> response) {
                try (PEMParser p = new PEMParser(new StringReader(request.getCsr()))) {
                    PKCS10CertificationRequest csr = (PKCS10CertificationRequest) p.readObject();
                    var key = new JcaPEMKeyConverter().getPublicKey(csr.getSubjectPublicKeyInfo());
                    var chain = ca.signWorkload(new SpiffeId("cluster.local", "default", "sleep"), key,
                            Duration.ofHours(1));
                    response.onNext(CreateCertificateResponse.newBuilder().addCertChain(PemFiles.toPem(chain)).build());
                    response.onCompleted();
                } catch (Exception e) {
                    response.onError(Status.INVALID_ARGUMENT.withDescription(e.toString()).asRuntimeException());
                }
            }
        };
        var configService = new ConfigServiceGrpc.ConfigServiceImplBase() {
            @Override
            public StreamObserver<ConfigRequest> streamConfig(StreamObserver<ConfigResponse> out) {
                streams.add(out);
                ConfigResponse now = currentVersion;
                if (now != null) {
                    synchronized (out) {
                        out.onNext(now);
                    }
                }
                return new StreamObserver<>() {
                    @Override
                    public void onNext(ConfigRequest value) {
                        requests.add(value);
                    }

                    @Override
                    public void onError(Throwable t) {
                        streams.remove(out);
                    }

                    @Override
                    public void onCompleted() {
                        streams.remove(out);
                    }
                };
            }
        };
        io.grpc.ServerInterceptor tokens = new io.grpc.ServerInterceptor() {
            @Override
            public <Q, A> io.grpc.ServerCall.Listener<Q> interceptCall(io.grpc.ServerCall<Q, A> call, Metadata headers,
                                                                       io.grpc.ServerCallHandler<Q, A> next) {
                String bearer = headers.get(authorization);
                tokensSeen.add(String.valueOf(bearer));
                if (!("Bearer " + TOKEN).equals(bearer)) {
                    call.close(Status.UNAUTHENTICATED.withDescription("bad token"), new Metadata());
                    return new io.grpc.ServerCall.Listener<>() {
                    };
                }
                return Contexts.interceptCall(io.grpc.Context.current(), call, headers, next);
            }
        };
        server = Grpc.newServerBuilderForPort(0, TlsServerCredentials.newBuilder()
                        .keyManager(stream(PemFiles.toPem(serving.chain())), stream(PemFiles.toPem(serving.key())))
                        .trustManager(stream(PemFiles.toPem(List.of(ca.rootCertificate()))))
                        .clientAuth(TlsServerCredentials.ClientAuth.OPTIONAL).build())
                .addService(ServerInterceptors.intercept(caService, tokens))
                .addService(configService)
                .build().start();

        upstream = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        upstream.createContext("/", ex -> {
            byte[] body = ("hello from " + ex.getRequestHeaders().getFirst("Host") + "\n").getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        upstream.start();
    }

    @AfterEach
    void stop() throws Exception {
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        upstream.stop(0);
    }

    @Test
    void aSidecarWithAControlPlaneGetsItsCertificateByTokenAndFollowsThePushedConfiguration() throws Exception {
        Path token = Files.writeString(dir.resolve("token"), TOKEN + "\n");
        Path root = dir.resolve("root-cert.pem");
        PemFiles.writeCertificates(root, List.of(ca.rootCertificate()));
        Path labels = Files.writeString(dir.resolve("labels"), "app=\"sleep\"\nversion=\"v1\"\n");
        int port = upstream.getAddress().getPort();
        currentVersion = version("v1", serviceEntry("a", "a.example"), registryOnly());

        try (ProxyCommandsTest.Running sidecar = ProxyCommandsTest.start("sidecar", "--namespace", "default",
                "--service-account", "sleep", "--labels-file", labels.toString(),
                "--control-plane", "127.0.0.1:" + server.getPort(), "--control-plane-name", NAME,
                "--token-file", token.toString(), "--root-cert", root.toString(), "--pod-name", "sleep-5d8f",
                "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0", "--health", "127.0.0.1:0",
                "--connect-to", "a.example:80:127.0.0.1:" + port, "--connect-to", "b.example:80:127.0.0.1:" + port,
                "--drain-timeout", "1s")) {
            ConfigRequest hello = next();
            assertThat(hello.getNode().getNamespace()).isEqualTo("default");
            assertThat(hello.getNode().getServiceAccount()).isEqualTo("sleep");
            assertThat(hello.getNode().getLabelsMap()).containsEntry("app", "sleep").containsEntry("version", "v1");
            assertThat(hello.getNode().getName()).isEqualTo("sleep-5d8f");
            assertThat(next().getVersionInfo()).as("v1 acknowledged").isEqualTo("v1");
            assertThat(tokensSeen).contains("Bearer " + TOKEN);
            assertThat(sidecar.err()).contains("as spiffe://cluster.local/ns/default/sa/sleep");

            Curl a = curl(sidecar.port, "http://a.example/v1");
            assertThat(a.code()).isEqualTo(200);
            assertThat(a.body()).isEqualTo("hello from a.example");
            Curl b = curl(sidecar.port, "http://b.example/v1");
            assertThat(b.code()).as("REGISTRY_ONLY: b.example is not in v1's registry").isEqualTo(502);

            int health = healthPort(sidecar.err());
            var ready = ProxyCommandsTest.admin(health, "/ready");
            assertThat(ready.statusCode()).isEqualTo(200);
            assertThat(ready.body()).contains("version v1").contains("connected");
            assertThat(ProxyCommandsTest.admin(health, "/config_dump").statusCode()).isEqualTo(404);
            assertThat(ProxyCommandsTest.admin(sidecar.admin, "/config_dump").statusCode()).isEqualTo(200);

            push(version("v2", serviceEntry("a", "a.example"), serviceEntry("b", "b.example"), registryOnly()));
            assertThat(next().getVersionInfo()).isEqualTo("v2");
            assertThat(curl(sidecar.port, "http://b.example/v2").code()).isEqualTo(200);
        }
    }

    @Test
    void controlPlaneExcludesFilesAndLocalCertificates() {
        CliRun r = CliRun.of("sidecar", "--namespace", "default", "--service-account", "sleep",
                "--control-plane", "127.0.0.1:1", "-f", "x.yaml", "--ca-dir", "ca");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("--control-plane gives the configuration and the certificate; it cannot be "
                + "combined with -f, --ca-dir");
        CliRun none = CliRun.of("gateway", "--ca-dir", "ca");
        assertThat(none.exitCode()).isEqualTo(2);
        assertThat(none.err()).contains("give -f FILE (a file, a folder, or - for standard input) or --control-plane");
    }

    void push(ConfigResponse response) {
        currentVersion = response;
        for (StreamObserver<ConfigResponse> s : streams) {
            synchronized (s) {
                s.onNext(response);
            }
        }
    }

    ConfigRequest next() throws InterruptedException {
        ConfigRequest r = requests.poll(20, TimeUnit.SECONDS);
        assertThat(r).as("a request from the sidecar").isNotNull();
        return r;
    }

    static int healthPort(String err) {
        Matcher m = Pattern.compile("health \\(/healthz /ready /metrics\\) on \\S*?:(\\d+)").matcher(err);
        assertThat(m.find()).as(err).isTrue();
        return Integer.parseInt(m.group(1));
    }

    record Curl(int exit, int code, String body) {
    }

    static Curl curl(int proxyPort, String url) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("curl", "-q", "-sS", "--max-time", "10",
                "--proxy", "http://127.0.0.1:" + proxyPort, "-w", "\n%{http_code}", url);
        for (String v : List.of("http_proxy", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY", "no_proxy",
                "NO_PROXY")) {
            pb.environment().remove(v);
        }
        Process p = pb.redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String s = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int exit = p.waitFor();
        int nl = s.lastIndexOf('\n');
        return new Curl(exit, Integer.parseInt(s.substring(nl + 1).trim()), s.substring(0, Math.max(nl, 0)).trim());
    }

    static ConfigResponse version(String v, Resource... resources) {
        return ConfigResponse.newBuilder().setVersionInfo(v).setNonce(v + "-nonce").addAllResources(List.of(resources))
                .build();
    }

    static Resource serviceEntry(String name, String host) {
        return Resource.newBuilder().setSource("cluster:ServiceEntry/default/" + name).setJson("""
                {"apiVersion": "networking.istio.io/v1", "kind": "ServiceEntry",
                 "metadata": {"name": "%s", "namespace": "default"},
                 "spec": {"hosts": ["%s"], "location": "MESH_EXTERNAL", "resolution": "DNS",
                          "ports": [{"number": 80, "name": "http", "protocol": "HTTP"}]}}""".formatted(name, host))
                .build();
    }

    static Resource registryOnly() {
        return Resource.newBuilder().setSource("cluster:Sidecar/default/default").setJson("""
                {"apiVersion": "networking.istio.io/v1", "kind": "Sidecar",
                 "metadata": {"name": "default", "namespace": "default"},
                 "spec": {"egress": [{"hosts": ["*/*"]}], "outboundTrafficPolicy": {"mode": "REGISTRY_ONLY"}}}""")
                .build();
    }

    private static ByteArrayInputStream stream(String pem) {
        return new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII));
    }
}
