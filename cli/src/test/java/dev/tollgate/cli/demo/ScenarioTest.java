package dev.tollgate.cli.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.tollgate.cli.docs.MarkdownTables;
import dev.tollgate.cli.docs.Repository;
import dev.tollgate.config.ConfigLoader;
import dev.tollgate.config.LoadOptions;
import dev.tollgate.config.LoadResult;
import dev.tollgate.core.model.Diagnostic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static dev.tollgate.cli.demo.DemoWorkload.DEFAULT_SLEEP;
import static dev.tollgate.cli.demo.DemoWorkload.OTHERNS_SLEEP;
import static dev.tollgate.cli.demo.DemoWorkload.SLEEP_GOOGLE;
import static dev.tollgate.cli.demo.DemoWorkload.SLEEP_YAHOO;
import static dev.tollgate.cli.demo.Scenario.GOOGLE;
import static dev.tollgate.cli.demo.Scenario.YAHOO;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The scenario table says what docs/tutorial.md says: the tutorial's tables are read from the page users read, so a
 * change to either side shows up here.
 */
class ScenarioTest {

    private static final List<Step> STEPS = Scenario.tutorial();

    static String tutorial() throws IOException {
        return Files.readString(Repository.root().resolve("docs/tutorial.md"));
    }

    /** The rows of the step tables (first header cell "step"): step id → the other cells. */
    static Map<String, List<String>> rows(String markdown) {
        Map<String, List<String>> rows = new LinkedHashMap<>();
        for (MarkdownTables.Table t : MarkdownTables.tables(markdown)) {
            if (t.header().getFirst().equals("step")) {
                for (List<String> r : t.rows()) {
                    assertThat(rows.put(r.getFirst(), r.subList(1, r.size()))).as("one row for " + r.getFirst()).isNull();
                }
            }
        }
        return rows;
    }

    static Step step(String id) {
        return java.util.stream.Stream.concat(STEPS.stream(), Scenario.gatewayApi().stream())
                .filter(s -> s.id().equals(id)).findFirst().orElseThrow();
    }

    static Outcome expected(Step step, DemoWorkload from, String url) {
        List<Outcome> matches = step.checks().stream().filter(c -> c.from().equals(from) && c.url().equals(url))
                .map(Check::expected).toList();
        assertThat(matches).as("%s: one check for %s -> %s", step.id(), from, url).hasSize(1);
        return matches.getFirst();
    }

    @Test
    void stepsAreEveryStepOfPartsAAndBInOrder() {
        assertThat(STEPS).extracting(Step::id)
                .containsExactly("A1", "A2", "A3", "A4", "A5", "A6", "B0", "B1", "B2", "B3", "B4", "B5");
    }

    static List<String> tableSteps() {
        return List.of("A1", "A2", "A3", "A4", "A5", "A6", "B0", "B1", "B2", "B3");
    }

    /**
     * The tutorial's step tables, A1-A6 (https://) and B0-B3 (http://): columns default → google, default → yahoo,
     * otherns → google, otherns → yahoo.
     */
    @ParameterizedTest
    @MethodSource("tableSteps")
    void matchesTheTutorialsTable(String id) throws IOException {
        List<String> row = rows(tutorial()).get(id);
        assertThat(row).as("docs/tutorial.md has a row for " + id).isNotNull();
        List<String> cells = row.subList(row.size() - 4, row.size());
        Step step = step(id);
        boolean partA = id.startsWith("A");
        String g = partA ? Scenario.https(GOOGLE) : Scenario.http(GOOGLE);
        String y = partA ? Scenario.https(YAHOO) : Scenario.http(YAHOO);
        assertThat(List.of(expected(step, DEFAULT_SLEEP, g), expected(step, DEFAULT_SLEEP, y),
                expected(step, OTHERNS_SLEEP, g), expected(step, OTHERNS_SLEEP, y)))
                .extracting(Outcome::label).containsExactlyElementsOf(cells);
        assertThat(step.checks()).hasSize(id.equals("B0") ? 8 : 4);
    }

    @Test
    void theStepTablesHaveEveryTableStepAndNoOther() throws IOException {
        assertThat(rows(tutorial()).keySet()).containsExactlyElementsOf(tableSteps());
    }

    @Test
    void b0BlocksEverythingOverBothSchemes() throws IOException {
        assertThat(tutorial()).contains("every request from both clients is\nblocked again, over either scheme.");
        Step b0 = step("B0");
        assertThat(b0.config().values()).allMatch(List::isEmpty);
        assertThat(b0.mesh()).isEqualTo(Scenario.REGISTRY_ONLY);
        assertThat(b0.checks()).isNotEmpty().allMatch(c -> c.expected() == Outcome.BLOCKED);
        assertThat(b0.checks()).extracting(Check::from).containsOnly(DEFAULT_SLEEP, OTHERNS_SLEEP);
        assertThat(b0.checks()).extracting(Check::url).containsOnly(
                Scenario.http(GOOGLE), Scenario.http(YAHOO), Scenario.https(GOOGLE), Scenario.https(YAHOO));
    }

    @Test
    void b4MatchesThePerWorkloadTable() throws IOException {
        MarkdownTables.Table table = MarkdownTables.under(tutorial(), "B4");
        Step b4 = step("B4");
        assertThat(table.rows()).extracting(List::getFirst)
                .containsExactly(SLEEP_GOOGLE.name(), SLEEP_YAHOO.name(), OTHERNS_SLEEP.name());
        for (DemoWorkload w : List.of(SLEEP_GOOGLE, SLEEP_YAHOO, OTHERNS_SLEEP)) {
            assertThat(List.of(expected(b4, w, Scenario.http(GOOGLE)).label(), expected(b4, w, Scenario.http(YAHOO)).label()))
                    .as(w.name()).isEqualTo(table.row(w.name()).subList(1, 3));
        }
        assertThat(b4.checks()).hasSize(6);
    }

