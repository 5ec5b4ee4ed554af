package io.pushgate.node;

import io.pushgate.broker.InMemoryBroker;
import io.pushgate.config.NodeConfig;
import io.pushgate.testing.LogCapture;
import io.pushgate.testing.PrometheusText;
import io.pushgate.testing.RedisFixture;
import io.pushgate.testing.SseClient;
import io.pushgate.testing.TestNode;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The warm-up before a node reports ready ({@code --warm-up}): it runs, ends before {@code /readyz}
 * answers 200, drives its slow stream into conflation, and leaves nothing that a client or the
 * node's metrics could see.
 */
class WarmUpTest {
    private static final Pattern DONE = Pattern.compile("warm-up [0-9.]+ s: (\\d+) publishes to (\\d+) streams, "
            + "(\\d+) more opened and closed, [0-9.]+ MB read, slow stream (conflated|never slow), broker (\\S+)");

    @Test
    void readyOnlyOnceTheWarmUpIsOver() throws Exception {
        int adminPort = freePort();
        List<String> answers = new CopyOnWriteArrayList<>();
        URI readyz = URI.create("http://127.0.0.1:" + adminPort + "/readyz");
        Node node = null;
        // The capture starts before the node, so that no start-up line can pass unseen.
        try (LogCapture log = LogCapture.start()) {
            CompletableFuture<Node> started = CompletableFuture.supplyAsync(() -> start("--warm-up", "3s",
                    "--admin-port", Integer.toString(adminPort)));
            while (node == null) {
                try {
                    HttpResponse<String> answer = get(readyz);
                    // Read after the answer: the start-up line is logged once the warm-up is over, just
                    // before the node turns ready, so a 200 before it is a node ready too soon. (Not the
                    // start's return: that follows the turn, and a busy machine may hold it back.)
                    boolean warmedUp = log.containing("pushgate listening on").stream()
                            .anyMatch(line -> line.endsWith(":" + adminPort));
                    answers.add(answer.statusCode() + " " + answer.body().trim() + (warmedUp ? "" : " (warming up)"));
                } catch (IOException notYetBound) {
                    // the admin port opens during the start
                }
                node = started.isDone() ? started.get() : null;
            }
            assertTrue(answers.contains("503 starting (warming up)"), "readyz said 'starting' during the warm-up: " + answers);
            assertFalse(answers.stream().anyMatch(a -> a.startsWith("200") && a.endsWith("(warming up)")),
                    "never ready before the warm-up was over: " + answers);
            HttpResponse<String> after = get(readyz);
            assertEquals(200, after.statusCode(), after.body());
        } finally {
            if (node != null) {
                node.close().get(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void publishesToItsStreamsAndConflatesTheSlowOneWithinItsLimit() {
        try (LogCapture log = LogCapture.start(); TestNode node = TestNode.start("--warm-up", "5s")) {
            Matcher done = startLine(log);
            assertTrue(Long.parseLong(done.group(1)) > 0, "publishes: " + done.group());
            assertTrue(Long.parseLong(done.group(3)) > 0, "streams opened and closed: " + done.group());
            assertEquals("conflated", done.group(4), "the slow-consumer branch ran: " + done.group());
            double seconds = Double.parseDouble(done.group().replaceAll("warm-up ([0-9.]+) s.*", "$1"));
            assertTrue(seconds <= 6, "bounded by its limit (and a second to close): " + done.group());
            if (seconds < 4.9) {
                // Ended by itself, not by its limit: its minimum done, then the compilers idle.
                assertTrue(Long.parseLong(done.group(1)) >= 2_000 && Long.parseLong(done.group(3)) >= 2_000,
                        "an early end only after the minimum of publishes and reopened streams: " + done.group());
            }
        }
    }

    @Test
    void withRedisItPublishesThroughKeysOfItsOwnThatExpire() {
        try (RedisFixture redis = new RedisFixture(); LogCapture log = LogCapture.start();
             TestNode node = TestNode.start(redis.nodeFlags("--warm-up", "5s"))) {
            Matcher done = startLine(log);
            assertEquals("redis", done.group(5), "through the node's kind of broker: " + done.group());
            assertTrue(Long.parseLong(done.group(1)) > 0, "publishes: " + done.group());
            assertEquals("conflated", done.group(4), done.group());
            // Its topics are in Redis under a prefix of its own inside the node's, each expiring.
            List<String> keys = redis.redis().keys(redis.prefix + ":warm-up-*");
            assertFalse(keys.isEmpty(), "the warm-up's topics were stored in Redis");
            for (String key : keys) {
                long ttl = redis.redis().pttl(key);
                assertTrue(ttl > 0 && ttl <= 60_000, key + " expires within a minute: " + ttl);
            }
            assertEquals(List.of(), redis.redis().keys(redis.prefix + ":{*"), "none among the node's own topics");
            assertEquals(0, node.server.hub().topicCount());
        }
    }

    @Test
    void withARedisThatDoesNotAnswerItWarmsUpWithAnEmbeddedBroker() throws Exception {
        int silent = freePort(); // nothing listens: the connection is refused
        try (LogCapture log = LogCapture.start(); TestNode node = TestNode.start("--warm-up", "3s",
                "--redis", "redis://127.0.0.1:" + silent, "--redis-timeout", "500ms")) {
            Matcher done = startLine(log);
            assertEquals("embedded", done.group(5), done.group());
            assertEquals(1, log.containing("broker embedded (its redis keys did not answer within 500 ms)").size(),
                    log.containing("pushgate listening on").toString());
            assertTrue(Long.parseLong(done.group(1)) > 0, "it published all the same: " + done.group());
        }
    }

    @Test
    void clientsNeverSeeTheWarmUpsTopicsOrItsTraffic() throws Exception {
        int port = freePort();
        int adminPort = freePort();
        URI readyz = URI.create("http://127.0.0.1:" + adminPort + "/readyz");
        CompletableFuture<Node> started = CompletableFuture.supplyAsync(() -> start("--warm-up", "3s",
                "--port", Integer.toString(port), "--admin-port", Integer.toString(adminPort)));
        // Streams of the warm-up's topic names, opened on the public port while the warm-up runs.
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10)).until(() -> {
            try {
                return get(readyz).statusCode() == 503;
            } catch (IOException notYetBound) {
                return false;
            }
        });
        assertFalse(started.isDone(), "the warm-up still runs");
        Node node = null;
        try (SseClient plain = SseClient.open(URI.create("http://127.0.0.1:" + port + "/topics/warm-up.0/events"));
             SseClient large = SseClient.open(URI.create("http://127.0.0.1:" + port + "/topics/warm-up.large/events"));
             SseClient named = SseClient.open(URI.create("http://127.0.0.1:" + port
                     + "/events?topic=warm-up.0&topic=warm-up.1&topic=warm-up.large"))) {
            assertEquals(200, plain.status());
            node = started.get(10, TimeUnit.SECONDS);
            for (String topic : List.of("warm-up.0", "warm-up.1", "warm-up.large")) {
                HttpResponse<String> latest = get(URI.create("http://127.0.0.1:" + port + "/topics/" + topic));
                assertEquals(404, latest.statusCode(), topic + " has no version on the node: " + latest.body());
            }
            assertEquals(List.of(), plain.drain(), "nothing of the warm-up reached a client");
            assertEquals(List.of(), large.drain());
            assertEquals(List.of(), named.drain());
        } finally {
            if (node != null) {
                node.close().get(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void leavesTheNodesMetricsAsAtAStartWithout() {
        try (LogCapture log = LogCapture.start(); TestNode node = TestNode.start("--warm-up", "3s")) {
            startLine(log);
            PrometheusText metrics = node.scrape();
            for (String counter : List.of("pushgate_publishes_total", "pushgate_deliveries_total",
                    "pushgate_connections_opened_total", "pushgate_connections", "pushgate_topics",
                    "pushgate_conflated_total")) {
                List<PrometheusText.Sample> samples = metrics.find(counter);
                assertFalse(samples.isEmpty(), counter + " is exported");
                assertEquals(0.0, samples.stream().mapToDouble(PrometheusText.Sample::value).sum(), counter);
            }
            assertEquals(0, node.server.streams().count());
            assertEquals(0, node.server.hub().topicCount());
        }
    }

    @Test
    void zeroTurnsItOff() {
        try (LogCapture log = LogCapture.start(); TestNode node = TestNode.start("--warm-up", "0")) {
            assertEquals(1, log.containing("warm-up off").size(), log.containing("listening").toString());
        }
        assertEquals(Duration.ofSeconds(30), NodeConfig.parse().warmUp().limit(), "on by default, at most 30 s");
        assertThrows(IllegalArgumentException.class, () -> NodeConfig.parse("--warm-up", "-1s"));
    }

    /** The start-up line's account of the warm-up. */
    private static Matcher startLine(LogCapture log) {
        List<String> lines = log.containing("pushgate listening on");
        assertEquals(1, lines.size(), lines.toString());
        Matcher done = DONE.matcher(lines.get(0));
        assertTrue(done.find(), lines.get(0));
        return done;
    }

    private static Node start(String... flags) {
        List<String> args = new java.util.ArrayList<>(List.of("--bind", "127.0.0.1", "--port", "0", "--admin-port", "0"));
        // Later flags of the same name replace the defaults above.
        for (int i = 0; i < flags.length; i += 2) {
            int at = args.indexOf(flags[i]);
            if (at >= 0) {
                args.set(at + 1, flags[i + 1]);
            } else {
                args.add(flags[i]);
                args.add(flags[i + 1]);
            }
        }
        try {
            return Node.start(NodeConfig.parse(args.toArray(new String[0])), new InMemoryBroker());
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    private static HttpResponse<String> get(URI uri) throws IOException, InterruptedException {
        return SseClient.HTTP.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
