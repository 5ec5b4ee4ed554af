package io.pushgate.browser;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import io.pushgate.broker.InMemoryBroker;
import io.pushgate.config.NodeConfig;
import io.pushgate.metrics.CloseReason;
import io.pushgate.node.Node;
import io.pushgate.testing.Chromium;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code /pushgate.js} in a real headless Chromium against a node with a key file: the helper
 * refreshes a token before the server ends its stream, asks again at once when the server does end
 * it ({@code pushgate.closed}), and re-creates an EventSource that gave up for good (a 401, a 502
 * while its node is gone) with a fresh token after a backoff; feeds and topics in one stream, and
 * a later subscription that resumes every feed where an earlier one was.
 *
 * <p>The page is the node's own {@code /pushgate.js} (same origin, so no CORS), with the helper
 * loaded into it as a script; its token callback hands out the tokens this test put in
 * {@code window.tokens}, one per call, repeating the last.
 */
class PushgateJsBrowserTest {
    private static final String SECRET = "a test secret of at least thirty-two bytes, for HS256";
    private static final Duration DEADLINE = Duration.ofSeconds(20);
    /** Subscribes the page; arguments: topics, tokens. Records what the helper reports in window.seen/states/waits. */
    private static final String SUBSCRIBE = """
            window.tokens = arguments[1];
            window.asked = 0;
            window.seen = [];
            window.states = [];
            window.waits = [];
            window.sub = Pushgate.subscribe({
              topics: arguments[0],
              token: async () => {
                window.asked++;
                return window.tokens.length > 1 ? window.tokens.shift() : window.tokens[0];
              },
              onMessage: (topic, text) => window.seen.push(topic + '=' + text),
              onDeleted: (topic) => window.seen.push('deleted ' + topic),
              onState: (state, detail) => {
                window.states.push(state);
                if (state === 'waiting') {
                  window.waits.push(detail);
                }
              },
            });
            """;

    /**
     * Subscribes the page to topics and feeds; arguments: topics, feeds, token, lastEventId (or null).
     * Records each delivery as {@code <name>=<text>} in window.seen, its id and kind as
     * {@code <name> <kind> <id>} in window.ids.
     */
    private static final String SUBSCRIBE_FEEDS = """
            window.seen = [];
            window.ids = [];
            window.states = [];
            window.resets = [];
            const token = arguments[2];
            window.sub = Pushgate.subscribe({
              topics: arguments[0],
              feeds: arguments[1],
              lastEventId: arguments[3],
              token: async () => token,
              onMessage: (name, text, id, kind) => {
                window.seen.push(name + '=' + text);
                window.ids.push(name + ' ' + kind + ' ' + id);
              },
              onReset: (feed) => window.resets.push(feed),
              onState: (state) => window.states.push(state),
            });
            """;
    private static final Pattern FEED_ID = Pattern.compile("\"id\":\"(\\d+-[0-9a-z]+)\"");

    private static Path secretFile;
    private static Chromium chromium;
    private final List<AutoCloseable> opened = new ArrayList<>();
    private final Map<Node, HttpClient> clients = new IdentityHashMap<>();