    @Test
    void b5MatchesThePerWorkloadTable() throws IOException {
        MarkdownTables.Table table = MarkdownTables.under(tutorial(), "B5");
        Step b5 = step("B5");
        assertThat(table.rows()).extracting(List::getFirst)
                .containsExactlyInAnyOrderElementsOf(Scenario.WORKLOADS.stream().map(DemoWorkload::name).toList());
        for (DemoWorkload w : Scenario.WORKLOADS) {
            assertThat(List.of(expected(b5, w, Scenario.https(GOOGLE)).label(), expected(b5, w, Scenario.https(YAHOO)).label()))
                    .as(w.name()).isEqualTo(table.row(w.name()).subList(1, 3));
        }
        assertThat(b5.checks()).hasSize(8);
        assertThat(b5.config().get("istio-system")).contains("external-google-https.yaml", "external-yahoo-https.yaml");
    }

    @Test
    void partAIsHttpsAndPartBOneToFourIsHttp() {
        for (Step s : STEPS) {
            String scheme = s.id().startsWith("A") || s.id().equals("B5") ? "https://" : s.id().equals("B0") ? "" : "http://";
            assertThat(s.checks()).as(s.id()).allMatch(c -> c.url().startsWith(scheme));
        }
    }

    @Test
    void partAAppliesServiceEntriesOnlyInTheWorkloadNamespaces() {
        // "+ google ServiceEntry (exportTo: ["."]) applied in default", "+ the same applied in otherns", ...
        assertThat(step("A3").config()).isEqualTo(Map.of("default", List.of("serviceentry-google.yaml")));
        assertThat(step("A6").config().get("otherns")).containsExactlyInAnyOrder("serviceentry-google.yaml", "serviceentry-yahoo.yaml");
        assertThat(step("A1").mesh()).isEqualTo(Scenario.ALLOW_ANY);
        assertThat(STEPS.subList(1, STEPS.size())).allMatch(s -> s.mesh().equals(Scenario.REGISTRY_ONLY));
    }

    @Test
    void b2KeepsTheTutorialsMisplacedAllowPolicyInDefault() {
        // docs/tutorial.md B2: the file "has no namespace and is applied without one, so it lands in `default`".
        assertThat(step("B2").config().get("default")).containsExactly("authz-allow-google.yaml");
        assertThat(step("B2").config().get("istio-system")).contains("authz-allow-nothing.yaml");
        assertThat(step("B3").config().get("istio-system")).doesNotContain("authz-allow-nothing.yaml");
    }

    @Test
    void everyWorkloadOfTheScenarioIsKnown() {
        Set<DemoWorkload> used = STEPS.stream().flatMap(s -> s.checks().stream()).map(Check::from).collect(Collectors.toSet());
        assertThat(Scenario.WORKLOADS).containsExactlyInAnyOrderElementsOf(used);
    }

    static List<String> fixtures() {
        return Scenario.fixtures();
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void everyFixtureIsIstioYaml(String name) throws IOException {
        YAMLMapper yaml = new YAMLMapper(new YAMLFactory());
        List<JsonNode> docs = yaml.readValues(yaml.getFactory().createParser(DemoConfig.fixture(name)), JsonNode.class)
                .readAll().stream().filter(n -> n != null && !n.isNull() && !n.isMissingNode()).toList();
        assertThat(docs).isNotEmpty();
        for (JsonNode doc : docs) {
            assertThat(doc.path("apiVersion").asText()).matches("(networking|security)\\.istio\\.io/v1(alpha3|beta1)?|install\\.istio\\.io/v1alpha1"
                    + "|gateway\\.networking\\.k8s\\.io/v1(alpha2)?");
            assertThat(doc.path("metadata").path("name").asText()).isNotEmpty();
        }
    }

    static List<String> stepIds() {
        return java.util.stream.Stream.concat(STEPS.stream(), Scenario.gatewayApi().stream()).map(Step::id).toList();
    }

    /** What the proxies will load: each step's files, as DemoConfig writes them, load without an error or warning. */
    @ParameterizedTest
    @MethodSource("stepIds")
    void everyStepsConfigurationLoadsCleanly(String id, @TempDir Path dir) {
        DemoConfig config = new DemoConfig(dir);
        config.apply(step(id));
        LoadResult result = ConfigLoader.load(config.sources(), new LoadOptions("default", Map.of()));
        assertThat(result.ok()).as("%s: %s", id, result.diagnostics()).isTrue();
        assertThat(result.diagnostics()).as(id).noneMatch(d -> d.severity() != Diagnostic.Severity.INFO);
        String expectedMode = step(id).mesh().equals(Scenario.ALLOW_ANY) ? "ALLOW_ANY" : "REGISTRY_ONLY";
        assertThat(result.config().orElseThrow().mesh().outboundMode().name()).isEqualTo(expectedMode);
    }

    @Test
    void principalPoliciesNameTheDemoWorkloads() {
        String yahooDenied = DemoConfig.fixture("authz-deny-yahoo-custom.yaml");
        assertThat(yahooDenied).contains("cluster.local/ns/otherns/sa/sleep-google").contains("developer.yahoo.com");
        assertThat(DemoConfig.fixture("authz-deny-google-custom.yaml")).contains("cluster.local/ns/otherns/sa/sleep-yahoo");
    }
}
