package dev.tollgate.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.tollgate.testkit.Kustomize;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * deploy/ as a user applies it ({@code kubectl kustomize deploy/}), read back: the properties issue 9 asks of the
 * Deployments, and the containers' arguments checked against the real picocli commands, so that a renamed or dropped
 * flag fails here rather than in a crash-looping pod.
 */
class DeployManifestsTest {

    /**
     * Flags that the manifests pass and CONTROL-CONTRACT.md names, whose code is not on this branch yet (the proxies'
     * control-plane flags; the whole 'tollgate control' command). Each must be missing from its command: once one
     * exists, this test fails until it is taken off this list, and from then on it is checked like every other flag.
     */
    static final Map<String, Set<String>> PENDING_BY_CONTRACT = Map.of("gateway", Set.of(), "control", Set.of());

    static final Path DEPLOY = Kustomize.DEPLOY;
    static final String CONTROL = "tollgate-system/tollgate-control";
    static final String GATEWAY = "istio-system/istio-egressgateway";
    /** CaClient.DEFAULT_TOKEN_FILE and the contract's root-cert path: the proxies' defaults. */
    static final String TOKEN_FILE = "/var/run/secrets/tokens/tollgate-token";
    static final String ROOT_CERT_DIR = "/var/run/secrets/tollgate";

    static List<JsonNode> objects;

    @BeforeAll
    static void render() throws IOException {
        objects = new ArrayList<>();
        try (MappingIterator<JsonNode> it = new YAMLMapper().readerFor(JsonNode.class).readValues(Kustomize.render(DEPLOY))) {
            while (it.hasNext()) {
                JsonNode o = it.next();
                if (o != null && !o.isEmpty()) {
                    objects.add(o);
                }
            }
        }
    }

    @Test
    void rendersTheContractsObjects() {
        assertThat(objects.stream().map(o -> o.path("kind").asText() + " " + id(o)).toList()).contains(
                "Namespace /tollgate-system",
                "ServiceAccount " + CONTROL, "Service " + CONTROL, "PodDisruptionBudget " + CONTROL,
                "Deployment " + CONTROL,
                "ServiceAccount istio-system/istio-egressgateway-service-account", "Service " + GATEWAY,
                "PodDisruptionBudget " + GATEWAY, "Deployment " + GATEWAY,
                "ClusterRole /tollgate-control", "ClusterRoleBinding /tollgate-control")
                // istio-system belongs to Istio's installation: 'kubectl delete -k deploy/' must not delete it
                .doesNotContain("Namespace /istio-system");
        JsonNode labels = pod(GATEWAY).path("metadata").path("labels");
        assertThat(labels.path("istio").asText()).as("what the tutorial's Gateway selector matches")
                .isEqualTo("egressgateway");
        assertThat(labels.path("app").asText()).isEqualTo("istio-egressgateway");
        assertThat(pod(GATEWAY).path("spec").path("serviceAccountName").asText())
                .isEqualTo("istio-egressgateway-service-account");
        assertThat(pod(CONTROL).path("spec").path("serviceAccountName").asText()).isEqualTo("tollgate-control");
    }

    @Test
    void replicatedBudgetedAndSpreadOverNodes() {
        for (String d : List.of(CONTROL, GATEWAY)) {
            JsonNode deployment = get("Deployment", d);
            JsonNode labels = pod(d).path("metadata").path("labels");
            assertThat(deployment.path("spec").path("replicas").asInt()).as(d + " replicas").isGreaterThanOrEqualTo(2);
            assertThat(selects(deployment.path("spec").path("selector").path("matchLabels"), labels)).as(d).isTrue();

            JsonNode pdb = get("PodDisruptionBudget", d);
            assertThat(pdb.path("apiVersion").asText()).isEqualTo("policy/v1");
            int minAvailable = pdb.path("spec").path("minAvailable").asInt(0);
            assertThat(minAvailable).as(d + " PDB minAvailable: at least one, and fewer than the replicas (or no "
                    + "node could ever be drained)").isBetween(1, deployment.path("spec").path("replicas").asInt() - 1);
            assertThat(selects(pdb.path("spec").path("selector").path("matchLabels"), labels)).as(d + " PDB").isTrue();

            JsonNode service = get("Service", d);
            assertThat(selects(service.path("spec").path("selector"), labels)).as(d + " Service selects the pods")
                    .isTrue();

            JsonNode spread = find(pod(d).path("spec").path("topologySpreadConstraints"),
                    c -> c.path("topologyKey").asText().equals("kubernetes.io/hostname"))
                    .orElseGet(() -> fail(d + ": no topology spread over kubernetes.io/hostname"));
            assertThat(spread.path("whenUnsatisfiable").asText()).as(d + ": replicas never share a node")
                    .isEqualTo("DoNotSchedule");
            assertThat(spread.path("maxSkew").asInt()).isEqualTo(1);
            assertThat(selects(spread.path("labelSelector").path("matchLabels"), labels)).as(d + " spread").isTrue();
        }
    }

