package dev.tollgate.cli.matrix;

import com.fasterxml.jackson.databind.JsonNode;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Attribute;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.jsoup.select.Elements;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The HTML matrix in a real browser (headless Chromium): the grid its script draws, its tooltips, the detail
 * panel a click opens, the hostile fixture's strings as text, and a screenshot in which the grid is found by its
 * colours.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class MatrixHtmlBrowserTest {

    /** The page's outcome colours (matrix.css), as a screenshot shows them. */
    private static final Map<String, Integer> COLOURS = Map.of(
            "allowed", 0x0072b2, "partly", 0xf0e442, "blocked", 0xcc79a7, "denied", 0xd55e00, "no-route", 0xbbbbbb);

    @TempDir
    Path work;

    private JsonNode matrix;
    private Path page;
    private HeadlessChromium chromium;

    @BeforeEach
    void writePage() throws IOException {
        chromium = HeadlessChromium.requireIn(work);
        matrix = MatrixFixture.load();
        page = work.resolve("matrix.html");
        Files.writeString(page, MatrixHtml.render(matrix));
    }

    @Test
    void theScriptDrawsOneCellPerRowAndColumnWithClassGlyphAndTooltip() throws Exception {
        Document dom = Jsoup.parse(chromium.dumpDom(page, ""));
        assertThat(dom.selectFirst("html[data-rendered=true]")).as("the page's script ran to its end").isNotNull();
        assertNothingInjected(dom);

        Element grid = dom.getElementById("grid");
        assertThat(grid).isNotNull();
        Elements headers = grid.select("thead th.col");
        assertThat(headers).hasSize(4);
        for (int c = 0; c < 4; c++) {
            assertThat(headers.get(c).text()).isEqualTo(matrix.at("/columns/" + c + "/id").asText());
        }
        Elements rows = grid.select("tbody tr");
        assertThat(rows).hasSize(3);
        assertThat(grid.select("td.cell")).hasSize(12);
        for (int r = 0; r < 3; r++) {
            assertThat(rows.get(r).selectFirst("th.row").text()).isEqualTo(matrix.at("/rows/" + r + "/id").asText());
            Elements cells = rows.get(r).select("td.cell");
            assertThat(cells).hasSize(4);
            for (int c = 0; c < 4; c++) {
                String outcome = MatrixFixture.OUTCOMES[r][c];
                JsonNode cell = matrix.at("/cells/" + (r * 4 + c));
                Element td = cells.get(c);
                assertThat(td.classNames()).as("cell %d,%d", r, c).contains("o-" + outcome);
                assertThat(td.text()).isEqualTo(MatrixFixture.glyph(outcome));
                assertThat(td.attr("data-row") + "," + td.attr("data-column")).isEqualTo(r + "," + c);
                assertThat(td.attr("title")).as("tooltip of %d,%d", r, c)
                        .contains(matrix.at("/rows/" + r + "/id").asText())
                        .contains(matrix.at("/columns/" + c + "/id").asText())
                        .contains(cell.path("reason").asText());
            }
        }
        assertThat(rows.get(0).select("td.cell").get(1).attr("title"))
                .contains("denied at the gateway (istio-system/deny-stripe): denied by istio-system/deny-stripe");
        assertThat(rows.get(0).select("td.cell").get(2).attr("title")).contains("blocked by the sidecar");

        Map<String, String> counts = Map.of("allowed", "(4)", "partly", "(2)", "blocked", "(1)", "denied", "(3)",
                "no-route", "(2)");
        assertThat(dom.select("#legend li")).hasSize(5);
        counts.forEach((outcome, count) -> {
            Element item = dom.selectFirst("#legend li[data-outcome=" + outcome + "]");
            assertThat(item).as("legend for %s", outcome).isNotNull();
            assertThat(item.selectFirst(".swatch").classNames()).contains("o-" + outcome);
            assertThat(item.selectFirst(".count").text()).isEqualTo(count);
        });
        assertThat(dom.getElementById("meta").text()).contains("3 workloads", "4 destinations", "REGISTRY_ONLY");
        assertThat(dom.getElementById("detail").hasAttr("hidden")).as("no detail before a click").isTrue();
    }

    @Test
    void aCellsFragmentOpensItsExplanationWithHopsAndConditions() throws Exception {
        Document dom = Jsoup.parse(chromium.dumpDom(page, "#cell=1,0"));
        assertNothingInjected(dom);
        Element detail = dom.getElementById("detail");
        assertThat(detail.hasAttr("hidden")).isFalse();
        assertThat(detail.selectFirst("h2").text()).isEqualTo("payments/api \u2192 developers.google.com:443");
        assertThat(detail.selectFirst(".outcome").text()).isEqualTo("\u00bd partly: depends on the request");
        assertThat(detail.text()).contains("depends on the method: allowed for GET, HEAD; denied otherwise")
                .contains("istio-system/allow-get");
        assertThat(detail.select("ul.conditions > li").eachText()).containsExactly(
                "\u2713 allowed when method GET, HEAD",
                "\u2717 denied at the gateway when other methods (policy istio-system/allow-get)");
        assertThat(detail.select("li.hop").eachText()).containsExactly(
                matrix.at("/cells/4/hops/0").asText(), matrix.at("/cells/4/hops/1").asText());
        assertThat(detail.text()).contains("AuthorizationPolicy istio-system/allow-get examples/tutorial/y.yaml:3")
                .contains("ServiceEntry default/google examples/tutorial/external-google.yaml:5");
        Elements selected = dom.select("td.selected");
        assertThat(selected).hasSize(1);
        assertThat(selected.first().attr("data-row") + "," + selected.first().attr("data-column")).isEqualTo("1,0");
    }

    @Test
    void hostileNamesReasonsAndConditionsStayText() throws Exception {
        for (int c : new int[] {0, 3}) {
            Document dom = Jsoup.parse(chromium.dumpDom(page, "#cell=2," + c));
            assertThat(dom.selectFirst("html[data-rendered=true]")).as("rendered with cell 2,%d", c).isNotNull();
            assertNothingInjected(dom);
            Element detail = dom.getElementById("detail");
            assertThat(detail.hasAttr("hidden")).isFalse();
            assertThat(detail.selectFirst("h2").wholeText()).isEqualTo(
                    matrix.at("/rows/2/id").asText() + " \u2192 " + matrix.at("/columns/" + c + "/id").asText());
        }
        Document reason = Jsoup.parse(chromium.dumpDom(page, "#cell=2,0"));
        Element detail = reason.getElementById("detail");
        assertThat(detail.selectFirst("dd").wholeText()).isEqualTo(matrix.at("/cells/8/reason").asText());
        assertThat(detail.select("dd.mono").first().wholeText()).isEqualTo(matrix.at("/cells/8/policy").asText());
        assertThat(detail.select("li.hop").first().wholeText()).isEqualTo(matrix.at("/cells/8/hops/0").asText());
        assertThat(detail.wholeText()).contains(matrix.at("/rows/2/mentionedBy/0").asText())
                .contains(matrix.at("/columns/0/declaredBy/0").asText());

        Document conditions = Jsoup.parse(chromium.dumpDom(page, "#cell=2,3"));
        Element d = conditions.getElementById("detail");
        assertThat(d.selectFirst("h2").wholeText()).endsWith(" \u2192 " + matrix.at("/columns/3/id").asText());
        assertThat(d.select("ul.conditions > li").eachText()).containsExactly(
                "\u2713 allowed when header x-team: <b>a</b>",
                "\u2717 denied at the gateway when </li><li>other values (policy <script>alert('condition')</script>)");
        assertThat(d.wholeText()).contains(matrix.at("/columns/3/declaredBy/0").asText());
    }

    @Test
    void aFragmentOutsideTheGridOpensNothing() throws Exception {
        for (String fragment : List.of("#cell=3,0", "#cell=0,4", "#cell=-1,0", "#cell=0,0x")) {
            Document dom = Jsoup.parse(chromium.dumpDom(page, fragment));
            assertThat(dom.getElementById("detail").hasAttr("hidden")).as(fragment).isTrue();
            assertThat(dom.select("td.cell")).as(fragment).hasSize(12);
        }
    }

    @Test
    void aRealClickOpensTheExplanationEscapeClosesItAndTheFiltersHideRowsAndColumns() throws Exception {
        try (DevTools browser = chromium.open(1200, 900)) {
            browser.navigate(page.toUri().toString(), "document.documentElement.dataset.rendered === 'true'");
            JsonNode centre = browser.evaluate("(() => { const r = document.querySelector("
                    + "'td.cell[data-row=\"2\"][data-column=\"3\"]').getBoundingClientRect();"
                    + " return {x: r.x + r.width / 2, y: r.y + r.height / 2}; })()");
            browser.click(centre.get("x").asDouble(), centre.get("y").asDouble());
            browser.waitFor("!document.getElementById('detail').hidden");
            assertThat(browser.evaluate("location.hash").asText()).isEqualTo("#cell=2,3");
            Document dom = Jsoup.parse(browser.evaluate("document.documentElement.outerHTML").asText());
            assertNothingInjected(dom);
            assertThat(dom.selectFirst("#detail h2").wholeText()).isEqualTo(
                    matrix.at("/rows/2/id").asText() + " \u2192 " + matrix.at("/columns/3/id").asText());
            assertThat(dom.select("#detail ul.conditions > li")).hasSize(2);

            browser.press("Escape", 27);
            browser.waitFor("document.getElementById('detail').hidden");
            assertThat(browser.evaluate("location.hash").asText()).isEmpty();

            browser.evaluate("document.getElementById('filter-rows').focus()");
            browser.type("PAYMENTS");
            browser.waitFor("document.querySelectorAll('#grid tbody tr:not([hidden])').length === 1");
            assertThat(browser.evaluate("document.querySelector('#grid tbody tr:not([hidden]) th').textContent")
                    .asText()).isEqualTo("payments/api");
            browser.evaluate("document.getElementById('filter-columns').focus()");
            browser.type("stripe");
            browser.waitFor("document.querySelectorAll('#grid thead th.col:not([hidden])').length === 1");
            assertThat(browser.evaluate("[...document.querySelectorAll('#grid td.cell')]"
                    + ".filter(td => td.offsetParent !== null).map(td => td.dataset.row + ',' + td.dataset.column)")
                    .toString()).isEqualTo("[\"1,1\"]");
            assertThat(browser.evaluate("document.getElementById('shown').textContent").asText())
                    .isEqualTo("showing 1 of 3 workloads, 1 of 4 destinations");
            assertThat(browser.dialogs()).as("alerts from the fixture's strings").isEmpty();
        }
    }

    /** The checks above can fail: a script that marks its page, and one that alerts, are seen. */
    @Test
    void theInjectionCheckSeesAScriptThatRan() throws Exception {
        Path bad = work.resolve("bad.html");
        Files.writeString(bad, "<!DOCTYPE html><p id=x></p><script>document.documentElement.setAttribute("
                + "'data-pwned','demo')</script>");
        Document dom = Jsoup.parse(chromium.dumpDom(bad, ""));
        assertThat(dom.selectFirst("html").attr("data-pwned")).isEqualTo("demo");

        Path alerting = work.resolve("alert.html");
        Files.writeString(alerting, "<!DOCTYPE html><script>alert('demo')</script>");
        try (DevTools browser = chromium.open(800, 600)) {
            browser.navigate(alerting.toUri().toString(), null);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (browser.dialogs().isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(browser.dialogs()).containsExactly("alert: demo");
        }
    }

    @Test
    void theScreenshotShowsTheGridInItsColoursAndPlaces() throws Exception {
        List<Box> grid = gridIn(chromium.screenshot(page, 1200, 900));
        assertThat(grid).as("cell-sized coloured boxes in the screenshot").hasSize(12);
        TreeSet<Integer> tops = new TreeSet<>(grid.stream().map(Box::top).toList());
        TreeSet<Integer> lefts = new TreeSet<>(grid.stream().map(Box::left).toList());
        assertThat(tops).as("rows of cells").hasSize(3);
        assertThat(lefts).as("columns of cells").hasSize(4);
        List<Integer> ys = List.copyOf(tops);
        List<Integer> xs = List.copyOf(lefts);
        for (Box box : grid) {
            int r = ys.indexOf(box.top());
            int c = xs.indexOf(box.left());
            assertThat(box.outcome()).as("colour of the cell at row %d, column %d", r, c)
                    .isEqualTo(MatrixFixture.OUTCOMES[r][c]);
            assertThat(box.width()).isBetween(28, 40);
            assertThat(box.height()).isBetween(28, 40);
            assertThat(box.width() * box.height() - box.filled()).as("pixels of the glyph inside cell %d,%d", r, c)
                    .isGreaterThanOrEqualTo(5);
        }
        // the grid reads left to right, top to bottom, with the row names to its left
        assertThat(xs.get(0)).isGreaterThan(100);
        assertThat(ys.get(0)).isGreaterThan(100);
    }

    /** The screenshot check can fail: the same page without its style sheet shows no grid. */
    @Test
    void theScreenshotOfAPageWithoutItsStylesShowsNoGrid() throws Exception {
        String html = Files.readString(page);
        Path unstyled = work.resolve("unstyled.html");
        Files.writeString(unstyled, html.replaceFirst("(?s)<style>.*?</style>", "<style></style>"));
        assertThat(Files.readString(unstyled)).isNotEqualTo(html);
        assertThat(gridIn(chromium.screenshot(unstyled, 1200, 900))).isEmpty();
    }

    /** Boxes of each outcome's colour of a cell's size: legend swatches are 18 px, cells 30 px. */
    private static List<Box> gridIn(BufferedImage shot) {
        List<Box> boxes = new ArrayList<>();
        COLOURS.forEach((outcome, rgb) -> Box.find(shot, outcome, rgb, boxes));
        return boxes.stream().filter(b -> b.width() >= 26 && b.height() >= 26).toList();
    }

    private static void assertNothingInjected(Document dom) {
        assertThat(dom.selectFirst("html").hasAttr("data-pwned")).as("a hostile script ran: %s",
                dom.selectFirst("html").attr("data-pwned")).isFalse();
        assertThat(dom.select("script")).as("only the page's own two scripts").hasSize(2);
        assertThat(dom.select("img, svg, iframe, b, i")).as("elements made from the fixture's strings").isEmpty();
        for (Element e : dom.getAllElements()) {
            for (Attribute a : e.attributes()) {
                assertThat(a.getKey()).as("event handler on <%s>", e.tagName()).doesNotStartWith("on");
            }
        }
    }

    /** A connected area of one outcome colour in a screenshot: its bounding box and how many pixels it has. */
    private record Box(String outcome, int left, int top, int width, int height, int filled) {

        static void find(BufferedImage image, String outcome, int rgb, List<Box> into) {
            int w = image.getWidth();
            int h = image.getHeight();
            boolean[] seen = new boolean[w * h];
            int[] stack = new int[w * h];
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    if (seen[y * w + x] || !close(image.getRGB(x, y), rgb)) {
                        continue;
                    }
                    int minX = x, maxX = x, minY = y, maxY = y, count = 0, size = 0;
                    stack[size++] = y * w + x;
                    seen[y * w + x] = true;
                    while (size > 0) {
                        int p = stack[--size];
                        int px = p % w, py = p / w;
                        count++;
                        minX = Math.min(minX, px);
                        maxX = Math.max(maxX, px);
                        minY = Math.min(minY, py);
                        maxY = Math.max(maxY, py);
                        int[][] next = {{px + 1, py}, {px - 1, py}, {px, py + 1}, {px, py - 1}};
                        for (int[] n : next) {
                            if (n[0] >= 0 && n[0] < w && n[1] >= 0 && n[1] < h && !seen[n[1] * w + n[0]]
                                    && close(image.getRGB(n[0], n[1]), rgb)) {
                                seen[n[1] * w + n[0]] = true;
                                stack[size++] = n[1] * w + n[0];
                            }
                        }
                    }
                    if (count >= 50) {
                        into.add(new Box(outcome, minX, minY, maxX - minX + 1, maxY - minY + 1, count));
                    }
                }
            }
        }

        private static boolean close(int argb, int rgb) {
            for (int shift = 0; shift <= 16; shift += 8) {
                if (Math.abs(((argb >> shift) & 0xff) - ((rgb >> shift) & 0xff)) > 6) {
                    return false;
                }
            }
            return true;
        }
    }
}
