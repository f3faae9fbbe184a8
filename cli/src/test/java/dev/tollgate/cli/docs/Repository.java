package dev.tollgate.cli.docs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The repository the tests run in. Maven runs each module's tests in the module's folder, so the root is found by
 * walking up from the working directory to the folder that holds both the parent pom and the README.
 */
public final class Repository {

    private Repository() {
    }

    public static Path root() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.isRegularFile(d.resolve("pom.xml")) && Files.isRegularFile(d.resolve("README.md"))
                    && Files.isDirectory(d.resolve("examples"))) {
                return d;
            }
        }
        throw new IllegalStateException("no repository root (pom.xml, README.md, examples/) above "
                + Path.of("").toAbsolutePath());
    }

    /**
     * Every Markdown file of the repository: what git tracks plus new files it does not ignore, so a document
     * added in the same change is checked before its first commit. Without git (a source archive), every *.md
     * outside build output and hidden folders.
     */
    public static List<Path> markdownFiles() {
        Path root = root();
        List<Path> files = gitMarkdown(root);
        if (files == null) {
            try (Stream<Path> walk = Files.walk(root)) {
                files = walk.filter(p -> p.toString().endsWith(".md"))
                        .filter(p -> {
                            for (Path part : root.relativize(p)) {
                                if (part.toString().startsWith(".") || part.toString().equals("target")) {
                                    return false;
                                }
                            }
                            return true;
                        }).sorted().toList();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return files;
    }

    /** The files git tracks (and new ones it does not ignore) that match a pathspec; null without git. */
    public static List<Path> gitFiles(String pathspec) {
        return git(root(), pathspec);
    }

    private static List<Path> gitMarkdown(Path root) {
        return git(root, "*.md");
    }

    private static List<Path> git(Path root, String pathspec) {
        try {
            Process p = new ProcessBuilder("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard",
                    "--", pathspec).directory(root.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                return null;
            }
            List<Path> files = new ArrayList<>();
            for (String name : out.split("\0")) {
                // a file deleted in the working tree but still in the index is no document any more
                if (!name.isEmpty() && Files.isRegularFile(root.resolve(name))) {
                    files.add(root.resolve(name));
                }
            }
            return files.stream().distinct().sorted().toList();
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
