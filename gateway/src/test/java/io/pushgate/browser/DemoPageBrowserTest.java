package io.pushgate.browser;

import io.pushgate.broker.InMemoryBroker;
import io.pushgate.config.NodeConfig;
import io.pushgate.node.Node;
import io.pushgate.testing.BlackholeProxy;
import io.pushgate.testing.Chromium;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
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
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The demo page in a real headless Chromium against a real node: what a browser's own
 * {@code EventSource} (through {@code /pushgate.js}) makes of the stream (multi-line texts, the
 * latest version on load, reconnect with {@code Last-Event-ID}), and the page's publish box; and
 * its wall (a feed): posts from another client appear live, newest first; the post box appends;
 * the last posts are loaded on open; after the stream was cut and posts were appended meanwhile
 * the wall holds every post exactly once, in order; and when more were appended meanwhile than
 * the feed keeps, the node's {@code pushgate.reset} clears the list and it is rebuilt from what the
 * feed keeps.
 *
 * <p>The wall tests load the page through a {@link BlackholeProxy} in front of the node, so a test
 * can take the browser away: {@link #cutAndHold} ends its connections and holds the requests of the
 * reconnects (the node sees none) until {@link #release}; the test's publishes and posts go to the
 * node directly.
 */
class DemoPageBrowserTest {
    private static final Duration DEADLINE = Duration.ofSeconds(20);
    private static final Pattern VERSION = Pattern.compile("\"version\":(\\d+)");
    private static final Pattern EPOCH = Pattern.compile("\"epoch\":\"([0-9a-z]+)\"");
    private static final Pattern ID = Pattern.compile("\"id\":\"(\\d+-[0-9a-z]+)\"");
    /** What the node keeps of a feed: small, so that a reset is a few posts away. */
    private static final int FEED_CAP = 5;

    private static Node server;
    private static BlackholeProxy proxy;
    private static Chromium chromium;
    private static ChromeDriver driver;
    private static HttpClient http;

    /** The test's topic, and the name of its wall's feed. */
    private String topic;
    private String feed;

    @BeforeAll
    static void start() throws Exception {
        chromium = Chromium.start();
        driver = chromium.driver;
        // Short retry hints so the reconnect tests do not wait for the default 1-3 s.
        NodeConfig config = NodeConfig.parse("--bind", "127.0.0.1", "--port", "0", "--admin-port", "0",
                "--retry", "200ms", "--retry-jitter", "100ms", "--feed-cap", Integer.toString(FEED_CAP));
        // The broker keeps the cap too: what it keeps is what a replay can reach.
        server = Node.start(config, new InMemoryBroker(config.topics(), config.feeds()));
        proxy = new BlackholeProxy(server.port());
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(DEADLINE).build();
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (chromium != null) {
                chromium.close();
            }
        } finally {
            try {
                if (proxy != null) {
                    proxy.close();
                }
            } finally {
                if (server != null) {
                    server.close().join();
                }
            }
        }
    }

    @BeforeEach
    void name(TestInfo test) {
        topic = "browser." + test.getTestMethod().orElseThrow().getName();
        feed = "wall." + test.getTestMethod().orElseThrow().getName();
    }

    @AfterEach
    void leavePage() {
        proxy.hold(false);
        driver.get("about:blank");
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

    @Test
    void showsPostsFromAnotherClientLiveNewestFirst() {
        openWall("");
        awaitText("wall-state", "open");

        List<String> ids = new ArrayList<>();
        ids.add(post("first post"));
        ids.add(post("second\nof two lines, with <b>markup</b> & Grüße ✓"));
        ids.add(post("third"));

        awaitWall(List.of("third", "second\nof two lines, with <b>markup</b> & Grüße ✓", "first post"));
        assertEquals(reversed(ids), wallIds(), "each post with the id its POST answered");
        assertEquals("3", textOf("posts"));
        assertEquals(ids.get(2), textOf("last-id"));
        assertEquals("0", textOf("resets"));
    }

    @Test
    void postButtonAppendsToTheWall() {
        openWall("");
        awaitText("wall-state", "open");

        WebElement input = driver.findElement(By.id("post-input"));
        input.sendKeys("typed on the wall\nsecond line");
        driver.findElement(By.id("post")).click();

        awaitWall(List.of("typed on the wall\nsecond line"));
        new WebDriverWait(driver, DEADLINE)
                .withMessage(() -> "#post-status to show the POST's answer, it reads " + quote(textOf("post-status")))
                .until(d -> textOf("post-status").contains("\"feed\":\"" + feed + "\""));
        assertTrue(textOf("post-status").contains("\"id\":\"" + wallIds().get(0) + "\""), textOf("post-status"));
    }

    @Test
    void loadsTheLastPostsOnOpen() {
        post("one");
        post("two");
        post("three");

        openWall("&last=2");

        awaitWall(List.of("three", "two"));
        awaitText("wall-state", "open");
        post("four");
        awaitWall(List.of("four", "three", "two"));
    }

    @Test
    void showsEveryPostOnceInOrderAfterTheStreamWasCut() {
        openWall("");
        awaitText("wall-state", "open");
        post("before 1");
        post("before 2");
        awaitWall(List.of("before 2", "before 1"));
        assertEquals(1L, wallOpens());

        cutAndHold();
        // Fewer than the feed keeps: the node replays them after the page's last id.
        post("while away 1");
        post("while away 2");
        post("while away 3");
        release();

        awaitWall(List.of("while away 3", "while away 2", "while away 1", "before 2", "before 1"));
        awaitText("wall-state", "open");
        assertTrue(wallOpens() >= 2, "the EventSource reconnected (opens: " + wallOpens() + ")");
        post("after");
        awaitWall(List.of("after", "while away 3", "while away 2", "while away 1", "before 2", "before 1"));
        assertEquals("0", textOf("resets"));
    }

    @Test
    void rebuildsTheWallFromWhatTheFeedKeepsAfterAReset() {
        openWall("");
        awaitText("wall-state", "open");
        post("old 1");
        post("old 2");
        awaitWall(List.of("old 2", "old 1"));

        cutAndHold();
        // More than the feed keeps: "old 2" is followed by posts the node no longer has.
        List<String> meanwhile = new ArrayList<>();
        for (int i = 1; i <= FEED_CAP + 2; i++) {
            meanwhile.add("new " + i);
            post("new " + i);
        }
        release();

        List<String> kept = reversed(meanwhile.subList(meanwhile.size() - FEED_CAP, meanwhile.size()));
        awaitWall(kept);
        awaitText("resets", "1");
        assertFalse(textOf("reset-note").isEmpty());
        assertEquals(Integer.toString(FEED_CAP), textOf("posts"));
    }

    @Test
    void refusesAnInvalidFeedName() {
        driver.get(page("/?topic=" + feed + "&feed=no%20spaces").toString());

        awaitText("state", "closed");
        assertTrue(textOf("status").startsWith("invalid feed name"), "status: " + quote(textOf("status")));
        assertFalse(driver.findElement(By.id("post")).isEnabled());
        assertEquals(0L, wallOpens());
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

    /** On the node itself: what another client (the test) sends, and the page of the topic tests. */
    private static URI uri(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + server.port() + pathAndQuery);
    }

    /** Through the proxy: the page of the wall tests, which take the browser away. */
    private static URI page(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + proxy.port() + pathAndQuery);
    }

    private static String quote(String s) {
        return s == null ? "null" : "\"" + s.replace("\n", "\\n") + "\"";
    }

    /**
     * Opens the demo page through the proxy, on the test's feed (its topic is the feed's name too),
     * loading as many posts as the feed keeps unless {@code query} says otherwise (the page's
     * default, 50, is more than this node keeps, and the node refuses ?last= above --feed-cap).
     */
    private void openWall(String query) {
        driver.get(page("/?topic=" + feed + "&feed=" + feed + (query.contains("last=") ? "" : "&last=" + FEED_CAP)
                + query).toString());
    }

    /**
     * Takes the browser away: its stream ends, and its reconnect reaches the node only at
     * {@link #release} (the proxy holds the request; the node sees a connection with no request,
     * well within its header timeout).
     */
    private static void cutAndHold() {
        proxy.hold(true);
        proxy.retarget(server.port());
        awaitText("wall-state", "reconnecting");
    }

    private static void release() {
        proxy.hold(false);
    }

    /** POSTs {@code text} to the feed on the node itself (another client) and returns the id it answered. */
    private String post(String text) {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                            uri("/feeds/" + feed)).timeout(DEADLINE)
                    .POST(HttpRequest.BodyPublishers.ofString(text, StandardCharsets.UTF_8)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, response.statusCode(), "POST answered " + response.body());
            Matcher id = ID.matcher(response.body());
            assertTrue(id.find(), "POST answered " + response.body());
            return id.group(1);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** Waits until the wall holds exactly {@code texts}, top to bottom. */
    private static void awaitWall(List<String> texts) {
        new WebDriverWait(driver, DEADLINE)
                .withMessage(() -> "the wall to read " + texts + ", it reads " + wallTexts())
                .until(d -> texts.equals(wallTexts()));
    }

    @SuppressWarnings("unchecked")
    private static List<String> wallTexts() {
        return (List<String>) chromium.run(
                "return Array.from(document.querySelectorAll('#wall li .text')).map(e => e.textContent);");
    }

    @SuppressWarnings("unchecked")
    private static List<String> wallIds() {
        return (List<String>) chromium.run("return Array.from(document.querySelectorAll('#wall li')).map(e => e.dataset.id);");
    }

    private static long wallOpens() {
        return ((Number) ((JavascriptExecutor) driver).executeScript("return window.wallOpens;")).longValue();
    }

    private static <T> List<T> reversed(List<T> list) {
        List<T> copy = new ArrayList<>(list);
        Collections.reverse(copy);
        return copy;
    }
}