    @Test
    void podsRunHardened() {
        for (String d : List.of(CONTROL, GATEWAY)) {
            JsonNode spec = pod(d).path("spec");
            JsonNode podSc = spec.path("securityContext");
            assertThat(podSc.path("runAsNonRoot").asBoolean()).as(d).isTrue();
            assertThat(podSc.path("runAsUser").asInt()).as(d + ": Istio's proxy uid").isEqualTo(1337);
            assertThat(podSc.path("seccompProfile").path("type").asText()).isEqualTo("RuntimeDefault");
            for (JsonNode c : spec.path("containers")) {
                JsonNode sc = c.path("securityContext");
                String what = d + " container " + c.path("name").asText();
                assertThat(sc.path("runAsNonRoot").asBoolean()).as(what).isTrue();
                assertThat(sc.path("runAsUser").asInt(1337)).as(what).isEqualTo(1337);
                assertThat(sc.path("allowPrivilegeEscalation").isBoolean()
                        && !sc.path("allowPrivilegeEscalation").asBoolean()).as(what + " allowPrivilegeEscalation: false")
                        .isTrue();
                assertThat(sc.path("privileged").asBoolean(false)).as(what).isFalse();
                assertThat(sc.path("readOnlyRootFilesystem").asBoolean()).as(what).isTrue();
                assertThat(texts(sc.path("capabilities").path("drop"))).as(what).containsExactly("ALL");
                assertThat(sc.path("capabilities").has("add")).as(what + " adds no capability").isFalse();
                assertThat(c.path("resources").path("requests").has("cpu")
                        && c.path("resources").path("requests").has("memory")).as(what + " resource requests").isTrue();
                // the JVM and Netty's native transport write to /tmp; the root filesystem is read-only
                String tmpVolume = mountedAt(c, "/tmp").orElseGet(() -> fail(what + ": nothing mounted at /tmp"));
                assertThat(volume(spec, tmpVolume).has("emptyDir")).as(what + " /tmp").isTrue();
            }
        }
    }

    @Test
    void probesAndScrapingOnTheAdminAndHealthPorts() {
        // control: its admin server (--admin); the gateway: --health, never --admin (which serves /config_dump)
        Map<String, String> portFlag = Map.of(CONTROL, "--admin", GATEWAY, "--health");
        for (String d : List.of(CONTROL, GATEWAY)) {
            JsonNode pod = pod(d);
            JsonNode c = pod.path("spec").path("containers").get(0);
            int port = port(flag(c, portFlag.get(d)).orElseGet(() -> fail(d + " passes no " + portFlag.get(d))));
            assertThat(flag(c, portFlag.get(d)).orElseThrow()).as(d + ": kubelet and Prometheus reach the pod IP")
                    .startsWith("0.0.0.0:");
            assertProbe(d + " readiness", c.path("readinessProbe"), port, "/ready");
            assertProbe(d + " liveness", c.path("livenessProbe"), port, "/healthz");
            if (c.has("startupProbe")) {
                assertProbe(d + " startup", c.path("startupProbe"), port, "/healthz");
            }
            JsonNode annotations = pod.path("metadata").path("annotations");
            assertThat(annotations.path("prometheus.io/scrape").asText()).as(d).isEqualTo("true");
            assertThat(annotations.path("prometheus.io/port").asText()).as(d).isEqualTo(String.valueOf(port));
            assertThat(annotations.path("prometheus.io/path").asText()).as(d).isEqualTo("/metrics");
        }
        flag(pod(GATEWAY).path("spec").path("containers").get(0), "--admin").ifPresent(admin ->
                assertThat(admin).as("/config_dump shows the configuration: loopback only").startsWith("127.0.0.1:"));
    }

