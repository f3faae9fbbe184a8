package dev.tollgate.cli.matrix;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The page as text, before any browser: self-contained, inert data, and a CSP that admits only its own code. */
class MatrixHtmlTest {

    private static final Pattern DATA = Pattern.compile(
            "<script id=\"matrix-data\" type=\"application/json\">(.*?)</script>", Pattern.DOTALL);

    @Test
    void theDataBlockHoldsTheMatrixUnchangedAndCannotEndItsElement() throws Exception {
        JsonNode matrix = MatrixFixture.load();
        String page = MatrixHtml.render(matrix);

        Matcher data = DATA.matcher(page);
        assertThat(data.find()).as("the data block in the page").isTrue();
        String block = data.group(1);
        // no '<' at all: neither </script nor <!-- can occur, whatever the host names and reasons hold
        assertThat(block).doesNotContain("<", ">", "&", "\u2028", "\u2029");
        assertThat(new ObjectMapper().readTree(block)).isEqualTo(matrix);
        // two script elements, the data and the code, whatever the fixture's strings try
        assertThat(Pattern.compile("<script").matcher(page).results().count()).isEqualTo(2);
        assertThat(Pattern.compile("</script>").matcher(page).results().count()).isEqualTo(2);
    }

    @Test
    void thePageIsAsciiAndLoadsNothing() {
        String page = MatrixHtml.render(MatrixFixture.load());
        assertThat(page.chars().allMatch(c -> c < 0x7f)).as("pure ASCII, whatever the terminal's encoding").isTrue();
        String withoutData = DATA.matcher(page).replaceAll("");
        assertThat(withoutData).doesNotContainIgnoringCase("http:").doesNotContainIgnoringCase("https:")
                .doesNotContainIgnoringCase(" src=").doesNotContainIgnoringCase("<link")
                .doesNotContainIgnoringCase("@import").doesNotContainIgnoringCase("url(")
                .doesNotContain("innerHTML").doesNotContain("insertAdjacentHTML").doesNotContain("document.write");
    }

    @Test
    void theContentSecurityPolicyAdmitsExactlyThePagesOwnScriptAndStyle() throws Exception {
        String page = MatrixHtml.render(MatrixFixture.load());
        Matcher csp = Pattern.compile("http-equiv=\"Content-Security-Policy\" content=\"([^\"]*)\"").matcher(page);
        assertThat(csp.find()).isTrue();
        Matcher script = Pattern.compile("<script>(.*?)</script>", Pattern.DOTALL).matcher(page);
        Matcher style = Pattern.compile("<style>(.*?)</style>", Pattern.DOTALL).matcher(page);
        assertThat(script.find()).isTrue();
        assertThat(style.find()).isTrue();
        assertThat(csp.group(1)).startsWith("default-src 'none';")
                .contains("script-src '" + sha256(script.group(1)) + "';")
                .contains("style-src '" + sha256(style.group(1)) + "';")
                .doesNotContain("unsafe");
    }

    @Test
    void theWriterVariantWritesTheSamePageAndLeavesTheWriterOpen() throws Exception {
        JsonNode matrix = MatrixFixture.load();
        StringWriter out = new StringWriter();
        MatrixHtml.write(matrix, out);
        out.write("after");
        assertThat(out.toString()).isEqualTo(MatrixHtml.render(matrix) + "after");
    }

    @Test
    void theStreamingVariantEscapesWhatItsSourceWrites() throws Exception {
        JsonNode matrix = MatrixFixture.load();
        String text = new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(matrix);
        assertThat(text).contains("</script>", "\u2028");
        StringWriter out = new StringWriter();
        MatrixHtml.write(w -> w.write(text), out);
        Matcher data = DATA.matcher(out.toString());
        assertThat(data.find()).isTrue();
        assertThat(data.group(1)).doesNotContain("<", "\u2028");
        assertThat(new ObjectMapper().readTree(data.group(1))).isEqualTo(matrix);
    }

    @Test
    void anythingButAMatrixIsRefused() {
        ObjectNode other = new ObjectMapper().createObjectNode().put("schema", "tollgate.dev/check/v1");
        assertThatThrownBy(() -> MatrixHtml.render(other)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tollgate.dev/matrix/v1");
        assertThatThrownBy(() -> MatrixHtml.render(new ObjectMapper().createArrayNode()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static String sha256(String text) throws Exception {
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        return "sha256-" + Base64.getEncoder().encodeToString(digest);
    }
}
