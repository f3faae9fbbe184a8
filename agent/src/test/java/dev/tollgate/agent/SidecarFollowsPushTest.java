package dev.tollgate.agent;

import com.sun.net.httpserver.HttpServer;
import dev.tollgate.api.config.v1.ConfigRequest;
import dev.tollgate.core.model.WorkloadRef;
import dev.tollgate.proxy.AccessLogEntry;
import dev.tollgate.proxy.CertifiedKey;
import dev.tollgate.proxy.HostMap;
import dev.tollgate.proxy.MeshIdentity;
import dev.tollgate.proxy.ReloadStats;
import dev.tollgate.proxy.Sidecar;
import dev.tollgate.proxy.SidecarSettings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.tollgate.agent.PushFixture.misspelled;
import static dev.tollgate.agent.PushFixture.registryOnly;
import static dev.tollgate.agent.PushFixture.serviceEntry;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real sidecar whose configuration is pushed: it refuses everything before the first version (fail closed, not
 * ready), follows a good version, and keeps deciding by it when the next cannot load, while {@code /ready} and the
 * metrics say which version is in force, from where, and how stale. The health port serves no configuration.
 */
class SidecarFollowsPushTest {
    final PushFixture pki = new PushFixture();
    final List<String> upstreamSaw = new CopyOnWriteArrayList<>();
    FakeConfigServer server;
    ConfigClient client;
    HttpServer upstream;
    Sidecar sidecar;

    @AfterEach
    void stop() throws Exception {
        if (sidecar != null) {
            sidecar.close();
        }
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
        if (upstream != null) {
            upstream.stop(0);
        }
    }

    @Test
    void aRealSidecarRefusesUntilConfiguredThenKeepsItsLastGoodVersionWhenTheNextIsRejected() throws Exception {
        upstream = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        upstream.createContext("/", ex -> {
            upstreamSaw.add(ex.getRequestHeaders().getFirst("Host") + ex.getRequestURI().getPath());
            byte[] body = "hello\n".getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        upstream.start();
        int port = upstream.getAddress().getPort();

        server = pki.server(0);
        client = pki.client(server.port(), PushFixture.SERVER_NAME, ConfigClientTest.FAST, 1 << 20);
        List<AccessLogEntry> log = new CopyOnWriteArrayList<>();
        sidecar = Sidecar.start(SidecarSettings.defaults(new WorkloadRef("default", "sleep", Map.of("app", "sleep")),
                                new MeshIdentity(() -> CertifiedKey.of(pki.workload), List.of(pki.ca.rootCertificate())))
                        .withListen(new InetSocketAddress("127.0.0.1", 0))
                        .withHosts(HostMap.parse(List.of(), List.of("a.example::127.0.0.1:" + port,
                                "b.example::127.0.0.1:" + port)))
                        .withAdmin(Optional.of(new InetSocketAddress("127.0.0.1", 0)))
                        .withAccessLog(log::add)
                        .withIoThreads(1)
                        .withReloads(ReloadStats.of(client)),
                client::current);
        InetSocketAddress health = sidecar.serveHealth(new InetSocketAddress("127.0.0.1", 0));
        HttpClient through = HttpClient.newBuilder().proxy(ProxySelector.of(sidecar.address()))
                .connectTimeout(Duration.ofSeconds(5)).build();

        HttpResponse<String> early = get(through, "http://a.example/early");
        assertThat(early.statusCode()).as("fail closed before the first version").isEqualTo(503);
        assertThat(early.body()).contains("no configuration loaded yet");
        assertThat(admin(health, "/ready").statusCode()).isEqualTo(503);
        assertThat(admin(health, "/ready").body()).startsWith("not ready; version (none); control plane 127.0.0.1:");

        client.start();
        server.next();
        server.push(server.response("v1", List.of(serviceEntry("a", "a.example"), registryOnly())));
        assertThat(server.next().request().getVersionInfo()).isEqualTo("v1");
        assertThat(get(through, "http://a.example/v1").statusCode()).isEqualTo(200);
        HttpResponse<String> refused = get(through, "http://b.example/v1");
        assertThat(refused.statusCode()).as("REGISTRY_ONLY, b.example not in the registry").isEqualTo(502);
        assertThat(refused.body()).contains("REGISTRY_ONLY");
        HttpResponse<String> ready = admin(health, "/ready");
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(ready.body()).matches("ready; version v1 applied at \\S+Z; control plane 127\\.0\\.0\\.1:\\d+ "
                + "connected; config age 0s\n");

        // v2 would let b.example through, but it cannot load: rejected, and v1 goes on deciding
        server.push(server.response("v2", List.of(serviceEntry("a", "a.example"), serviceEntry("b", "b.example"),
                registryOnly(), misspelled())));
        ConfigRequest nack = server.next().request();
        assertThat(nack.getErrorDetail()).contains("unknown-field");
        assertThat(get(through, "http://a.example/after-v2").statusCode()).isEqualTo(200);
        assertThat(get(through, "http://b.example/after-v2").statusCode()).isEqualTo(502);
        assertThat(upstreamSaw).containsExactly("a.example/v1", "a.example/after-v2");

        Thread.sleep(1100);
        ready = admin(health, "/ready");
        assertThat(ready.statusCode()).as("staleness never fails readiness").isEqualTo(200);
        assertThat(ready.body()).startsWith("ready; version v1 applied at ").contains(" connected; config age ")
                .contains("; version v2 rejected: Error [unknown-field] (ServiceEntry default/typo");
        String metrics = admin(health, "/metrics").body();
        assertThat(value(metrics, "tollgate_config_age_seconds")).isGreaterThanOrEqualTo(1);
        assertThat(value(metrics, "tollgate_config_reload_failures_total")).isEqualTo(1);
        assertThat(value(metrics, "tollgate_config_last_reload_success")).isZero();

        assertThat(admin(health, "/config_dump").statusCode()).as("the health port shows no configuration")
                .isEqualTo(404);
        assertThat(admin(health, "/healthz").statusCode()).isEqualTo(200);
        assertThat(admin(sidecar.adminAddress().orElseThrow(), "/config_dump").body()).contains("a.example");

        server.push(server.response("v3", List.of(serviceEntry("b", "b.example"), registryOnly())));
        assertThat(server.next().request().getVersionInfo()).isEqualTo("v3");
        assertThat(get(through, "http://b.example/v3").statusCode()).isEqualTo(200);
        assertThat(get(through, "http://a.example/v3").statusCode()).isEqualTo(502);
        assertThat(value(admin(health, "/metrics").body(), "tollgate_config_age_seconds")).isZero();
    }

    static HttpResponse<String> get(HttpClient c, String url) throws Exception {
        return c.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> admin(InetSocketAddress at, String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + at.getPort() + path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static double value(String metrics, String name) {
        Matcher m = Pattern.compile("(?m)^" + name + "\\{[^}]*\\} (\\S+)$").matcher(metrics);
        if (!m.find()) {
            throw new AssertionError(name + " not in\n" + metrics);
        }
        return Double.parseDouble(m.group(1));
    }
}
