package dev.tollgate.config;

import dev.tollgate.core.model.Origin;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;

/** Which files a folder holds for loading, and reading one as UTF-8 text within the size limit. */
final class ConfigFiles {
    private ConfigFiles() {
    }

    /**
     * The *.yaml, *.yml and *.json files in {@code dir} (and its subfolders if {@code recursive}, as kubectl's
     * {@code -R}), in path order, so a load is the same on every machine. Hidden entries (a name starting with '.')
     * are skipped: a mounted Kubernetes ConfigMap holds each file twice, once behind the {@code ..data} link and once
     * in a hidden timestamped folder.
     */
    static List<Path> filesOf(Path dir, boolean recursive) throws IOException {
        try (Stream<Path> walk = Files.walk(dir, recursive ? Integer.MAX_VALUE : 1)) {
            return walk.filter(f -> !hidden(dir.relativize(f))).filter(Files::isRegularFile)
                    .filter(ConfigFiles::isConfigFile).sorted().toList();
        }
    }

    private static boolean hidden(Path relative) {
        for (Path part : relative) {
            if (part.toString().startsWith(".")) {
                return true;
            }
        }
        return false;
    }

    private static void tooLarge(String name, String size, long max, Problems.Scoped p) {
        p.error("file-too-large", new Origin(name, 0, 0), "", name + " is " + size + ", larger than the limit of "
                + YamlLimits.describe(max) + " per file (--max-config-file-size); Kubernetes stores an object in at "
                + "most 1.5 MiB");
    }

    static boolean isConfigFile(Path p) {
        String name = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return name.endsWith(".yaml") || name.endsWith(".yml") || name.endsWith(".json");
    }

    /**
     * The file as text, or empty after an error that names the file: too large (checked before reading, and again
     * while reading, in case it grows in between) or not UTF-8 (the byte and its offset, not the decoder's
     * "Input length = 1").
     */
    static Optional<String> text(Path path, YamlLimits limits, Problems.Scoped p) {
        long max = limits.maxFileBytes();
        byte[] bytes;
        try (InputStream in = Files.newInputStream(path)) {
            long size = Files.size(path);
            if (size > max) {
                tooLarge(path.toString(), size + " bytes", max, p);
                return Optional.empty();
            }
            bytes = in.readNBytes((int) max + 1);
        } catch (IOException e) {
            p.error("unreadable-file", new Origin(path.toString(), 0, 0), "", "cannot read " + path + ": "
                    + e.getMessage());
            return Optional.empty();
        }
        return text(path.toString(), bytes, limits, p);
    }

    /** Bytes read elsewhere (standard input) as text, under the same limit and UTF-8 check as a file. */
    static Optional<String> text(String name, byte[] bytes, YamlLimits limits, Problems.Scoped p) {
        long max = limits.maxFileBytes();
        if (bytes.length > max) {
            tooLarge(name, "more than " + max + " bytes", max, p);
            return Optional.empty();
        }
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult r = utf8.decode(in, out, true);
        if (!r.isError()) {
            r = utf8.flush(out);
        }
        if (r.isError()) {
            int offset = in.position();
            int line = 1;
            int lineStart = 0;
            for (int i = 0; i < offset; i++) {
                if (bytes[i] == '\n') {
                    line++;
                    lineStart = i + 1;
                }
            }
            p.error("not-utf8", new Origin(name, line, offset - lineStart + 1), "", String.format(
                    "%s is not UTF-8 text (byte 0x%02X at offset %d, line %d); YAML files must be UTF-8", name,
                    bytes[offset] & 0xff, offset, line));
            return Optional.empty();
        }
        return Optional.of(out.flip().toString());
    }
}
