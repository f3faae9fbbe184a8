package dev.tollgate.cli.matrix;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * {@code tollgate matrix -o html}: one self-contained page (no fetches, works from file://) that draws the grid of
 * the matrix JSON ({@code tollgate.dev/matrix/v1}) with the script inside it.
 *
 * <p>Host names, reasons and policy names come from user configuration, so they never become markup: the JSON is
 * embedded as a data block in which every {@code <}, {@code >}, {@code &} and non-ASCII character is a JSON
 * {@code \\uXXXX} escape (no {@code </script>}, no U+2028/2029, and an all-ASCII page whatever the terminal's
 * encoding), the script puts strings into the page only as text, and the page's Content-Security-Policy admits no
 * script or style but its own two, by hash.
 */
public final class MatrixHtml {

    public static final String SCHEMA = "tollgate.dev/matrix/v1";

    private static final String RESOURCES = "/dev/tollgate/cli/matrix/";
    private static final String DATA = "{{DATA}}";
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String PREFIX;
    private static final String SUFFIX;

    static {
        String css = resource("matrix.css");
        String js = resource("matrix.js");
        if (css.contains("</") || js.contains("</")) {
            throw new IllegalStateException("matrix.css and matrix.js must not contain '</' (it would end their element)");
        }
        String csp = "default-src 'none'; script-src '" + sha256(js) + "'; style-src '" + sha256(css)
                + "'; img-src 'none'; base-uri 'none'; form-action 'none'";
        String page = resource("matrix.html").replace("{{CSP}}", csp).replace("{{CSS}}", css).replace("{{JS}}", js);
        int at = page.indexOf(DATA);
        PREFIX = page.substring(0, at);
        SUFFIX = page.substring(at + DATA.length());
    }

    private MatrixHtml() {
    }

    /** The page for {@code matrix}, the JSON object that {@code tollgate matrix -o json} prints. */
    public static String render(JsonNode matrix) {
        StringWriter out = new StringWriter();
        try {
            write(matrix, out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    /** Writes the page for {@code matrix} to {@code out} (left open), without building it as one string first. */
    public static void write(JsonNode matrix, Writer out) throws IOException {
        if (matrix == null || !matrix.isObject() || !SCHEMA.equals(matrix.path("schema").asText(null))) {
            throw new IllegalArgumentException("not a matrix: the HTML page needs the JSON object with \"schema\": \""
                    + SCHEMA + "\"");
        }
        write(w -> MAPPER.writeValue(w, matrix), out);
    }

    /**
     * Writes the page with the matrix JSON that {@code json} streams (one {@code tollgate.dev/matrix/v1} object),
     * so that a large matrix need never be a tree or a string. What it writes is escaped on the way, like the tree's.
     */
    public static void write(JsonSource json, Writer out) throws IOException {
        out.write(PREFIX);
        json.writeTo(new ScriptSafe(out));
        out.write(SUFFIX);
        out.flush();
    }

    /** A writer of the matrix JSON, e.g. {@code w -> MatrixJson.write(w, matrix)}. */
    @FunctionalInterface
    public interface JsonSource {
        void writeTo(Writer out) throws IOException;
    }

    /**
     * Rewrites a JSON text so that it is inert inside a script element and pure ASCII. The characters it rewrites
     * can only occur inside JSON strings, where the escape means the same character.
     */
    private static final class ScriptSafe extends Writer {
        private final Writer out;

        ScriptSafe(Writer out) {
            this.out = out;
        }

        @Override
        public void write(char[] buf, int off, int len) throws IOException {
            int start = off;
            for (int i = off; i < off + len; i++) {
                char ch = buf[i];
                if (ch < 0x7f && ch != '<' && ch != '>' && ch != '&') {
                    continue;
                }
                out.write(buf, start, i - start);
                out.write(String.format("\\u%04x", (int) ch));
                start = i + 1;
            }
            out.write(buf, start, off + len - start);
        }

        @Override
        public void flush() throws IOException {
            out.flush();
        }

        /** Jackson closes its target when done; the caller's writer stays open. */
        @Override
        public void close() throws IOException {
            out.flush();
        }
    }

    private static String resource(String name) {
        try (InputStream in = MatrixHtml.class.getResourceAsStream(RESOURCES + name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + RESOURCES + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String sha256(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return "sha256-" + Base64.getEncoder().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