    @Test
    void theGracePeriodCoversPreStopAndTheProxysDrain() {
        JsonNode spec = pod(GATEWAY).path("spec");
        JsonNode c = spec.path("containers").get(0);
        OptionSpec drainOption = option("gateway", "--drain-timeout");
        Duration drain = CaCommand.parseDuration(flag(c, "--drain-timeout").orElse(drainOption.defaultValue()));
        JsonNode preStop = c.path("lifecycle").path("preStop");
        assertThat(preStop.path("sleep").has("seconds")).as("a preStop that lets the endpoint leave the Service first")
                .isTrue();
        long preStopSeconds = preStop.path("sleep").path("seconds").asLong();
        assertThat(preStopSeconds).isPositive();
        long grace = spec.path("terminationGracePeriodSeconds").asLong(30);
        // kubelet counts preStop inside the grace period: SIGTERM (and the drain) start only after it
        assertThat(grace).as("grace %d s > preStop %d s + drain %d s", grace, preStopSeconds, drain.toSeconds())
                .isGreaterThan(preStopSeconds + drain.toSeconds());

        JsonNode control = pod(CONTROL).path("spec");
        assertThat(control.path("containers").get(0).path("lifecycle").path("preStop").path("sleep").path("seconds")
                .asLong()).isPositive();
        assertThat(control.path("terminationGracePeriodSeconds").asLong(30)).isGreaterThan(
                control.path("containers").get(0).path("lifecycle").path("preStop").path("sleep").path("seconds").asLong());
    }

    @Test
    void argsAreFlagsOfTheRealCommands() {
        CommandLine cli = Main.commandLine();
        for (String d : List.of(CONTROL, GATEWAY)) {
            JsonNode c = pod(d).path("spec").path("containers").get(0);
            List<String> args = texts(c.path("args"));
            assertThat(args).as(d).isNotEmpty();
            String command = args.get(0);
            Set<String> pending = PENDING_BY_CONTRACT.getOrDefault(command, Set.of());
            CommandLine sub = cli.getSubcommands().get(command);
            Set<String> defined = new HashSet<>();
            for (JsonNode env : c.path("env")) {
                defined.add(env.path("name").asText());
            }
            for (String arg : args.subList(1, args.size())) {
                assertThat(arg).as(d + ": flags as --name=value, so each is one argument").startsWith("--");
                String name = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
                boolean exists = sub != null && sub.getCommandSpec().findOption(name) != null;
                if (pending.contains(name)) {
                    assertThat(exists).as("'tollgate %s %s' exists now: take it off PENDING_BY_CONTRACT so that it is "
                            + "checked", command, name).isFalse();
                } else {
                    assertThat(sub).as("'tollgate " + command + "' (" + d + ")").isNotNull();
                    assertThat(exists).as("'tollgate %s' has no flag %s (%s passes it)", command, name, d).isTrue();
                    OptionSpec o = sub.getCommandSpec().findOption(name);
                    assertThat(o.arity().max() == 0 || arg.contains("=")).as(d + " " + name + " takes a value").isTrue();
                }
                Matcher ref = Pattern.compile("\\$\\(([A-Z_]+)\\)").matcher(arg);
                while (ref.find()) {
                    assertThat(defined).as(d + ": " + arg + " refers to an env var the container sets").contains(ref.group(1));
                }
            }
            if (sub == null) {
                assertThat(pending).as("'tollgate " + command + "' does not exist, so each of its flags is pending")
                        .containsAll(args.subList(1, args.size()).stream()
                                .map(a -> a.contains("=") ? a.substring(0, a.indexOf('=')) : a).toList());
            }
        }
        // the gateway's identity is the pod's, from the downward API, not the flags' defaults
        JsonNode gw = pod(GATEWAY).path("spec").path("containers").get(0);
        assertThat(texts(gw.path("args"))).contains("--namespace=$(POD_NAMESPACE)", "--service-account=$(SERVICE_ACCOUNT)",
                "--control-plane=tollgate-control.tollgate-system.svc:15012");
        assertThat(find(gw.path("env"), e -> e.path("name").asText().equals("SERVICE_ACCOUNT")).orElseThrow()
                .path("valueFrom").path("fieldRef").path("fieldPath").asText()).isEqualTo("spec.serviceAccountName");
    }

