package dev.tollgate.cli.policytest;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Reads {@code tollgate.dev/v1 EgressTest} files: strictly, since a misspelt key in a test would quietly test
 * something else. Other documents in the same stream are an error too: test files are not configuration.
 */
public final class EgressTestFiles {
    static final String API_VERSION = "tollgate.dev/v1";
    static final Set<String> EXPECTATIONS = Set.of("allowed", "blocked", "denied", "no-route");
    private static final Set<String> TOP = Set.of("apiVersion", "kind", "metadata", "spec");
    private static final Set<String> SPEC = Set.of("mesh", "cases");
    private static final Set<String> CASE = Set.of("from", "labels", "request", "expect", "policy");

    private EgressTestFiles() {
    }

    /** The cases of every file given, and of every .yaml/.yml file in a folder given (sorted, not recursive). */
    public static List<EgressTestCase> read(List<Path> paths) {
        List<EgressTestCase> out = new ArrayList<>();
        for (Path p : paths) {
            for (Path file : files(p)) {
                out.addAll(readFile(file));
            }
        }
        return out;
    }

    private static List<Path> files(Path p) {
        if (!Files.isDirectory(p)) {
            return List.of(p);
        }
        try (Stream<Path> s = Files.list(p)) {
            List<Path> files = s.filter(f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".yml"))
                    .sorted().toList();
            if (files.isEmpty()) {
                throw new IllegalArgumentException(p + ": no .yaml or .yml test files in this folder");
            }
            return files;
        } catch (IOException e) {
            throw new IllegalArgumentException(p + ": " + e.getMessage(), e);
        }
    }

    static List<EgressTestCase> readFile(Path file) {
        List<YamlNode> docs;
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            docs = YamlNode.documents(in);
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage().lines().findFirst().orElse(""), e);
        }
        List<EgressTestCase> out = new ArrayList<>();
        try {
            for (YamlNode doc : docs) {
                if (doc.value() == null) {
                    continue;
                }
                out.addAll(document(file, doc));
            }
        } catch (TestFileException e) {
            throw new IllegalArgumentException(file + ":" + e.line() + ": " + e.getMessage(), e);
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(file + ": no test cases (an EgressTest needs spec.cases)");
        }
        return out;
    }

    private static List<EgressTestCase> document(Path file, YamlNode doc) {
        Map<String, YamlNode> top = doc.map("an EgressTest");
        RequestFields.known(top, TOP, "");
        String apiVersion = text(top, "apiVersion", doc);
        String kind = text(top, "kind", doc);
        if (!API_VERSION.equals(apiVersion) || !"EgressTest".equals(kind)) {
            throw new TestFileException(doc.line(), "expected apiVersion " + API_VERSION + ", kind EgressTest; found "
                    + apiVersion + " " + kind);
        }
        YamlNode metadata = top.get("metadata");
        String name = metadata == null ? file.getFileName().toString()
                : Optional.ofNullable(metadata.map("metadata").get("name")).map(n -> n.text("metadata.name"))
                .orElse(file.getFileName().toString());
        YamlNode specNode = require(top, "spec", doc);
        Map<String, YamlNode> spec = specNode.map("spec");
        RequestFields.known(spec, SPEC, "spec.");
        List<String> mesh = new ArrayList<>();
        if (spec.containsKey("mesh")) {
            flatten("meshConfig", spec.get("mesh"), mesh);
        }
        YamlNode cases = require(spec, "cases", specNode);
        List<EgressTestCase> out = new ArrayList<>();
        for (YamlNode c : cases.list("spec.cases")) {
            out.add(testCase(file, name, List.copyOf(mesh), c));
        }
        return out;
    }

    private static EgressTestCase testCase(Path file, String suite, List<String> mesh, YamlNode node) {
        Map<String, YamlNode> c = node.map("a case");
        RequestFields.known(c, CASE, "case.");
        String from = text(c, "from", node);
        Map<String, String> labels = RequestFields.labels(c);
        YamlNode request = require(c, "request", node);
        RequestFields.Request r;
        if (request.value() instanceof String line) {
            r = RequestFields.request(from, labels, line, request);
        } else {
            Map<String, YamlNode> map = request.map("request");
            RequestFields.known(map, RequestFields.REQUEST, "request.");
            r = RequestFields.request(from, labels, map, request);
        }
        String expect = text(c, "expect", node);
        if (!EXPECTATIONS.contains(expect)) {
            throw new TestFileException(c.get("expect").line(), "expect: " + expect + ": use one of allowed, blocked, "
                    + "denied, no-route");
        }
        Optional<String> policy = c.containsKey("policy") ? Optional.of(c.get("policy").text("policy")) : Optional.empty();
        if (policy.isPresent() && policy.get().split("/").length != 2) {
            throw new TestFileException(c.get("policy").line(), "policy: expected NAMESPACE/NAME, found " + policy.get());
        }
        return new EgressTestCase(file, node.line(), suite, mesh, r.from(), r.labels(), r.method(), r.url(),
                r.headers(), expect, policy);
    }

    /** {@code spec.mesh} as --set does it: {@code meshConfig.outboundTrafficPolicy.mode=REGISTRY_ONLY}. */
    private static void flatten(String prefix, YamlNode node, List<String> out) {
        if (node.value() instanceof Map<?, ?>) {
            node.map(prefix).forEach((k, v) -> flatten(prefix + "." + k, v, out));
        } else {
            out.add(prefix + "=" + node.text(prefix));
        }
    }

    private static YamlNode require(Map<String, YamlNode> map, String key, YamlNode parent) {
        YamlNode n = map.get(key);
        if (n == null || n.value() == null) {
            throw new TestFileException(parent.line(), "missing " + key);
        }
        return n;
    }

    private static String text(Map<String, YamlNode> map, String key, YamlNode parent) {
        return require(map, key, parent).text(key);
    }
}
