package dev.tollgate.cli.policytest;

import dev.tollgate.cli.Main;
import dev.tollgate.cli.lab.InProcessCli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.transform.stream.StreamSource;
import javax.xml.validation.SchemaFactory;
import javax.xml.validation.Validator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code tollgate test} through the command line, on the tutorial's files. */
class TestCommandTest {
    private static final Path TUTORIAL = Path.of("..", "examples", "tutorial");
    private static final Path B3 = Path.of("..", "examples", "tests", "tutorial-b3.yaml");

    @TempDir
    Path dir;

    private static InProcessCli.Result run(String... args) {
        List<String> all = new ArrayList<>(List.of("test",
                "-f", "istio-system=" + TUTORIAL.resolve("external-google.yaml"),
                "-f", "istio-system=" + TUTORIAL.resolve("external-yahoo.yaml"),
                "-f", "istio-system=" + TUTORIAL.resolve("authz-deny-google.yaml"),
                "-f", "istio-system=" + TUTORIAL.resolve("authz-deny-yahoo.yaml"),
                "-f", "default=" + TUTORIAL.resolve("sleep.yaml"),
                "-f", "otherns=" + TUTORIAL.resolve("sleep.yaml")));
        all.addAll(List.of(args));
        return Main.capture(all.toArray(String[]::new));
    }

    private Path file(String yaml) throws Exception {
        Path f = Files.createTempFile(dir, "case", ".yaml");
        Files.writeString(f, yaml);
        return f;
    }

    private static String header() {
        return "apiVersion: tollgate.dev/v1\nkind: EgressTest\nmetadata: {name: t}\nspec:\n"
                + "  mesh: {outboundTrafficPolicy: {mode: REGISTRY_ONLY}}\n  cases:\n";
    }

