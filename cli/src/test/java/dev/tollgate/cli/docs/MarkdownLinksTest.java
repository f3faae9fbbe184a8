package dev.tollgate.cli.docs;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Every relative link and #anchor in every Markdown file of the repository resolves; external URLs are well-formed. */
class MarkdownLinksTest {

    private static final Path ROOT = Repository.root();

    static List<String> documents() {
        return Repository.markdownFiles().stream().map(p -> ROOT.relativize(p).toString()).toList();
    }

    @Test
    void theDocumentsAreFound() {
        assertThat(documents()).contains("README.md", "docs/tutorial.md", "proxy/README.md", "core/README.md",
                "docs/benchmarks.md").noneMatch(d -> d.contains("/target/"));
    }

    @ParameterizedTest
    @MethodSource("documents")
    void everyLinkResolves(String document) {
        assertThat(problems(ROOT, ROOT.resolve(document))).as(document).isEmpty();
    }

    // ---- the checker itself, on documents made to fail

    @Test
    void aMissingFileAndAMissingAnchorAreReported(@TempDir Path root) throws IOException {
        Files.writeString(root.resolve("other.md"), "# Other\n\n## A `code` heading: with, punctuation!\n");
        Path doc = write(root, "doc.md", """
                # Title

                See [other](other.md), [its heading](other.md#a-code-heading-with-punctuation) and [self](#title).
                Broken: [gone](missing.md), [bad anchor](other.md#nope), [here](#nowhere), [up](../outside.md).
                """);
        assertThat(problems(root, doc)).containsExactly(
                "doc.md:4: missing.md: no such file or folder missing.md",
                "doc.md:4: other.md#nope: other.md has no heading #nope",
                "doc.md:4: #nowhere: doc.md has no heading #nowhere",
                "doc.md:4: ../outside.md points outside the repository");
    }

    @Test
    void linksInCodeAreNotLinks(@TempDir Path root) throws IOException {
        Path doc = write(root, "doc.md", """
                Text with `[code](missing1.md)` inline.

                ```
                [fenced](missing2.md)
                ```

                    [indented](missing3.md)

                * a list item
                    [continued](missing4.md)
                """);
        assertThat(problems(root, doc)).containsExactly("doc.md:10: missing4.md: no such file or folder missing4.md");
    }

    @Test
    void externalLinksMustBeWellFormed(@TempDir Path root) throws IOException {
        Path doc = write(root, "doc.md", """
                [ok](https://istio.io/latest/docs/) <https://example.com/a> [mail](mailto:a@example.com)
                [bad](https://) [no host](http:///x) [space](<https://exa mple.com>) [ftp](ftp://example.com/)
                """);
        assertThat(problems(root, doc)).hasSize(4).allMatch(p -> p.startsWith("doc.md:2: "));
    }

    @Test
    void slugsFollowGithub() {
        assertThat(MarkdownLinks.slug("The lab: the tutorial's warning and its cure, for real: `tollgate demo --lab`"))
                .isEqualTo("the-lab-the-tutorials-warning-and-its-cure-for-real-tollgate-demo---lab");
        assertThat(MarkdownLinks.slug("Beside the tutorial's `network-policy.yaml`"))
                .isEqualTo("beside-the-tutorials-network-policyyaml");
        assertThat(MarkdownLinks.slug("Start-up (issue 6 section 4, issue 11 section 6)"))
                .isEqualTo("start-up-issue-6-section-4-issue-11-section-6");
        assertThat(MarkdownLinks.slug("**Bold** and _emphasis_ and `snake_case` and [a link](x.md)"))
                .isEqualTo("bold-and-emphasis-and-snake_case-and-a-link");
        assertThat(MarkdownLinks.anchors("# A\n## A\n```\n# not a heading\n```\n## A\n"))
                .containsExactly("a", "a-1", "a-2");
    }

    private static Path write(Path root, String name, String text) throws IOException {
        return Files.writeString(root.resolve(name), text);
    }

    static List<String> problems(Path root, Path doc) {
        Map<Path, Set<String>> anchors = new HashMap<>();
        List<String> problems = new ArrayList<>();
        for (MarkdownLinks.Link link : MarkdownLinks.links(read(doc))) {
            String problem = MarkdownLinks.problem(root, doc, link,
                    p -> anchors.computeIfAbsent(p, q -> MarkdownLinks.anchors(read(q))));
            if (problem != null) {
                problems.add(root.relativize(doc) + ":" + link.line() + ": " + problem);
            }
        }
        return problems;
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
