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
                    if ("page".equals(target.path("type").asText()) && target.path("url").asText().startsWith("file:")) {
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
        while (!evaluate("Boolean(" + condition + ")").asBoolean()) {
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
        JsonNode response = answer.get(timeoutSeconds, TimeUnit.SECONDS);
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
