package dev.tollgate.cli.policytest;

import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * JUnit XML as GitLab, GitHub Actions reporters and Jenkins read it: one {@code testsuite} per EgressTest (its
 * {@code metadata.name}), one {@code testcase} per case, a {@code failure} with check's reason when it failed.
 */
public final class JunitReport {
    private JunitReport() {
    }

    public static void write(Path file, List<CaseResult> results) throws IOException {
        Map<String, List<CaseResult>> suites = new LinkedHashMap<>();
        for (CaseResult r : results) {
            suites.computeIfAbsent(r.testCase().suite(), k -> new java.util.ArrayList<>()).add(r);
        }
        try (OutputStream out = Files.newOutputStream(file)) {
            XMLStreamWriter x = XMLOutputFactory.newInstance().createXMLStreamWriter(out, "UTF-8");
            x.writeStartDocument("UTF-8", "1.0");
            x.writeStartElement("testsuites");
            x.writeAttribute("name", "tollgate test");
            x.writeAttribute("tests", Integer.toString(results.size()));
            x.writeAttribute("failures", Long.toString(results.stream().filter(r -> !r.passed()).count()));
            for (Map.Entry<String, List<CaseResult>> suite : suites.entrySet()) {
                List<CaseResult> cases = suite.getValue();
                x.writeStartElement("testsuite");
                x.writeAttribute("name", suite.getKey());
                x.writeAttribute("tests", Integer.toString(cases.size()));
                x.writeAttribute("failures", Long.toString(cases.stream().filter(r -> !r.passed()).count()));
                x.writeAttribute("errors", "0");
                x.writeAttribute("skipped", "0");
                x.writeAttribute("time", seconds(cases.stream().mapToLong(CaseResult::nanos).sum()));
                for (CaseResult r : cases) {
                    x.writeStartElement("testcase");
                    x.writeAttribute("classname", suite.getKey());
                    x.writeAttribute("name", r.testCase().title() + " -> " + r.testCase().expect());
                    x.writeAttribute("file", r.testCase().file().toString());
                    x.writeAttribute("line", Integer.toString(r.testCase().line()));
                    x.writeAttribute("time", seconds(r.nanos()));
                    if (!r.passed()) {
                        x.writeStartElement("failure");
                        x.writeAttribute("type", "EgressDecision");
                        x.writeAttribute("message", "expected " + r.testCase().expect() + ", got " + r.outcome());
                        x.writeCharacters(r.failureLine());
                        x.writeEndElement();
                    }
                    x.writeEndElement();
                }
                x.writeEndElement();
            }
            x.writeEndElement();
            x.writeEndDocument();
            x.close();
        } catch (XMLStreamException e) {
            throw new IOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private static String seconds(long nanos) {
        return String.format(Locale.ROOT, "%.6f", nanos / 1e9);
    }
}
