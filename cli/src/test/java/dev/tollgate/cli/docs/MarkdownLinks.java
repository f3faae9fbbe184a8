package dev.tollgate.cli.docs;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The links of a Markdown document and the anchors its headings make, read the way GitHub renders them. No
 * CommonMark parser is available offline, so this reads the subset the project writes: ATX headings ({@code ## x}),
 * fenced and indented code (which hold no links), code spans, inline links and images {@code [text](target)},
 * reference definitions {@code [id]: target}, autolinks {@code <https://...>} and HTML {@code id}/{@code name}
 * anchors. Setext headings are not read: an anchor to one is reported missing, never passed silently.
 */
final class MarkdownLinks {

    /** One link: the line it is on (1-based) and its target as written. */
    record Link(int line, String target) {
    }

    private static final Pattern FENCE = Pattern.compile("^ {0,3}(`{3,}|~{3,})");
    private static final Pattern HEADING = Pattern.compile("^ {0,3}(#{1,6})[ \\t]+(.*?)(?:[ \\t]+#+)?[ \\t]*$");
    private static final Pattern CODE_SPAN = Pattern.compile("(`+)(.+?)\\1");
    // [text](target) or ![alt](target); the text may hold one level of brackets, the target may be <...>
    private static final Pattern INLINE = Pattern.compile(
            "!?\\[((?:[^\\[\\]]|\\[[^\\[\\]]*\\])*)\\]\\(\\s*(<[^>]*>|[^\\s)]*(?:\\([^\\s)]*\\)[^\\s)]*)*)(?:\\s+(?:\"[^\"]*\"|'[^']*'))?\\s*\\)");
    private static final Pattern REFERENCE = Pattern.compile("^ {0,3}\\[[^\\]]+\\]:\\s*(\\S+)");
    private static final Pattern AUTOLINK = Pattern.compile("<(https?://[^>\\s]*)>");
    private static final Pattern HTML_ANCHOR = Pattern.compile("<[a-zA-Z][^>]*\\s(?:id|name)=\"([^\"]+)\"");

    private MarkdownLinks() {
    }

    /** The lines that are prose: code blocks blanked, code spans removed, so their contents never count. */
    static List<String> prose(String markdown) {
        List<String> out = new ArrayList<>();
        String fence = null;
        boolean previousBlank = true;
        boolean inIndentedCode = false;
        boolean inList = false;
        for (String line : markdown.split("\n", -1)) {
            Matcher f = FENCE.matcher(line);
            if (fence != null) {
                char mark = fence.charAt(0);
                if (f.find() && f.group(1).charAt(0) == mark && f.group(1).length() >= fence.length()
                        && line.strip().chars().allMatch(c -> c == mark)) {
                    fence = null;
                }
                out.add("");
                continue;
            }
            if (f.find()) {
                fence = f.group(1);
                out.add("");
                continue;
            }
            boolean blank = line.isBlank();
            boolean indented = line.startsWith("    ") || line.startsWith("\t");
            if (!indented && !blank) {
                inList = line.matches("^ {0,3}(?:[*+-]|\\d+[.)])[ \\t].*");
                inIndentedCode = false;
            }
            // an indented block opens after a blank line, unless it continues a list item
            if (indented && (inIndentedCode || (previousBlank && !inList))) {
                inIndentedCode = true;
                out.add("");
                previousBlank = false;
                continue;
            }
            previousBlank = blank;
            out.add(line);
        }
        return out;
    }

    /** A line with its code spans blanked, so nothing inside them is taken for a link. */
    private static String withoutCode(String line) {
        return CODE_SPAN.matcher(line).replaceAll(m -> " ".repeat(m.group().length()));
    }

    /** Every link target in the prose, with its line. */
    static List<Link> links(String markdown) {
        List<Link> links = new ArrayList<>();
        List<String> lines = prose(markdown);
        for (int i = 0; i < lines.size(); i++) {
            int lineNo = i + 1;
            String line = withoutCode(lines.get(i));
            Matcher ref = REFERENCE.matcher(line);
            if (ref.find()) {
                links.add(new Link(lineNo, ref.group(1)));
                continue;
            }
            Matcher m = INLINE.matcher(line);
            while (m.find()) {
                String target = m.group(2);
                if (target.startsWith("<") && target.endsWith(">")) {
                    target = target.substring(1, target.length() - 1);
                }
                links.add(new Link(lineNo, target));
                // a link inside the text of another ([![badge](img)](url)) is found too
                links.addAll(links(m.group(1)).stream().map(l -> new Link(lineNo, l.target())).toList());
            }
            Matcher auto = AUTOLINK.matcher(line);
            while (auto.find()) {
                links.add(new Link(lineNo, auto.group(1)));
            }
        }
        return links;
    }

    /** The anchors that a document's headings (and HTML ids) make, as GitHub names them. */
    static Set<String> anchors(String markdown) {
        Set<String> anchors = new LinkedHashSet<>();
        Map<String, Integer> seen = new HashMap<>();
        for (String line : prose(markdown)) {
            Matcher h = HEADING.matcher(line);
            if (h.matches()) {
                String slug = slug(h.group(2));
                int n = seen.merge(slug, 1, Integer::sum);
                anchors.add(n == 1 ? slug : slug + "-" + (n - 1));
            }
            Matcher a = HTML_ANCHOR.matcher(line);
            while (a.find()) {
                anchors.add(a.group(1));
            }
        }
        return anchors;
    }

    /**
     * GitHub's heading slug: the rendered text (code spans as their contents, links as their text, emphasis markers
     * gone), lower case, every character that is not a letter, mark, digit, connector (_), space or hyphen removed,
     * each space a hyphen.
     */
    static String slug(String heading) {
        StringBuilder text = new StringBuilder();
        Matcher code = CODE_SPAN.matcher(heading);
        int at = 0;
        while (code.find()) {
            text.append(rendered(heading.substring(at, code.start()))).append(code.group(2).strip());
            at = code.end();
        }
        text.append(rendered(heading.substring(at)));
        return text.toString().toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{M}\\p{N}\\p{Pc} -]", "")
                .replace(' ', '-');
    }

    /** Prose of a heading as rendered: links reduced to their text, HTML tags and emphasis markers dropped. */
    private static String rendered(String prose) {
        return prose.replaceAll("!?\\[([^\\]]*)\\]\\([^)]*\\)", "$1")
                .replaceAll("<[^>]+>", "")
                .replaceAll("\\*+", "")
                // _emphasis_ only at word edges: snake_case keeps its underscores, as GitHub does
                .replaceAll("(?<![\\p{L}\\p{N}])_+|_+(?![\\p{L}\\p{N}])", "");
    }

    /**
     * What is wrong with one link of {@code file}, or null. Relative targets must name a file or folder inside
     * {@code root}; an anchor must be a heading of the Markdown file it points into. http(s) targets are not fetched
     * (the tests have no internet) but must be well-formed absolute URLs with a host.
     */
    static String problem(Path root, Path file, Link link, Function<Path, Set<String>> anchorsOf) {
        String target = link.target();
        if (target.isEmpty()) {
            return "empty link target";
        }
        if (target.matches("^[a-zA-Z][a-zA-Z0-9+.-]*:.*")) {
            return externalProblem(target);
        }
        if (target.startsWith("//")) {
            return "protocol-relative link " + target + ": write https://";
        }
        int hash = target.indexOf('#');
        String pathPart = hash < 0 ? target : target.substring(0, hash);
        String anchor = hash < 0 ? null : target.substring(hash + 1);
        int query = pathPart.indexOf('?');
        if (query >= 0) {
            pathPart = pathPart.substring(0, query);
        }
        Path resolved;
        try {
            String decoded = URLDecoder.decode(pathPart.replace("+", "%2B"), StandardCharsets.UTF_8);
            resolved = pathPart.isEmpty() ? file
                    : decoded.startsWith("/") ? root.resolve(decoded.substring(1)).normalize()
                    : file.getParent().resolve(decoded).normalize();
        } catch (IllegalArgumentException e) {
            return "malformed link target " + target + ": " + e.getMessage();
        }
        if (!resolved.startsWith(root)) {
            return target + " points outside the repository";
        }
        if (!Files.exists(resolved)) {
            return target + ": no such file or folder " + root.relativize(resolved);
        }
        if (anchor != null) {
            if (anchor.isEmpty()) {
                return target + ": empty anchor";
            }
            if (!resolved.toString().endsWith(".md") || !Files.isRegularFile(resolved)) {
                return target + ": an anchor into a file that is not Markdown cannot be checked";
            }
            Set<String> anchors = anchorsOf.apply(resolved);
            String wanted = URLDecoder.decode(anchor, StandardCharsets.UTF_8);
            if (!anchors.contains(wanted)) {
                return target + ": " + root.relativize(resolved) + " has no heading #" + wanted;
            }
        }
        return null;
    }

    private static String externalProblem(String target) {
        String scheme = target.substring(0, target.indexOf(':')).toLowerCase(Locale.ROOT);
        if (scheme.equals("mailto")) {
            return target.matches("mailto:[^@\\s]+@[^@\\s]+\\.[^@\\s]+") ? null : "malformed " + target;
        }
        if (!scheme.equals("http") && !scheme.equals("https")) {
            return "link with scheme " + scheme + ": only http, https and mailto are expected in documentation";
        }
        try {
            URI uri = new URI(target);
            if (uri.getHost() == null || !uri.getHost().contains(".") || uri.getHost().startsWith(".")
                    || uri.getHost().endsWith(".")) {
                return "malformed URL " + target + ": no host name";
            }
            return null;
        } catch (URISyntaxException e) {
            return "malformed URL " + target + ": " + e.getMessage();
        }
    }
}