    @Test
    void theGatewayCarriesATokenForTheCaAndTheRootsButNoApiCredentials() {
        JsonNode spec = pod(GATEWAY).path("spec");
        JsonNode c = spec.path("containers").get(0);
        assertThat(spec.path("automountServiceAccountToken").isBoolean()
                && !spec.path("automountServiceAccountToken").asBoolean()).as("no API token in the proxy's pod").isTrue();

        String tokenDir = TOKEN_FILE.substring(0, TOKEN_FILE.lastIndexOf('/'));
        JsonNode tokenMount = find(c.path("volumeMounts"), m -> m.path("mountPath").asText().equals(tokenDir))
                .orElseGet(() -> fail("nothing mounted at " + tokenDir));
        JsonNode token = find(volume(spec, tokenMount.path("name").asText()).path("projected").path("sources"),
                s -> s.has("serviceAccountToken")).orElseGet(() -> fail("no projected token")).path("serviceAccountToken");
        assertThat(token.path("audience").asText()).isEqualTo("tollgate");
        assertThat(token.path("path").asText()).isEqualTo(TOKEN_FILE.substring(tokenDir.length() + 1));
        assertThat(token.path("expirationSeconds").asInt()).isEqualTo(3600);

        JsonNode rootMount = find(c.path("volumeMounts"), m -> m.path("mountPath").asText().equals(ROOT_CERT_DIR))
                .orElseGet(() -> fail("nothing mounted at " + ROOT_CERT_DIR));
        assertThat(rootMount.has("subPath")).as("a subPath mount never sees the roots rotate").isFalse();
        assertThat(volume(spec, rootMount.path("name").asText()).path("configMap").path("name").asText())
                .isEqualTo("tollgate-ca-root");

        // the paths the proxy reads by default are the ones mounted
        Map<String, String> paths = Map.of("--token-file", TOKEN_FILE, "--root-cert", ROOT_CERT_DIR + "/root-cert.pem");
        paths.forEach((name, path) -> {
            OptionSpec o = Main.commandLine().getSubcommands().get("gateway").getCommandSpec().findOption(name);
            if (PENDING_BY_CONTRACT.get("gateway").contains(name)) {
                assertThat(o).as("'tollgate gateway %s' exists now: take it off PENDING_BY_CONTRACT so that its "
                        + "default is checked against the mount", name).isNull();
            } else {
                assertThat(flag(c, name).orElse(o == null ? null : o.defaultValue())).as("gateway " + name)
                        .isEqualTo(path);
            }
        });
        for (JsonNode m : c.path("volumeMounts")) {
            assertThat(m.path("readOnly").asBoolean() || m.path("mountPath").asText().equals("/tmp"))
                    .as("mount " + m.path("mountPath").asText() + " is read-only").isTrue();
        }
    }

    @Test
    void servicePortsReachTheContainers() {
        assertThat(servicePorts(CONTROL)).containsExactlyInAnyOrder(15012, 15014);
        assertThat(servicePorts(GATEWAY)).as("the tutorial's egress Gateway servers").containsExactlyInAnyOrder(80, 443);
        for (String d : List.of(CONTROL, GATEWAY)) {
            JsonNode c = pod(d).path("spec").path("containers").get(0);
            for (JsonNode p : get("Service", d).path("spec").path("ports")) {
                JsonNode target = p.path("targetPort");
                assertThat(find(c.path("ports"), cp -> target.isInt() ? cp.path("containerPort").asInt() == target.asInt()
                        : cp.path("name").asText().equals(target.asText())))
                        .as(d + " Service port " + p.path("port") + " -> " + target).isPresent();
            }
        }
        JsonNode control = pod(CONTROL).path("spec").path("containers").get(0);
        flag(control, "--listen").ifPresent(l -> assertThat(port(l)).isEqualTo(15012));
        // the gateway binds 80 and 443 as uid 1337 with no capability: only through this sysctl
        assertThat(find(pod(GATEWAY).path("spec").path("securityContext").path("sysctls"),
                s -> s.path("name").asText().equals("net.ipv4.ip_unprivileged_port_start")).orElseThrow()
                .path("value").asText()).isEqualTo("0");
    }

    @Test
    void theImageRunsAsTheUidThePodsDeclare() throws IOException {
        List<String> lines = Files.readAllLines(DEPLOY.resolve("Dockerfile"));
        List<String> froms = lines.stream().filter(l -> l.startsWith("FROM ")).toList();
        assertThat(froms).as("multi-stage").hasSizeGreaterThanOrEqualTo(2);
        assertThat(froms.getLast()).as("the final stage holds only what it copies").isEqualTo("FROM scratch");
        List<String> finalStage = lines.subList(lines.indexOf(froms.getLast()), lines.size());
        assertThat(finalStage).as("the final stage's user").contains("USER 1337:1337");
        assertThat(String.join("\n", finalStage)).contains("\"-jar\", \"/opt/tollgate/tollgate.jar\"");
        for (String d : List.of(CONTROL, GATEWAY)) {
            assertThat(pod(d).path("spec").path("securityContext").path("runAsUser").asInt()).isEqualTo(1337);
            JsonNode c = pod(d).path("spec").path("containers").get(0);
            assertThat(c.has("command")).as(d + ": the image's entrypoint runs the jar; args pick the command")
                    .isFalse();
        }
    }

