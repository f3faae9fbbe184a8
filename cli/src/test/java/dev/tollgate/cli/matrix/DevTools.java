package dev.tollgate.cli.matrix;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.fail;

/**
 * The few Chrome DevTools Protocol commands the click test needs (evaluate, mouse, keys, text), spoken over the
 * JDK's own WebSocket to a browser listening on 127.0.0.1 only.
 */
final class DevTools implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HeadlessChromium.Browser browser;
    private final long timeoutSeconds;
    private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private final AtomicInteger ids = new AtomicInteger();
    private final List<JsonNode> events = new CopyOnWriteArrayList<>();
    private WebSocket socket;

    private DevTools(HeadlessChromium.Browser browser, long timeoutSeconds) {
        this.browser = browser;
        this.timeoutSeconds = timeoutSeconds;
    }

    static DevTools connect(HeadlessChromium.Browser browser, long timeoutSeconds)
            throws IOException, InterruptedException {
        DevTools devTools = new DevTools(browser, timeoutSeconds);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        Path portFile = browser.profile.resolve("DevToolsActivePort");
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        String page = null;
        while (page == null) {
            if (System.nanoTime() > deadline || !browser.process.isAlive()) {
                fail("chromium offered no page to debug; stderr:%n%s", HeadlessChromium.tail(browser.stderr));
            }
            browser.remember();
            List<String> lines = Files.exists(portFile) ? Files.readAllLines(portFile) : List.of();
            if (lines.size() >= 2) {
                URI list = URI.create("http://127.0.0.1:" + Integer.parseInt(lines.get(0).trim()) + "/json/list");
                String body = http.send(HttpRequest.newBuilder(list).timeout(Duration.ofSeconds(10)).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
                for (JsonNode target : JSON.readTree(body)) {
                    if ("page".equals(target.path("type").asText())) {
                        page = target.path("webSocketDebuggerUrl").asText();
                    }
                }
            }
            if (page == null) {
                Thread.sleep(100);
            }
        }
        try {
            devTools.socket = http.newWebSocketBuilder().buildAsync(URI.create(page), devTools.new Listener())
                    .get(timeoutSeconds, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException("no DevTools connection to " + page, e);
        }
        return devTools;
    }

    /**
     * Loads {@code url} in the page with page events on, so that {@link #dialogs()} sees every alert, confirm and
     * prompt from the first script on, and waits until {@code condition} (unless null) holds in the new document.
     */
    void navigate(String url, String condition) throws Exception {
        send("Page.enable", JSON.createObjectNode());
        send("Page.navigate", JSON.createObjectNode().put("url", url));
        if (condition != null) {
            waitFor(condition);
        }
    }

    /** The JavaScript dialogs (alert, confirm, prompt) the page opened since {@link #navigate}. */
    List<String> dialogs() {
        return events.stream().filter(e -> "Page.javascriptDialogOpening".equals(e.path("method").asText()))
                .map(e -> e.path("params").path("type").asText() + ": " + e.path("params").path("message").asText())
                .toList();
    }

    /** The value of a JavaScript expression in the page (objects by value). */
    JsonNode evaluate(String expression) throws Exception {
        ObjectNode params = JSON.createObjectNode().put("expression", expression).put("returnByValue", true);
        JsonNode result = send("Runtime.evaluate", params);
        if (result.has("exceptionDetails")) {
            fail("the page threw on %s: %s", expression, result.get("exceptionDetails"));
        }
        return result.path("result").path("value");
    }

    /** Waits until the expression is true in the page. */
    void waitFor(String condition) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        // a document still loading may lack what the condition reads: that is "not yet", not an error
        while (!evaluate("(() => { try { return Boolean(" + condition + "); } catch (e) { return false; } })()")
                .asBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("never true in the page: %s", condition);
            }
            Thread.sleep(50);
        }
    }

    /** A left click with the mouse, at viewport coordinates. */
    void click(double x, double y) throws Exception {
        for (String type : List.of("mouseMoved", "mousePressed", "mouseReleased")) {
            ObjectNode params = JSON.createObjectNode().put("type", type).put("x", x).put("y", y);
            if (!type.equals("mouseMoved")) {
                params.put("button", "left").put("clickCount", 1);
            }
            send("Input.dispatchMouseEvent", params);
        }
    }

    /** Types text into the focused element, as an input method would. */
    void type(String text) throws Exception {
        send("Input.insertText", JSON.createObjectNode().put("text", text));
    }

    /** Presses and releases a key without text, such as Escape (27). */
    void press(String key, int keyCode) throws Exception {
        for (String type : List.of("rawKeyDown", "keyUp")) {
            send("Input.dispatchKeyEvent", JSON.createObjectNode().put("type", type).put("key", key).put("code", key)
                    .put("windowsVirtualKeyCode", keyCode));
        }
    }

    private JsonNode send(String method, ObjectNode params) throws Exception {
        int id = ids.incrementAndGet();
        CompletableFuture<JsonNode> answer = new CompletableFuture<>();
        pending.put(id, answer);
        String message = JSON.writeValueAsString(JSON.createObjectNode().put("id", id).put("method", method)
                .set("params", params));
        socket.sendText(message, true).get(timeoutSeconds, TimeUnit.SECONDS);
        // an open dialog holds the page's answers back: report the dialog instead of waiting out the time limit
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        JsonNode response = null;
        while (response == null) {
            try {
                response = answer.get(100, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                if (!dialogs().isEmpty()) {
                    fail("%s: the page opened a dialog %s", method, dialogs());
                }
                if (System.nanoTime() > deadline) {
                    fail("%s: no answer within %d s", method, timeoutSeconds);
                }
            }
        }
        if (response.has("error")) {
            fail("%s failed: %s", method, response.get("error"));
        }
        return response.path("result");
    }

    @Override
    public void close() throws InterruptedException {
        if (socket != null) {
            socket.abort();
        }
        browser.close();
    }

    private final class Listener implements WebSocket.Listener {
        private final StringBuilder message = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            message.append(data);
            if (last) {
                try {
                    JsonNode node = JSON.readTree(message.toString());
                    CompletableFuture<JsonNode> answer = node.has("id") ? pending.remove(node.get("id").asInt()) : null;
                    if (answer != null) {
                        answer.complete(node);
                    } else if (node.has("method")) {
                        events.add(node);
                    }
                } catch (IOException e) {
                    pending.values().forEach(f -> f.completeExceptionally(e));
                }
                message.setLength(0);
            }
            webSocket.request(1);
            return null;
        }
    }
}
