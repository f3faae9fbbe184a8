package dev.tollgate.cli.matrix;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * {@code tollgate diff --git REV PATH...}: the same paths as git has them at REV, copied into a temporary folder
 * with {@code git show REV:file} (nothing in the working tree is touched). File names print as {@code REV:path}.
 */
public final class GitRevision implements AutoCloseable {
    private final String rev;
    private final Path top;
    private final Path dir;

    /** @throws IllegalArgumentException outside a git work tree, or for a revision git does not know */
    public GitRevision(String rev, Path cwd) {
        if (rev.isEmpty() || rev.startsWith("-")) {
            throw new IllegalArgumentException("--git " + rev + ": expected a revision, e.g. HEAD or main");
        }
        this.rev = rev;
        Run top = git(cwd, null, "rev-parse", "--show-toplevel");
        if (top.exit != 0) {
            throw new IllegalArgumentException("--git: " + cwd.toAbsolutePath() + " is not inside a git repository ("
                    + top.err.strip() + ")");
        }
        Path t = Path.of(top.out.strip());
        try {
            t = t.toRealPath();
        } catch (IOException e) {
            // keep git's name for it
        }
        this.top = t;
        if (git(cwd, null, "rev-parse", "--verify", "--quiet", rev + "^{commit}").exit != 0) {
            throw new IllegalArgumentException("--git " + rev + ": no such revision in " + this.top);
        }
        try {
            this.dir = Files.createTempDirectory("tollgate-diff-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The copy of {@code [NAMESPACE=]PATH} at the revision, as a -f argument; empty when the path did not exist then.
     */
    public java.util.Optional<String> copy(String argument, Consumer<String> note) {
        int eq = argument.indexOf('=');
        String prefix = eq > 0 && !argument.substring(0, eq).contains("/") ? argument.substring(0, eq + 1) : "";
        Path path = Path.of(argument.substring(prefix.length())).toAbsolutePath().normalize();
        Path real;
        try {
            real = Files.exists(path) ? path.toRealPath() : path;
        } catch (IOException e) {
            real = path;
        }
        if (!real.startsWith(top)) {
            throw new IllegalArgumentException("--git: " + argument + " is outside the repository " + top);
        }
        String rel = top.relativize(real).toString().replace(File.separatorChar, '/');
        Run ls = git(top, null, "ls-tree", "-r", "--name-only", rev, "--", rel.isEmpty() ? "." : rel);
        if (ls.exit != 0) {
            throw new IllegalArgumentException("--git: git ls-tree: " + ls.err.strip());
        }
        List<String> files = ls.out.lines().filter(l -> !l.isBlank()).toList();
        if (files.isEmpty()) {
            note.accept("note: " + rel + " did not exist at " + rev + "; the old side has none of it");
            return java.util.Optional.empty();
        }
        for (String f : files) {
            Path target = dir.resolve(f);
            try {
                Files.createDirectories(target.getParent());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Run show = git(top, target.toFile(), "show", rev + ":" + f);
            if (show.exit != 0) {
                throw new IllegalArgumentException("--git: git show " + rev + ":" + f + ": " + show.err.strip());
            }
        }
        return java.util.Optional.of(prefix + dir.resolve(rel.isEmpty() ? "." : rel));
    }

    /** A file name as the report prints it: the copy's as {@code REV:path}. */
    public String display(String source) {
        String d = dir.toString() + File.separator;
        return source.startsWith(d) ? rev + ":" + source.substring(d.length()) : source;
    }

    private record Run(int exit, String out, String err) {
    }

    private static Run git(Path cwd, File output, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add("git");
        cmd.addAll(List.of(args));
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile());
            if (output != null) {
                pb.redirectOutput(output);
            }
            Process p = pb.start();
            p.getOutputStream().close();
            var err = p.getErrorStream();
            String out = output == null ? new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8) : "";
            String e = new String(err.readAllBytes(), StandardCharsets.UTF_8);
            return new Run(p.waitFor(), out, e);
        } catch (IOException e) {
            throw new IllegalArgumentException("--git: cannot run git: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