    @Test
    void theImageCarriesTheNftThatTheInjectedInitContainerRuns() throws IOException {
        List<String> lines = Files.readAllLines(DEPLOY.resolve("Dockerfile"));
        String from = lines.stream().filter(l -> l.startsWith("FROM ")).toList().getLast();
        String build = String.join("\n", lines.subList(0, lines.indexOf(from)));
        String last = String.join("\n", lines.subList(lines.indexOf(from), lines.size()));
        assertThat(build).as("nft and the libraries ldd names for it are copied into the final stage's tree")
                .contains("cp \"$nft\" /rootfs/usr/sbin/nft", "for f in /rootfs/opt/tollgate/jre/bin/java /rootfs/usr/sbin/nft");
        // the JDK looks for a program in /bin and /usr/bin only when PATH is unset
        assertThat(last).containsPattern("(?m)^ENV PATH=(\\S*:)?/usr/sbin(:\\S*)?$");
        assertThat(option("capture-rules", "--nft").defaultValue()).as("the init container relies on nft on the PATH")
                .isEqualTo("nft");
    }

    // --- helpers ---

    private static void assertProbe(String what, JsonNode probe, int port, String path) {
        assertThat(probe.path("httpGet").path("port").asInt()).as(what + " port").isEqualTo(port);
        assertThat(probe.path("httpGet").path("path").asText()).as(what + " path").isEqualTo(path);
    }

    private static OptionSpec option(String command, String name) {
        CommandSpec spec = Main.commandLine().getSubcommands().get(command).getCommandSpec();
        OptionSpec o = spec.findOption(name);
        assertThat(o).as("tollgate " + command + " " + name).isNotNull();
        return o;
    }

    private static Optional<String> flag(JsonNode container, String name) {
        for (String a : texts(container.path("args"))) {
            if (a.startsWith(name + "=")) {
                return Optional.of(a.substring(name.length() + 1));
            }
        }
        return Optional.empty();
    }

    private static int port(String hostPort) {
        return Integer.parseInt(hostPort.substring(hostPort.lastIndexOf(':') + 1));
    }

    private static List<Integer> servicePorts(String id) {
        List<Integer> out = new ArrayList<>();
        get("Service", id).path("spec").path("ports").forEach(p -> out.add(p.path("port").asInt()));
        return out;
    }

    private static Optional<String> mountedAt(JsonNode container, String path) {
        return find(container.path("volumeMounts"), m -> m.path("mountPath").asText().equals(path))
                .map(m -> m.path("name").asText());
    }

    private static JsonNode volume(JsonNode podSpec, String name) {
        return find(podSpec.path("volumes"), v -> v.path("name").asText().equals(name))
                .orElseGet(() -> fail("no volume " + name));
    }

    private static boolean selects(JsonNode selector, JsonNode labels) {
        if (!selector.isObject() || selector.isEmpty()) {
            return false;
        }
        for (Map.Entry<String, JsonNode> e : selector.properties()) {
            if (!labels.path(e.getKey()).asText().equals(e.getValue().asText())) {
                return false;
            }
        }
        return true;
    }

    private static Optional<JsonNode> find(JsonNode array, java.util.function.Predicate<JsonNode> p) {
        for (JsonNode n : array) {
            if (p.test(n)) {
                return Optional.of(n);
            }
        }
        return Optional.empty();
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static String id(JsonNode o) {
        return o.path("metadata").path("namespace").asText("") + "/" + o.path("metadata").path("name").asText();
    }

    private static JsonNode get(String kind, String id) {
        return objects.stream().filter(o -> o.path("kind").asText().equals(kind) && id(o).equals(id)).findFirst()
                .orElseGet(() -> fail("deploy/ renders no " + kind + " " + id));
    }

    private static JsonNode pod(String deployment) {
        return get("Deployment", deployment).path("spec").path("template");
    }
}
