package dev.tollgate.cli.differential;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.cli.Main;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 10, "Wrong reason with two Sidecars": {@code check}'s reason must be the fact {@code explain} marks as
 * deciding, never a bystander (a Sidecar that selects another workload). Worlds with several Sidecars per namespace
 * (namespace-wide and selecting, in any order) over the differential test's ServiceEntries and routes; every
 * request is asked of {@code check -o json} and {@code explain -o json}, through the real command line.
 *
 * <p>For a refusal by the sidecar's registry (REGISTRY_ONLY and a host:port the sidecar does not know), the reason
 * after "host:port: " is the {@code why} of a deciding registry fact, or "no ServiceEntry declares host" when explain
 * found no entry to blame; the Sidecar the reason names as the source of REGISTRY_ONLY is a deciding fact too. When
 * anything else decided, no registry fact may claim to.
 */
class ReasonIsDecidingPropertyTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AtomicInteger registryRefusals = new AtomicInteger();
    private static final AtomicInteger blamedEntries = new AtomicInteger();
    private static final AtomicInteger bystanders = new AtomicInteger();

    /** A Sidecar among several; {@code name} is unique in its namespace. */
    record Sc(String name, String namespace, Optional<String> selectorApp, Optional<String> mode,
              List<String> egressHosts) {
        String yaml() {
            StringBuilder b = new StringBuilder("""
                    apiVersion: networking.istio.io/v1
                    kind: Sidecar
                    metadata:
                      name: %s
                      namespace: %s
                    spec:
                    """.formatted(name, namespace));
            selectorApp.ifPresent(app -> b.append("  workloadSelector:\n    labels:\n      app: ").append(app)
                    .append('\n'));
            mode.ifPresent(m -> b.append("  outboundTrafficPolicy:\n    mode: ").append(m).append('\n'));
            if (!egressHosts.isEmpty()) {
                b.append("  egress:\n  - hosts: ").append(World.list(egressHosts)).append('\n');
            }
            if (selectorApp.isEmpty() && mode.isEmpty() && egressHosts.isEmpty()) {
                b.append("  {}\n");
            }
            return b.toString();
        }
    }

    record Sample(World world, List<Sc> sidecars, List<Req> requests) {
        String yaml() {
            StringBuilder b = new StringBuilder(world.yaml());
            for (Sc s : sidecars) {
                b.append("---\n").append(s.yaml());
            }
            return b.toString();
        }

        @Override
        public String toString() {
            return "\n" + yaml() + "\n" + String.join("\n", requests.stream().map(Req::toString).toList());
        }
    }

    @AfterContainer
    static void enoughCases() {
        System.out.printf("reason-is-deciding: %d registry refusals, %d blaming an entry, %d with a bystander"
                + " Sidecar%n", registryRefusals.get(), blamedEntries.get(), bystanders.get());
        // the property says little unless refusals with an entry to blame and with bystander Sidecars came up
        assertThat(registryRefusals.get()).as("registry refusals").isGreaterThanOrEqualTo(50);
        assertThat(blamedEntries.get()).as("refusals that blame an entry").isGreaterThanOrEqualTo(20);
        assertThat(bystanders.get()).as("refusals with a Sidecar selecting another workload").isPositive();
    }

    @Property(tries = 100, seed = "1010", shrinking = ShrinkingMode.BOUNDED)
    void checksReasonIsADecidingFactOfExplain(@ForAll("samples") Sample sample) throws IOException {
        Path dir = Files.createTempDirectory("reason-deciding");
        try {
            Path file = dir.resolve("world.yaml");
            Files.writeString(file, sample.yaml());
            for (Req r : sample.requests()) {
                verify(file, r, sample);
            }
        } finally {
            Files.deleteIfExists(dir.resolve("world.yaml"));
            Files.deleteIfExists(dir);
        }
    }

    private static void verify(Path file, Req r, Sample sample) throws IOException {
        List<String> args = new ArrayList<>(List.of("-f", file.toString(), "-o", "json"));
        args.addAll(r.checkArgs());
        dev.tollgate.cli.lab.InProcessCli.Result check = Main.capture(prepend("check", args));
        dev.tollgate.cli.lab.InProcessCli.Result explain = Main.capture(prepend("explain", args));
        if (check.exit() == 2) {
            assertThat(explain.exit()).as("explain of %s: %s", r, explain.err()).isEqualTo(2);
            return;
        }
        JsonNode c = JSON.readTree(check.out());
        JsonNode e = JSON.readTree(explain.out());
        String reason = c.path("reason").asText();
        assertThat(e.path("reason").asText()).as("explain's reason for %s", r).isEqualTo(reason);
        JsonNode hops = c.path("hops");
        JsonNode last = hops.get(hops.size() - 1);
        boolean registryHadTheLastWord = last.path("stage").asText().equals("registry")
                && last.path("proxy").asText().startsWith("sidecar ");
        boolean atRegistry = registryHadTheLastWord && c.path("outcome").asText().equals("blocked")
                && reason.startsWith("REGISTRY_ONLY (");
        List<JsonNode> deciding = new ArrayList<>();
        List<JsonNode> entries = new ArrayList<>();
        for (JsonNode k : e.path("considered")) {
            if (k.path("deciding").asBoolean()) {
                deciding.add(k);
            }
            if (k.path("stage").asText().equals("registry") && !k.path("resource").asText().startsWith("Sidecar ")) {
                entries.add(k);
            }
        }
        if (!registryHadTheLastWord) {
            assertThat(deciding).as("%s decided by %s, yet registry facts claim to decide", r, last)
                    .noneMatch(k -> k.path("stage").asText().equals("registry"));
            return;
        }
        if (!atRegistry) {
            return;
        }
        registryRefusals.incrementAndGet();
        String source = reason.substring("REGISTRY_ONLY (".length(), reason.indexOf("): "));
        if (source.startsWith("Sidecar ")) {
            assertThat(deciding).as("%s: the Sidecar the reason names as the source of REGISTRY_ONLY", r)
                    .anyMatch(k -> k.path("resource").asText().equals(source));
        }
        if (sample.sidecars().stream().anyMatch(s -> s.selectorApp().isPresent()
                && !s.selectorApp().get().equals(r.from().serviceAccount())
                && s.namespace().equals(r.from().namespace()))) {
            bystanders.incrementAndGet();
        }
        String fact = reason.substring(reason.indexOf("): ") + 3);
        fact = fact.substring(fact.indexOf(": ") + 2);
        String blamed = fact;
        Optional<JsonNode> match = deciding.stream().filter(k -> k.path("why").asText().equals(blamed)).findFirst();
        if (match.isPresent()) {
            blamedEntries.incrementAndGet();
            assertThat(match.get().path("resource").asText()).as("%s: the deciding fact of the reason", r)
                    .doesNotStartWith("Sidecar ");
        } else {
            assertThat(fact).as("%s: the reason's fact is none of explain's deciding facts %s", r, deciding)
                    .startsWith("no ServiceEntry declares ");
            assertThat(entries).as("%s: explain lists entries, yet the reason blames none", r).isEmpty();
        }
    }

    private static final AtomicInteger authzDecided = new AtomicInteger();
    private static final AtomicInteger noAllowMatched = new AtomicInteger();
    private static final AtomicInteger routeOrServerDecided = new AtomicInteger();
    private static final java.util.Map<String, Integer> LAST_STEPS = new java.util.concurrent.ConcurrentSkipListMap<>();

    @AfterContainer
    static void enoughStepsOtherThanTheRegistry() {
        System.out.printf("deciding facts: %d decided by a policy rule, %d by no ALLOW matching, %d by a route, server"
                + " or upstream; last steps %s%n", authzDecided.get(), noAllowMatched.get(), routeOrServerDecided.get(),
                LAST_STEPS);
        assertThat(authzDecided.get()).as("decisions by one policy rule").isGreaterThanOrEqualTo(20);
        assertThat(noAllowMatched.get()).as("denials because no ALLOW policy matched").isPositive();
        assertThat(routeOrServerDecided.get()).as("decisions by a route, a Gateway server or an upstream")
                .isGreaterThanOrEqualTo(10);
    }

    /**
     * Every step, not only the registry: the facts explain marks deciding all belong to the stage of the last hop
     * (the step that ended the path); the policy check names is among them; "no ALLOW policy matched" rests on every
     * enforced ALLOW policy that applied, and on nothing else; a last hop that names a resource has that resource
     * among the deciding facts.
     */
    @Property(tries = 100, seed = "1011", shrinking = ShrinkingMode.BOUNDED)
    void decidingFactsAreTheLastStepsOwn(@ForAll("worldsWithRequests") Tuple.Tuple2<World, List<Req>> sample)
            throws IOException {
        Path dir = Files.createTempDirectory("deciding-facts");
        Path file = dir.resolve("world.yaml");
        try {
            Files.writeString(file, sample.get1().yaml());
            for (Req r : sample.get2()) {
                List<String> args = new ArrayList<>(List.of("-f", file.toString(), "-o", "json"));
                args.addAll(r.checkArgs());
                dev.tollgate.cli.lab.InProcessCli.Result check = Main.capture(prepend("check", args));
                if (check.exit() == 2) {
                    continue;
                }
                JsonNode c = JSON.readTree(check.out());
                JsonNode e = JSON.readTree(Main.capture(prepend("explain", args)).out());
                JsonNode hops = c.path("hops");
                JsonNode last = hops.get(hops.size() - 1);
                String stage = last.path("stage").asText();
                List<JsonNode> deciding = new ArrayList<>();
                e.path("considered").forEach(k -> {
                    if (k.path("deciding").asBoolean()) {
                        deciding.add(k);
                    }
                });
                assertThat(deciding).as("%s: deciding facts outside the last hop's stage %s\n%s", r, stage, sample)
                        .allMatch(k -> k.path("stage").asText().equals(stage) && k.path("reached").asBoolean());
                String resource = last.path("resource").asText("");
                LAST_STEPS.merge(last.path("proxy").asText().split(" ")[0] + " " + stage + " "
                        + last.path("outcome").asText() + (resource.isEmpty() ? "" : " +resource"), 1, Integer::sum);
                if (!last.path("resource").isNull() && !resource.isEmpty()) {
                    assertThat(deciding).as("%s: the last hop's resource %s\n%s", r, resource, sample)
                            .anyMatch(k -> k.path("resource").asText().equals(resource));
                    if (!stage.equals("registry") && !stage.equals("authz")) {
                        routeOrServerDecided.incrementAndGet();
                    }
                }
                if (!stage.equals("authz")) {
                    continue;
                }
                if (!c.path("policy").isNull()) {
                    // Envoy's RBAC name, ns[NS]-policy[NAME]-rule[N]
                    java.util.regex.Matcher m = java.util.regex.Pattern.compile("ns\\[(.+?)]-policy\\[(.+?)]")
                            .matcher(c.path("policy").asText());
                    assertThat(m.find()).as("policy %s", c.path("policy")).isTrue();
                    String policy = m.group(1) + "/" + m.group(2);
                    assertThat(deciding).as("%s: check's policy %s\n%s", r, policy, sample)
                            .anyMatch(k -> k.path("resource").asText().equals("AuthorizationPolicy " + policy));
                    authzDecided.incrementAndGet();
                } else if (c.path("reason").asText().contains("no ALLOW policy matched")) {
                    noAllowMatched.incrementAndGet();
                    List<String> allowPolicies = new ArrayList<>();
                    e.path("considered").forEach(k -> {
                        if (k.path("stage").asText().equals("authz") && k.path("applied").asBoolean()
                                && k.path("why").asText().startsWith("ALLOW policy applies")) {
                            allowPolicies.add(k.path("resource").asText());
                        }
                    });
                    assertThat(deciding.stream().map(k -> k.path("resource").asText()).toList())
                            .as("%s: no ALLOW matched rests on the applying ALLOW policies\n%s", r, sample)
                            .isNotEmpty().containsExactlyInAnyOrderElementsOf(allowPolicies);
                }
            }
        } finally {
            Files.deleteIfExists(file);
            Files.deleteIfExists(dir);
        }
    }

    @Provide
    Arbitrary<Tuple.Tuple2<World, List<Req>>> worldsWithRequests() {
        return Worlds.worlds().flatMap(w -> Worlds.requestsFor(w, 8).map(rs -> Tuple.of(w, rs)));
    }

    private static String[] prepend(String command, List<String> args) {
        List<String> all = new ArrayList<>();
        all.add(command);
        all.addAll(args);
        return all.toArray(String[]::new);
    }

    @Provide
    Arbitrary<Sample> samples() {
        Arbitrary<Optional<String>> mode = Arbitraries.of("ALLOW_ANY", "REGISTRY_ONLY", "REGISTRY_ONLY")
                .optional(0.8);
        Arbitrary<List<World.Se>> entries = Worlds.serviceEntries().list().ofMinSize(1).ofMaxSize(4);
        Arbitrary<List<World.Route>> routes = Worlds.routes().list().ofMinSize(0).ofMaxSize(2)
                .uniqueElements(World.Route::host);
        Arbitrary<World> world = Combinators.combine(mode, entries, routes)
                .as((m, es, rs) -> new World(m, es, Optional.empty(), rs, List.of()));
        return Combinators.combine(world, sidecars(), Worlds.requests().list().ofSize(8)).as(Sample::new);
    }

    /** One to four Sidecars, each in a namespace of the pool, selecting or namespace-wide, named uniquely. */
    static Arbitrary<List<Sc>> sidecars() {
        Arbitrary<List<String>> egress = Arbitraries.of(List.<String>of(), List.of("*/*"), List.of("./*"),
                List.of("istio-system/*"), List.of("./*", "istio-system/*"), List.of("*/developers.google.com"),
                List.of("./internal.example.svc.cluster.local"));
        Arbitrary<Tuple.Tuple4<String, Optional<String>, Optional<String>, List<String>>> one = Combinators.combine(
                Arbitraries.of("default", "otherns"), Arbitraries.of("sleep", "sleep-yahoo", "batch").optional(0.5),
                Arbitraries.of("ALLOW_ANY", "REGISTRY_ONLY").optional(0.7), egress).as(Tuple::of);
        return one.list().ofMinSize(1).ofMaxSize(4).map(ts -> {
            List<Sc> out = new ArrayList<>();
            for (int i = 0; i < ts.size(); i++) {
                var t = ts.get(i);
                out.add(new Sc(t.get2().map(app -> app + "-jobs").orElse("default") + "-" + i, t.get1(), t.get2(),
                        t.get3(), t.get4()));
            }
            return out;
        });
    }
}
