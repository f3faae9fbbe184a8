package dev.tollgate.cli.matrix;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.cli.Main;
import dev.tollgate.cli.lab.InProcessCli;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.jsoup.select.Elements;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code tollgate matrix -o html} end to end: the page the command prints for the tutorial's step B3, drawn by a real
 * headless Chromium, holds the same grid as {@code -o json} says, cell by cell.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class MatrixCommandHtmlTest {
    @TempDir
    Path work;

    @Test
    void theCommandsPageDrawsTheMatrixThatJsonDescribes() throws Exception {
        HeadlessChromium chromium = HeadlessChromium.requireIn(work);
        InProcessCli.Result html = run("html");
        InProcessCli.Result json = run("json");
        assertThat(html.exit()).as(html.err()).isZero();
        assertThat(json.exit()).as(json.err()).isZero();
        JsonNode matrix = new ObjectMapper().readTree(json.out());
        Path page = work.resolve("b3.html");
        Files.writeString(page, html.out());

        Document dom = Jsoup.parse(chromium.dumpDom(page, ""));
        assertThat(dom.selectFirst("html[data-rendered=true]")).as("the page's script ran to its end").isNotNull();
        Elements rows = dom.select("#grid tbody tr");
        int columns = matrix.path("columns").size();
        assertThat(rows).hasSize(matrix.path("rows").size()).hasSizeGreaterThanOrEqualTo(2);
        assertThat(columns).isGreaterThanOrEqualTo(4);
        for (int r = 0; r < rows.size(); r++) {
            Elements cells = rows.get(r).select("td.cell");
            assertThat(cells).hasSize(columns);
            for (int c = 0; c < columns; c++) {
                JsonNode cell = matrix.path("cells").get(r * columns + c);
                Element td = cells.get(c);
                assertThat(td.classNames()).as("cell %d,%d", r, c).contains("o-" + cell.path("outcome").asText());
                assertThat(td.attr("title")).contains(cell.path("reason").asText());
            }
        }
        // the step's two denials, each at the gateway by its own policy, are both in the page
        assertThat(dom.select("td.cell.o-denied")).hasSize(2);
        assertThat(dom.select("td.cell.o-allowed")).hasSize(2);
    }

    private static InProcessCli.Result run(String format) {
        List<String> args = new ArrayList<>(List.of("matrix"));
        args.addAll(MatrixCommandTest.b3());
        args.addAll(List.of("-o", format));
        return Main.capture(args.toArray(String[]::new));
    }
}
