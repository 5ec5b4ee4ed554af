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
 * The demo page's wall (a feed) in a real headless Chromium against a real node: posts from
 * another client appear live, newest first; the page's post box appends; the last posts are loaded
 * on open; after the stream was cut and posts were appended meanwhile the wall holds every post
 * exactly once, in order; and when more were appended meanwhile than the feed keeps, the node's
 * {@code pushgate.reset} clears the list and it is rebuilt from what the feed keeps.
 *
 * <p>The page is loaded through a {@link BlackholeProxy} in front of the node, so a test can take
 * the browser away: {@link #cutAndHold} ends its connections and holds the requests of the
 * reconnects (the node sees none) until {@link #release}; the test's posts go to the node directly.
 */
class WallBrowserTest {
    private static final Duration DEADLINE = Duration.ofSeconds(10);
    /** What the node keeps of a feed: small, so that a reset is a few posts away. */
    private static final int FEED_CAP = 5;
    private static final Pattern ID = Pattern.compile("\"id\":\"(\\d+-[0-9a-z]+)\"");

    private static Node server;
    private static BlackholeProxy proxy;
    private static Chromium chromium;
    private static ChromeDriver driver;
    private static HttpClient http;

    private String feed;

    @BeforeAll
    static void start() throws Exception {
        chromium = Chromium.start();
        driver = chromium.driver;
        // Short retry hints so that a cut stream comes back at once.
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
    void nameFeed(TestInfo test) {
        feed = "wall." + test.getTestMethod().orElseThrow().getName();
    }

    @AfterEach
    void leavePage() {
        proxy.hold(false);
        driver.get("about:blank");
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
        driver.get(uri("/?topic=" + feed + "&feed=no%20spaces").toString());

        awaitText("state", "closed");
        assertTrue(textOf("status").startsWith("invalid feed name"), "status: " + quote(textOf("status")));
        assertFalse(driver.findElement(By.id("post")).isEnabled());
        assertEquals(0L, wallOpens());
    }

    /**
     * Opens the demo page through the proxy, on the test's feed (its topic is the feed's name too),
     * loading as many posts as the feed keeps unless {@code query} says otherwise (the page's
     * default, 50, is more than this node keeps, and the node refuses ?last= above --feed-cap).
     */
    private void openWall(String query) {
        driver.get(uri("/?topic=" + feed + "&feed=" + feed + (query.contains("last=") ? "" : "&last=" + FEED_CAP)
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
                            URI.create("http://127.0.0.1:" + server.port() + "/feeds/" + feed)).timeout(DEADLINE)
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

    /** Waits until element {@code id}'s textContent is exactly {@code expected}. */
    private static void awaitText(String id, String expected) {
        new WebDriverWait(driver, DEADLINE)
                .withMessage(() -> "#" + id + " to read " + quote(expected) + ", it reads " + quote(textOf(id)))
                .until(d -> expected.equals(textOf(id)));
    }

    private static String textOf(String id) {
        return driver.findElement(By.id(id)).getDomProperty("textContent");
    }

    private static URI uri(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + proxy.port() + pathAndQuery);
    }

    private static String quote(String s) {
        return s == null ? "null" : "\"" + s.replace("\n", "\\n") + "\"";
    }
}
