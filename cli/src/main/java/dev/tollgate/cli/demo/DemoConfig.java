package dev.tollgate.cli.demo;

import dev.tollgate.config.ConfigSource;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The files the demo's proxies watch, and how a step rewrites them: the way the tutorial applies YAML with
 * {@code kubectl apply -n NAMESPACE}, but to files.
 *
 * <p>One file per namespace ({@code default.yaml}, {@code otherns.yaml}, {@code istio-system.yaml}, given to the
 * proxies as {@code -f NAMESPACE=FILE}) and {@code mesh.yaml} for the mesh settings (an IstioOperator). A step
 * writes the whole configuration in force, not a delta. Files are replaced by an atomic move, so a watcher
 * never reads half a file; a file whose content does not change is not touched.
 */
public final class DemoConfig {

    public static final String MESH_FILE = "mesh.yaml";
    private static final String RESOURCE_DIR = "/demo/";

    private final Path dir;

    public DemoConfig(Path dir) {
        this.dir = dir;
    }

    public Path dir() {
        return dir;
    }

    public Path meshFile() {
        return dir.resolve(MESH_FILE);
    }

    public Path namespaceFile(String namespace) {
        return dir.resolve(namespace + ".yaml");
    }

    /** What every proxy is started with: {@code -f NS=FILE} for each namespace, then the mesh file. */
    public List<ConfigSource> sources() {
        List<ConfigSource> out = new ArrayList<>();
        for (String ns : Scenario.NAMESPACES) {
            out.add(new ConfigSource(namespaceFile(ns), Optional.of(ns)));
        }
        out.add(new ConfigSource(meshFile(), Optional.empty()));
        return List.copyOf(out);
    }

    /** The same, as command-line arguments: {@code -f default=DIR/default.yaml ...}. */
    public List<String> sourceArguments() {
        List<String> out = new ArrayList<>();
        for (ConfigSource s : sources()) {
            out.add("-f");
            out.add(s.namespace().map(ns -> ns + "=").orElse("") + s.path());
        }
        return List.copyOf(out);
    }

    /** Writes the configuration of {@code step}. @return the files whose content changed */
    public List<Path> apply(Step step) {
        try {
            Files.createDirectories(dir);
            List<Path> changed = new ArrayList<>();
            // namespaces first and the mesh mode last: a step that tightens the mode then sees its registry ready
            for (String ns : Scenario.NAMESPACES) {
                StringBuilder content = new StringBuilder("# tollgate demo, step " + step.id() + ": applied in namespace " + ns + "\n");
                for (String fixture : step.config().getOrDefault(ns, List.of())) {
                    content.append("---\n# ").append(fixture).append('\n').append(fixture(fixture));
                }
                if (write(namespaceFile(ns), content.toString())) {
                    changed.add(namespaceFile(ns));
                }
            }
            if (write(meshFile(), "# tollgate demo, step " + step.id() + ": mesh settings\n" + fixture(step.mesh()))) {
                changed.add(meshFile());
            }
            return List.copyOf(changed);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the demo configuration in " + dir + ": " + e.getMessage(), e);
        }
    }

    /** The text of a fixture in {@code src/main/resources/demo/}, ending with a newline. */
    public static String fixture(String name) {
        try (InputStream in = DemoConfig.class.getResourceAsStream(RESOURCE_DIR + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no demo fixture " + name);
            }
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return text.endsWith("\n") ? text : text + "\n";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean write(Path file, String content) throws IOException {
        // the step id in the header line changes every step; compare the resources, not the header
        if (Files.exists(file) && body(Files.readString(file)).equals(body(content))) {
            return false;
        }
        Path tmp = Files.createTempFile(file.getParent(), "." + file.getFileName(), ".tmp");
        try {
            Files.writeString(tmp, content);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
        return true;
    }

    private static String body(String content) {
        int nl = content.indexOf('\n');
        return nl < 0 ? "" : content.substring(nl + 1);
    }
}
