package dev.tollgate.control.watch;

import dev.tollgate.control.ca.CaSecret;
import dev.tollgate.control.ca.CaSecretWatch;
import dev.tollgate.control.ca.RootPublisher;
import dev.tollgate.control.ca.TokenRefusedException;
import dev.tollgate.control.ca.TokenReviewer;
import dev.tollgate.identity.MeshCa;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * deploy/'s RBAC against the API calls the control plane's code makes, both ways: the real components run against
 * the mock API server with a client of their own (its User-Agent tells their requests from the test's set-up), every
 * request they send is allowed by the rendered Roles and ClusterRoles bound to tollgate-control, and every permission
 * those grant is used by some request. A new component that calls the API server is one more line in
 * {@link #CALLERS}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ControlRbacTest {
    private static final String USER_AGENT = "tollgate-control-under-test";

    /** Something the control plane runs that calls the API server, on the client it is given. */
    record Caller(String what, CallerRun run) {
    }

    interface CallerRun {
        void run(ControlRbacTest test, KubernetesClient client) throws Exception;
    }

    /** Every component that calls the API server: add a caller here and the RBAC test covers it. */
    static final List<Caller> CALLERS = List.of(
            new Caller("ClusterWatch (informers; Events and status of refused objects)", ControlRbacTest::watch),
            new Caller("TokenReviewer.review", (t, c) -> review(c)),
            new Caller("CaSecretWatch (the CA Secret, followed)", (t, c) -> {
                try (CaSecretWatch w = CaSecretWatch.start(c, "tollgate-system", CaSecret.DEFAULT_NAME)) {
                    assertThat(w.current().roots()).hasSize(1);
                }
            }),
            new Caller("RootPublisher (tollgate-ca-root in every namespace, put back when edited)",
                    ControlRbacTest::publish));


    /**
     * Discovery, which Kubernetes' default ClusterRole system:discovery allows every authenticated user
     * (nonResourceURLs /api, /api/*, /apis, /apis/*, /version, /healthz, ...): ClusterWatch asks which versions of
     * Istio's CRDs the cluster serves. GET only.
     */
    private static final Pattern DISCOVERY = Pattern.compile("/(api|apis)(/[^/]+){0,2}|/version|/healthz|/livez|/readyz");

    /** One refused object of each Istio kind (an unknown field), so that each kind's status is written. */
    private static final List<String> REFUSED = List.of("""
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: refused-se, namespace: default}
            spec: {hosts: [a.example.com], bogus: 1}
            """, """
            apiVersion: networking.istio.io/v1
            kind: Sidecar
            metadata: {name: refused-sidecar, namespace: default}
            spec: {egress: [{hosts: ["./*"]}], bogus: 1}
            """, """
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata: {name: refused-gw, namespace: istio-system}
            spec: {selector: {istio: egressgateway}, bogus: 1}
            """, """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: refused-vs, namespace: default}
            spec: {hosts: [a.example.com], bogus: 1}
            """, """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: refused-dr, namespace: default}
            spec: {host: a.example.com, bogus: 1}
            """, """
            apiVersion: security.istio.io/v1
            kind: AuthorizationPolicy
            metadata: {name: refused-ap, namespace: default}
            spec: {action: DENY, bogus: 1}
            """);

    private MockCluster cluster;
    private KubernetesClient control;
    private RbacRules rbac;
    /** Per caller, the requests it made. */
    private final Map<String, List<ApiRequest>> recorded = new LinkedHashMap<>();

    @BeforeAll
    void runTheCallers(@TempDir Path dir) throws Exception {
        List<HasMetadata> manifests = parse(dev.tollgate.testkit.Kustomize.render(dev.tollgate.testkit.Kustomize.DEPLOY));
        rbac = RbacRules.forServiceAccount(manifests, "tollgate-system", "tollgate-control");

        cluster = new MockCluster();
        for (String ns : List.of("default", "istio-system", "tollgate-system")) {
            cluster.client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata()
                    .build()).create();
        }
        MeshCa.init(dir, "cluster.local");
        cluster.client.secrets().inNamespace("tollgate-system").resource(new SecretBuilder().withNewMetadata()
                .withName(CaSecret.DEFAULT_NAME).endMetadata()
                .addToData(CaSecret.CERT_KEY, b64(Files.readString(dir.resolve(MeshCa.CERT_FILE))))
                .addToData(CaSecret.KEY_KEY, b64(Files.readString(dir.resolve(MeshCa.KEY_FILE)))).build()).create();
        control = cluster.server.createClient(b -> b.editOrNewConfig().withRequestRetryBackoffLimit(0)
                .withUserAgent(USER_AGENT).endConfig());
        drain(); // the set-up's own requests
        for (Caller caller : CALLERS) {
            caller.run().run(this, control);
            recorded.put(caller.what(), drain());
        }
        // what was seen, once per kind of call: the first thing to read when a check below fails
        recorded.forEach((what, requests) -> System.out.println("RBAC recording, " + what + ":\n  " + String.join(
                "\n  ", requests.stream().map(r -> r.toString().replaceAll(" +\\[.*", "")).distinct().sorted().toList())));
    }

    @AfterAll
    void close() {
        if (control != null) {
            control.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void everyCallerWasRecorded() {
        // a caller that sent nothing proves nothing: the recording or the caller is broken
        assertThat(recorded).allSatisfy((what, requests) ->
                assertThat(requests.stream().filter(ApiRequest::isResource).toList()).as(what).isNotEmpty());
    }

    @Test
    void everyCallTheCodeMakesIsAllowed() {
        List<String> refused = new ArrayList<>();
        recorded.forEach((what, requests) -> requests.stream()
                .filter(r -> r.isResource() ? !rbac.allows(r) : !isDiscovery(r))
                .forEach(r -> refused.add(what + ": " + r)));
        assertThat(refused).as("calls that deploy/control-rbac.yaml does not allow").isEmpty();
    }

    @Test
    void everyPermissionIsUsedByACall() {
        List<ApiRequest> all = new ArrayList<>();
        recorded.values().forEach(all::addAll);
        List<String> unused = rbac.permissions().stream()
                .filter(p -> all.stream().noneMatch(p::usedBy)).map(Object::toString).toList();
        assertThat(unused).as("permissions in deploy/control-rbac.yaml that no call uses").isEmpty();
    }

    @Test
    void theRecordingSeesWhatTheCodeIsKnownToCall() {
        // guards the recording itself: calls the code's comments promise, seen as the authorizer would see them
        List<String> seen = recorded.values().stream().flatMap(List::stream).filter(ApiRequest::isResource)
                .map(r -> r.verb() + " " + r.group() + "/" + r.rbacResource() + " " + r.namespace() + "/" + r.name())
                .toList();
        assertThat(seen).contains(
                "create authentication.k8s.io/tokenreviews /",
                "get /secrets tollgate-system/tollgate-ca",
                "list /configmaps istio-system/istio", "watch /configmaps istio-system/istio",
                "list security.istio.io/authorizationpolicies /", "watch /pods /",
                "create /events default/");
    }

    @Test
    void theAuthorizerRefusesWhatTheRulesDoNotGrant() {
        // the check above is only as good as RbacRules: these must be refused
        assertThat(rbac.allows(ApiRequest.of("GET", "/api/v1/namespaces/tollgate-system/secrets/other"))).isFalse();
        assertThat(rbac.allows(ApiRequest.of("GET", "/api/v1/namespaces/default/secrets/tollgate-ca"))).isFalse();
        assertThat(rbac.allows(ApiRequest.of("GET", "/api/v1/secrets"))).isFalse();
        assertThat(rbac.allows(ApiRequest.of("PUT", "/api/v1/namespaces/tollgate-system/secrets/tollgate-ca"))).isFalse();
        assertThat(rbac.allows(ApiRequest.of("GET", "/api/v1/namespaces/istio-system/configmaps"))).isFalse();
        assertThat(rbac.allows(ApiRequest.of("GET",
                "/api/v1/namespaces/istio-system/configmaps?fieldSelector=metadata.name%3Distio"))).isTrue();
        assertThat(rbac.allows(ApiRequest.of("GET",
                "/api/v1/namespaces/default/configmaps?fieldSelector=metadata.name%3Distio"))).isFalse();
        assertThat(rbac.allows(ApiRequest.of("PUT",
                "/apis/security.istio.io/v1/namespaces/default/authorizationpolicies/x"))).isFalse();
        assertThat(rbac.allows(ApiRequest.of("DELETE", "/api/v1/namespaces/default/events/x"))).isFalse();
        assertThat(rbac.allows(ApiRequest.of("GET", "/api/v1/pods?watch=true"))).isTrue();
        assertThat(rbac.allows(ApiRequest.of("GET", "/api/v1/namespaces/default/pods/p"))).isFalse();
    }

    private static boolean isDiscovery(ApiRequest r) {
        return r.method().equals("GET") && DISCOVERY.matcher(r.path()).matches();
    }

    private static void watch(ControlRbacTest t, KubernetesClient client) {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (ClusterWatch watch = new ClusterWatch(client, meters,
                new ClusterWatch.Options("istio-system", Duration.ofMillis(50), Duration.ofMillis(300)))) {
            watch.start();
            waitFor(() -> watch.ready(), "ready");
            for (String yaml : REFUSED) {
                t.cluster.apply(t.cluster.object(yaml));
            }
            waitFor(() -> meters.find("tollgate.config.rejected").counters().stream()
                    .mapToDouble(c -> c.count()).sum() >= REFUSED.size(), "every refusal reported");
            // the Event and status of the last refusal follow its count, and their echoes come back as builds
            long[] seen = {-1};
            waitFor(() -> {
                long now = watch.builds();
                boolean quiet = now == seen[0];
                seen[0] = now;
                WatchHarness.sleep(400);
                return quiet;
            }, "quiet after the reports");
        }
    }

    private static void waitFor(java.util.function.BooleanSupplier done, String what) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the watch did not get " + what);
            }
            WatchHarness.sleep(50);
        }
    }

    /** Publishes to the three namespaces, then puts back a ConfigMap someone else edited: create, then get + patch. */
    private static void publish(ControlRbacTest t, KubernetesClient client) throws Exception {
        try (CaSecretWatch ca = CaSecretWatch.start(client, "tollgate-system", CaSecret.DEFAULT_NAME);
             RootPublisher publisher = new RootPublisher(client, new SimpleMeterRegistry())) {
            publisher.follow(ca);
            awaitTrue(() -> publisher.writes() >= 3);
            t.cluster.client.configMaps().inNamespace("default").withName("tollgate-ca-root")
                    .edit(cm -> new io.fabric8.kubernetes.api.model.ConfigMapBuilder(cm)
                            .addToData("root-cert.pem", "tampered").build());
            awaitTrue(() -> publisher.writes() >= 4);
        }
    }

    private static void awaitTrue(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waited 20 s").isLessThan(until);
            Thread.sleep(20);
        }
    }

    private static void review(KubernetesClient client) {
        try {
            new TokenReviewer(client, "cluster.local").review("a-projected-token");
        } catch (TokenRefusedException expected) {
            // the CRUD mock stores the review without a status: refused, and the request is what counts here
        }
    }

    /** The requests made since the last call, the control plane's own only. */
    private List<ApiRequest> drain() throws InterruptedException {
        List<ApiRequest> out = new ArrayList<>();
        RecordedRequest r;
        while ((r = cluster.server.takeRequest(200, TimeUnit.MILLISECONDS)) != null) {
            String ua = r.getHeader("User-Agent");
            if (ua != null && ua.startsWith(USER_AGENT)) {
                out.add(ApiRequest.of(r.getMethod(), r.getPath()));
            }
        }
        return out;
    }

    private List<HasMetadata> parse(String yaml) {
        Object parsed = io.fabric8.kubernetes.client.utils.Serialization.unmarshal(
                new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)));
        List<?> items = parsed instanceof List<?> l ? l : List.of(parsed);
        return items.stream().map(HasMetadata.class::cast).toList();
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.US_ASCII));
    }
}