    @BeforeAll
    static void start() throws Exception {
        secretFile = Files.createTempFile("pushgate-secret", "");
        Files.writeString(secretFile, SECRET);
        chromium = Chromium.start();
        chromium.driver.manage().timeouts().scriptTimeout(DEADLINE);
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (chromium != null) {
                chromium.close();
            }
        } finally {
            Files.deleteIfExists(secretFile);
        }
    }

    @AfterEach
    void closeOpened() throws Exception {
        chromium.run("if (window.sub) { window.sub.close(); }");
        for (int i = opened.size() - 1; i >= 0; i--) {
            opened.get(i).close();
        }
    }

    @Test
    void refreshesTheTokenBeforeItExpiresAndMissesNoVersion() throws Exception {
        Node node = startNode(0);
        String topic = topic();
        int version = 1;
        publish(node, topic, "v" + version);
        Instant shortExpiry = Instant.now().plusSeconds(6);
        openHelper(node);
        subscribe(List.of(topic), token(shortExpiry), token(Instant.now().plusSeconds(600)));
        awaitSeen(topic + "=v1");

        // Publish one version after another, each awaited, until well past the first token's exp
        // (the node, with no leeway, ends a stream within a second of its token's exp).
        while (Instant.now().isBefore(shortExpiry.plusSeconds(2))) {
            version++;
            publish(node, topic, "v" + version);
            awaitSeen(topic + "=v" + version);
        }

        List<String> expected = new ArrayList<>();
        for (int v = 1; v <= version; v++) {
            expected.add(topic + "=v" + v);
        }
        assertEquals(expected, list("seen"), "every version once, in order");
        assertEquals(0, node.streams().closed(CloseReason.TOKEN_EXPIRED),
                "the helper replaced the stream before the node ended it for its token");
        assertEquals(2L, number("asked"), "asked for the first token and one fresh one");
        assertEquals(List.of("connecting", "open", "connecting", "open"), list("states"));
    }

    @Test
    void reportsADeletedTopicAndThenItsNextPublish() throws Exception {
        Node node = startNode(0);
        String topic = topic();
        String other = topic();
        publish(node, topic, "v1");
        publish(node, other, "o1");
        openHelper(node);
        subscribe(List.of(topic, other), token(Instant.now().plusSeconds(600)));
        awaitSeen(topic + "=v1");
        awaitSeen(other + "=o1");
        HttpResponse<String> deleted = client(node).send(HttpRequest.newBuilder(uri(node, "/topics/" + topic))
                .timeout(DEADLINE).header("Authorization", "Bearer " + publisherToken()).DELETE().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(204, deleted.statusCode(), "DELETE answered " + deleted.body());
        awaitSeen("deleted " + topic);
        publish(node, topic, "reborn");
        awaitSeen(topic + "=reborn");
        assertEquals(List.of(topic + "=v1", other + "=o1", "deleted " + topic, topic + "=reborn"), list("seen"));
        assertEquals(List.of("connecting", "open"), list("states"), "one stream throughout");
    }

    @Test
    void asksAgainWhenTheNodeEndsTheStreamForAnExpiredToken() throws Exception {
        Node node = startNode(0);
        String topic = topic();
        publish(node, topic, "v1");
        String cached = token(Instant.now().plusSeconds(4));
        openHelper(node);
        // A callback that caches its token gives the same one at the refresh: the helper keeps
        // the stream, the node ends it at exp with pushgate.closed, and then it must ask again.
        subscribe(List.of(topic), cached, cached, token(Instant.now().plusSeconds(600)));
        awaitSeen(topic + "=v1");

        await("the node to end the stream for its token", () -> node.streams().closed(CloseReason.TOKEN_EXPIRED) == 1);
        publish(node, topic, "v2");
        awaitSeen(topic + "=v2");
        assertEquals(List.of(topic + "=v1", topic + "=v2"), list("seen"));
        assertEquals(3L, number("asked"));
        assertEquals(List.of("connecting", "open", "connecting", "open"), list("states"),
                "re-created at once, not after a 401 and a backoff");
    }

    @Test
    void recreatesTheStreamWithAFreshTokenAfterA401() throws Exception {
        Node node = startNode(0);
        String news = topic();
        String weather = topic();
        publish(node, news, "sunny news");
        openHelper(node);
        subscribe(List.of(news, weather), foreignToken(), token(Instant.now().plusSeconds(600)));

        awaitSeen(news + "=sunny news");
        assertEquals(2L, number("asked"), "asked again after the 401");
        assertEquals(List.of("connecting", "waiting", "connecting", "open"), list("states").subList(0, 4));
        publish(node, weather, "rain");
        awaitSeen(weather + "=rain");
    }

    @Test
    void recreatesTheStreamWithBackoffWhenItsNodeIsGoneAndGetsTheNewNodesLatest() throws Exception {
        Node first = startNode(0);
        int port = first.port();
        String topic = topic();
        publish(first, topic, "before");
        openHelper(first);
        subscribe(List.of(topic), token(Instant.now().plusSeconds(600)));
        awaitSeen(topic + "=before");

        // The node goes away, and what answers on its address is a load balancer with no backend
        // left (502): a browser's EventSource gives up for good on that, so the helper must act.
        // (A refused connection alone would not show the helper: the EventSource retries by itself.)
        first.close().join();
        HttpServer balancer = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 16);
        balancer.createContext("/", exchange -> {
            byte[] body = "no backend\n".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(502, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        balancer.start();
        try {
            await("two re-creations refused by the balancer", () -> list("waits").size() >= 3);
        } finally {
            balancer.stop(0);
        }
        Node second = startNode(port);
        publish(second, topic, "after");

        awaitSeen(topic + "=after");
        List<Object> waits = list("waits");
        for (int i = 0; i < waits.size(); i++) {
            long wait = ((Number) waits.get(i)).longValue();
            assertTrue(wait >= 0 && wait <= Math.min(30_000, 1000L << i), "wait " + i + " of " + waits);
        }
    }

    @Test
    void deliversFeedsAndTopicsOfOneStreamEachWithItsKindAndTheFeedsWithTheirIds() throws Exception {
        Node node = startNode(0);
        String topic = topic();
        String wall = topic();
        String game = topic();
        publish(node, topic, "v1");
        openHelper(node);
        chromium.run(SUBSCRIBE_FEEDS, List.of(topic), List.of(wall, game), token(Instant.now().plusSeconds(600)), null);
        awaitSeen(topic + "=v1");
        await("the stream to open", () -> list("states").contains("open"));

        String w1 = append(node, wall, "w1");
        String g1 = append(node, game, "g1");
        awaitSeen(game + "=g1");
        String w2 = append(node, wall, "w2\nof two lines");
        awaitSeen(wall + "=w2\nof two lines");
        publish(node, topic, "v2");
        awaitSeen(topic + "=v2");

        assertEquals(List.of(topic + "=v1", wall + "=w1", game + "=g1", wall + "=w2\nof two lines", topic + "=v2"),
                list("seen"));
        assertEquals(List.of(topic + " topic ", wall + " feed " + w1, game + " feed " + g1, wall + " feed " + w2,
                topic + " topic "), list("ids"), "feed events with the ids their POSTs answered; topic events with none");
        assertEquals(wall + "/" + w2 + "," + game + "/" + g1, chromium.run("return window.sub.lastEventId;"));
        assertEquals(List.of("connecting", "open"), list("states"), "one stream throughout");
    }

    @Test
    void resumesEveryFeedWhereAnEarlierSubscriptionWas() throws Exception {
        Node node = startNode(0);
        String wall = topic();
        String game = topic();
        String token = token(Instant.now().plusSeconds(600));
        openHelper(node);
        chromium.run(SUBSCRIBE_FEEDS, List.of(), List.of(wall, game), token, null);
        await("the stream to open", () -> list("states").contains("open"));
        append(node, wall, "w1");
        append(node, game, "g1");
        awaitSeen(game + "=g1");
        String resume = (String) chromium.run("const id = window.sub.lastEventId; window.sub.close(); return id;");

        // While no stream is open: the next subscription must get exactly these, from both feeds.
        append(node, wall, "w2");
        append(node, game, "g2");
        append(node, wall, "w3");
        chromium.run(SUBSCRIBE_FEEDS, List.of(), List.of(wall, game), token, resume);
        awaitSeen(wall + "=w3");
        append(node, game, "g3");
        awaitSeen(game + "=g3");

        // Each feed once and in order; two feeds have no order between them (a replay sends one, then the other).
        List<Object> seen = list("seen");
        assertEquals(List.of(wall + "=w2", wall + "=w3"), seen.stream().filter(e -> e.toString().startsWith(wall)).toList());
        assertEquals(List.of(game + "=g2", game + "=g3"), seen.stream().filter(e -> e.toString().startsWith(game)).toList());
        assertEquals(4, seen.size(), "nothing else: " + seen);
        assertEquals(List.of(), list("resets"));
    }

    @Test
    void resumesASingleFeedStreamAndReportsAResetOfAFeedThatBeganAgain() throws Exception {
        Node first = startNode(0);
        int port = first.port();
        String wall = topic();
        String token = token(Instant.now().plusSeconds(600));
        openHelper(first);
        chromium.run(SUBSCRIBE_FEEDS, List.of(), List.of(wall), token, null);
        await("the stream to open", () -> list("states").contains("open"));
        String w1 = append(first, wall, "w1");
        awaitSeen(wall + "=w1");
        assertEquals(w1, chromium.run("return window.sub.lastEventId;"), "a stream of one feed: its own id form");

        // An embedded node keeps its feeds in memory: the restarted one has no state for the
        // page's id, so it resets the feed and then sends what it keeps (the post made since).
        first.close().join();
        Node second = startNode(port);
        String w2 = append(second, wall, "after the restart");
        awaitSeen(wall + "=after the restart");
        assertEquals(List.of(wall), list("resets"));
        assertEquals(List.of(wall + "=w1", wall + "=after the restart"), list("seen"));
        assertEquals(w2, chromium.run("return window.sub.lastEventId;"));
    }

    /**
     * The HTTP client of {@code node}: each node gets one of its own, so that a node started on the
     * port of one just closed is not sent a request over a connection pooled for the old one (the
     * JDK client waits there until the request's timeout, and does not retry a PUT or POST).
     */
    private HttpClient client(Node node) {
        return clients.computeIfAbsent(node, n -> HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1).connectTimeout(DEADLINE).build());
    }

    /** POSTs {@code text} to {@code feed} on {@code node} and returns the id it answered. */
    private String append(Node node, String feed, String text) throws Exception {
        HttpResponse<String> response = client(node).send(HttpRequest.newBuilder(uri(node, "/feeds/" + feed))
                        .timeout(DEADLINE).header("Authorization", "Bearer " + publisherToken())
                        .POST(HttpRequest.BodyPublishers.ofString(text, StandardCharsets.UTF_8)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), "POST answered " + response.body());
        Matcher id = FEED_ID.matcher(response.body());
        assertTrue(id.find(), "POST answered " + response.body());
        return id.group(1);
    }

    private Node startNode(int port) throws InterruptedException {
        Node node = Node.start(NodeConfig.parse("--bind", "127.0.0.1", "--port", Integer.toString(port),
                "--admin-port", "0", "--auth-secret-file", secretFile.toString(), "--auth-leeway", "0s",
                "--retry", "200ms", "--retry-jitter", "100ms"), new InMemoryBroker());
        opened.add(() -> node.close().join());
        return node;
    }

    private static String topic() {
        return "user.alice." + UUID.randomUUID().toString().substring(0, 8);
    }

    /** A token of alice's that may read her topics, signed with the node's key. */
    private static String token(Instant expires) throws Exception {
        return sign(SECRET, new JWTClaimsSet.Builder().subject("alice").expirationTime(Date.from(expires))
                .claim("pushgate", Map.of("subscribe", List.of("user.alice.*"))).build());
    }

    /** The same grants, signed with another key: the node answers 401. */
    private static String foreignToken() throws Exception {
        return sign("another secret, also thirty-two bytes or more", new JWTClaimsSet.Builder().subject("alice")
                .expirationTime(Date.from(Instant.now().plusSeconds(600)))
                .claim("pushgate", Map.of("subscribe", List.of("user.alice.*"))).build());
    }

    private static String sign(String secret, JWTClaimsSet claims) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
        jwt.sign(new MACSigner(secret.getBytes(StandardCharsets.UTF_8)));
        return jwt.serialize();
    }

    private static String publisherToken() throws Exception {
        return sign(SECRET, new JWTClaimsSet.Builder().subject("publisher")
                .expirationTime(Date.from(Instant.now().plusSeconds(600)))
                .claim("pushgate", Map.of("publish", List.of("*"))).build());
    }

    private void publish(Node node, String topic, String text) throws Exception {
        String publisher = publisherToken();
        HttpResponse<String> response = client(node).send(HttpRequest.newBuilder(uri(node, "/topics/" + topic))
                        .timeout(DEADLINE).header("Authorization", "Bearer " + publisher)
                        .PUT(HttpRequest.BodyPublishers.ofString(text, StandardCharsets.UTF_8)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), "PUT answered " + response.body());
    }

    /** Opens the node's /pushgate.js as the page (same origin as the streams) and runs it there. */
    private static void openHelper(Node node) {
        chromium.driver.get(uri(node, "/pushgate.js").toString());
        chromium.driver.executeAsyncScript("""
                const done = arguments[arguments.length - 1];
                const script = document.createElement('script');
                script.src = '/pushgate.js';
                script.onload = () => done(true);
                script.onerror = () => done(false);
                document.head.appendChild(script);
                """);
        assertTrue((Boolean) chromium.run("return typeof Pushgate === 'object';"), "Pushgate loaded");
    }

    private static void subscribe(List<String> topics, String... tokens) {
        chromium.run(SUBSCRIBE, topics, List.of(tokens));
    }

    private static void awaitSeen(String event) {
        await(event + " delivered", () -> list("seen").contains(event));
    }

    private static void await(String what, Supplier<Boolean> condition) {
        new WebDriverWait(chromium.driver, DEADLINE)
                .withMessage(() -> what + "; seen " + list("seen") + ", states " + list("states") + ", waits "
                        + list("waits"))
                .until(d -> condition.get());
    }

    /**
     * The page's {@code window.<global>} list. Where the page lost it (a CI run once found it
     * undefined after a node's restart, and no run here repeated it), fails with what the page is
     * then: its address, how the browser came to it, and whether the helper is loaded.
     */
    @SuppressWarnings("unchecked")
    private static List<Object> list(String global) {
        Object list = chromium.run("""
                const list = window[arguments[0]];
                if (Array.isArray(list)) {
                  return list.slice();
                }
                const nav = performance.getEntriesByType('navigation')[0];
                return 'the page has no window.' + arguments[0] + ': ' + location.href + ', ' + document.readyState
                    + ', navigation ' + (nav ? nav.type : 'unknown') + ' ' + Math.round(performance.now()) + ' ms ago'
                    + ', Pushgate ' + typeof Pushgate;
                """, global);
        if (list instanceof String lost) {
            throw new AssertionError(lost);
        }
        return (List<Object>) list;
    }

    private static long number(String global) {
        return ((Number) chromium.run("return window." + global + ";")).longValue();
    }

    private static URI uri(Node node, String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + node.port() + pathAndQuery);
    }
}
