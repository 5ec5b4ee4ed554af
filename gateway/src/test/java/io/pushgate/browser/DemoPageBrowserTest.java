package io.pushgate.browser;

import io.pushgate.broker.InMemoryBroker;
import io.pushgate.config.NodeConfig;
import io.pushgate.node.Node;
import io.pushgate.testing.Chromium;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The demo page in a real headless Chromium against a real node: what a browser's own
 * {@code EventSource} (through {@code /pushgate.js}) makes of the stream (multi-line texts, the
 * latest version on load, reconnect with {@code Last-Event-ID}), and the page's publish box.
 */
class DemoPageBrowserTest {
    private static final Duration DEADLINE = Duration.ofSeconds(10);
    private static final Pattern VERSION = Pattern.compile("\"version\":(\\d+)");
    private static final Pattern EPOCH = Pattern.compile("\"epoch\":\"([0-9a-z]+)\"");

    private static Node server;
    private static Chromium chromium;
    private static ChromeDriver driver;
    private static HttpClient http;

    private String topic;

    @BeforeAll
    static void start() throws Exception {
        chromium = Chromium.start();
        driver = chromium.driver;
        // Short retry hints so the reconnect test does not wait for the default 1-3 s.
        server = Node.start(NodeConfig.parse("--port", "0", "--admin-port", "0",
                "--retry", "200ms", "--retry-jitter", "100ms"), new InMemoryBroker());
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(DEADLINE).build();
    }

    @AfterAll
    static void stop() {
        try {
            if (chromium != null) {
                chromium.close();
            }
        } finally {
            if (server != null) {
                server.close().join();
            }
        }
    }

    @BeforeEach
    void nameTopic(TestInfo test) {
        topic = "browser." + test.getTestMethod().orElseThrow().getName();
    }

    @Test
    void showsPublishedVersionLive() throws Exception {
        openPage(topic);
        awaitText("state", "open");

        String text = "first line\nsecond line\n\n  indented, with <b>markup</b> & Grüße ✓\n";
        Published v1 = publish(topic, text);

        awaitText("text", text);
        awaitText("version", Long.toString(v1.version()));
        assertEquals(v1.epoch(), textOf("epoch"));
        assertEquals("1", textOf("count"));
    }

    @Test
    void showsLatestVersionOnLoad() throws Exception {
        publish(topic, "old text");
        Published v2 = publish(topic, "latest text\nof two lines");

        openPage(topic);

        awaitText("text", "latest text\nof two lines");
        awaitText("version", Long.toString(v2.version()));
        assertEquals("1", textOf("count"), "only the latest version is sent, not the history");
    }

    @Test
    void publishButtonPutsANewVersion() throws Exception {
        openPage(topic);
        awaitText("state", "open");

        String typed = "typed in the browser\nsecond line";
        WebElement input = driver.findElement(By.id("input"));
        input.clear();
        input.sendKeys(typed);
        driver.findElement(By.id("publish")).click();

        awaitText("text", typed);
        awaitText("version", "1");
        new WebDriverWait(driver, DEADLINE)
                .withMessage(() -> "#status to show the PUT's answer, it reads " + quote(textOf("status")))
                .until(d -> textOf("status").contains("\"version\":1"));
        HttpResponse<String> read = http.send(
                HttpRequest.newBuilder(uri("/topics/" + topic)).timeout(DEADLINE).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, read.statusCode());
        assertEquals(typed, read.body());
        assertEquals("\"1-" + textOf("epoch") + "\"", read.headers().firstValue("ETag").orElse(null));
    }

    @Test
    void reconnectsAfterTheGatewayDropsTheStreamAndShowsWhatItMissed() throws Exception {
        openPage(topic);
        Published v1 = publish(topic, "before the drop");
        awaitText("text", "before the drop");
        awaitText("version", Long.toString(v1.version()));
        assertEquals(1L, opens(), "one open before the drop");

        server.streams().closeAll().join();
        // The browser is away for the retry hint (200-300 ms): this version reaches it only on reconnect.
        Published v2 = publish(topic, "after the drop\nwhile away");

        awaitText("text", "after the drop\nwhile away");
        awaitText("version", Long.toString(v2.version()));
        awaitText("state", "open");
        assertTrue(opens() >= 2, "the EventSource reconnected (opens: " + opens() + ")");
        assertEquals(v1.epoch(), textOf("epoch"));
    }

    @Test
    void refusesAnInvalidTopicName() {
        driver.get(uri("/?topic=no%20spaces").toString());

        awaitText("state", "closed");
        assertTrue(textOf("status").startsWith("invalid topic name"), "status: " + quote(textOf("status")));
        assertFalse(driver.findElement(By.id("publish")).isEnabled());
        assertEquals(0L, opens());
    }

    private record Published(long version, String epoch) {
    }

    private static void openPage(String topic) {
        driver.get(uri("/?topic=" + topic).toString());
    }

    private static Published publish(String topic, String text) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(uri("/topics/" + topic)).timeout(DEADLINE)
                        .PUT(HttpRequest.BodyPublishers.ofString(text)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), "PUT answered " + response.body());
        Matcher version = VERSION.matcher(response.body());
        Matcher epoch = EPOCH.matcher(response.body());
        assertTrue(version.find() && epoch.find(), "PUT answered " + response.body());
        return new Published(Long.parseLong(version.group(1)), epoch.group(1));
    }

    /** Waits until element {@code id}'s textContent is exactly {@code expected} (no whitespace folding). */
    private static void awaitText(String id, String expected) {
        new WebDriverWait(driver, DEADLINE)
                .withMessage(() -> "#" + id + " to read " + quote(expected) + ", it reads " + quote(textOf(id)))
                .until(d -> expected.equals(textOf(id)));
    }

    private static String textOf(String id) {
        return driver.findElement(By.id(id)).getDomProperty("textContent");
    }

    private static long opens() {
        Object opens = ((JavascriptExecutor) driver).executeScript("return window.pushgateOpens;");
        return ((Number) opens).longValue();
    }

    private static URI uri(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + server.port() + pathAndQuery);
    }

    private static String quote(String s) {
        return s == null ? "null" : "\"" + s.replace("\n", "\\n") + "\"";
    }
}