    @Test
    void theTutorialsStepB3PassesAsAnEgressTest() {
        InProcessCli.Result r = run(B3.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("5 passed, 0 failed\n");
        assertThat(r.err()).doesNotContain("warning");
    }

    @Test
    void aWrongExpectationFailsWithItsLineAndChecksReason() throws Exception {
        Path f = file(header() + "  - from: default/sleep\n    request: HEAD http://developer.yahoo.com/\n    expect: allowed\n");
        InProcessCli.Result r = run(f.toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).contains("FAIL " + f + ":7 default/sleep HEAD http://developer.yahoo.com/: expected "
                + "allowed, got denied by istio-system/external-deny-developer-yahoo-com (")
                .endsWith("0 passed, 1 failed\n");
    }

    @Test
    void theRightOutcomeByTheWrongPolicyFails() throws Exception {
        Path f = file(header() + "  - from: default/sleep\n    request: http://developer.yahoo.com/\n    expect: denied\n"
                + "    policy: istio-system/external-deny-developers-google-com\n");
        InProcessCli.Result r = run(f.toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).contains("expected denied by istio-system/external-deny-developers-google-com, got denied "
                + "by istio-system/external-deny-developer-yahoo-com");
    }

    @Test
    void aMeshSettingInTheFileDecides() throws Exception {
        // without spec.mesh the mesh is ALLOW_ANY: an undeclared host passes the sidecar
        Path allowAny = file("apiVersion: tollgate.dev/v1\nkind: EgressTest\nspec:\n  cases:\n"
                + "  - {from: default/sleep, request: https://example.org/, expect: allowed}\n");
        Path registryOnly = file(header() + "  - {from: default/sleep, request: https://example.org/, expect: blocked}\n");
        InProcessCli.Result r = run(allowAny.toString(), registryOnly.toString());
        assertThat(r.out()).isEqualTo("2 passed, 0 failed\n");
        assertThat(r.err()).contains("host example.org appears in no ServiceEntry or VirtualService");
    }

    @Test
    void typosInTheCaseAreWarnedAbout() throws Exception {
        Path f = file(header() + "  - from: defualt/sleep\n    request: http://developers.google.com/\n    expect: blocked\n"
                + "  - from: default/sleep\n    request: http://developers.gogle.com/\n    expect: blocked\n");
        InProcessCli.Result r = run(f.toString());
        assertThat(r.err()).contains(f + ":7: warning: defualt/sleep http://developers.google.com/: namespace defualt "
                + "appears nowhere in the configuration")
                .contains(f + ":10: warning: default/sleep http://developers.gogle.com/: host developers.gogle.com "
                        + "appears in no ServiceEntry or VirtualService");
    }

    @Test
    void testFileErrorsPointAtTheLineAndExit2() throws Exception {
        Path unknown = file(header() + "  - from: default/sleep\n    request: http://developers.google.com/\n"
                + "    expct: allowed\n");
        InProcessCli.Result r = run(unknown.toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains(unknown + ":9: unknown field case.expct");
        Path badExpect = file(header() + "  - {from: default/sleep, request: http://developers.google.com/, expect: ok}\n");
        assertThat(run(badExpect.toString()).err()).contains(":7: expect: ok: use one of allowed, blocked, denied, no-route");
        Path badUrl = file(header() + "  - {from: default/sleep, request: developers.google.com, expect: allowed}\n");
        InProcessCli.Result url = run(badUrl.toString());
        assertThat(url.exit()).isEqualTo(2);
        assertThat(url.err()).contains(badUrl + ":7: ");
        Path notATest = file("apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: x}\nspec: {}\n");
        assertThat(run(notATest.toString()).err()).contains(":1: expected apiVersion tollgate.dev/v1, kind EgressTest");
    }

    @Test
    void junitXmlCountsCasesAndCarriesTheFailure() throws Exception {
        Path f = file(header() + "  - {from: default/sleep, request: http://developers.google.com/, expect: allowed}\n"
                + "  - {from: default/sleep, request: http://developer.yahoo.com/, expect: allowed}\n");
        Path xml = dir.resolve("junit.xml");
        assertThat(run(f.toString(), "--junit", xml.toString()).exit()).isEqualTo(1);
        Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(xml.toFile());
        Element suites = doc.getDocumentElement();
        assertThat(suites.getTagName()).isEqualTo("testsuites");
        assertThat(suites.getAttribute("tests")).isEqualTo("2");
        assertThat(suites.getAttribute("failures")).isEqualTo("1");
        Element suite = (Element) suites.getElementsByTagName("testsuite").item(0);
        assertThat(suite.getAttribute("name")).isEqualTo("t");
        assertThat(doc.getElementsByTagName("testcase").getLength()).isEqualTo(2);
        Element failure = (Element) doc.getElementsByTagName("failure").item(0);
        assertThat(failure.getAttribute("message")).isEqualTo("expected allowed, got denied");
        assertThat(failure.getTextContent()).contains("http://developer.yahoo.com/");
    }

    @Test
    void junitXmlIsValidAgainstTheCiServersSchema() throws Exception {
        Path f = file(header() + "  - {from: default/sleep, request: http://developers.google.com/, expect: allowed}\n"
                + "  - {from: default/sleep, request: http://developer.yahoo.com/, expect: allowed}\n");
        Path xml = dir.resolve("junit.xml");
        run(f.toString(), "--junit", xml.toString());
        Validator validator = SchemaFactory.newInstance(XMLConstants.W3C_XML_SCHEMA_NS_URI)
                .newSchema(TestCommandTest.class.getResource("/junit/junit.xsd")).newValidator();
        validator.validate(new StreamSource(xml.toFile()));
        // the schema can refuse: a testsuite without its name is no JUnit report
        Path broken = dir.resolve("broken.xml");
        Files.writeString(broken, Files.readString(xml).replace("<testsuite name=\"t\"", "<testsuite"));
        assertThatThrownBy(() -> validator.validate(new StreamSource(broken.toFile())))
                .hasMessageContaining("name");
    }
}
