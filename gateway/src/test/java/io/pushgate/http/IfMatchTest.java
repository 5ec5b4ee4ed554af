package io.pushgate.http;

import io.pushgate.testing.RedisFixture;
import io.pushgate.testing.TestNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code PUT /topics/{t}} with {@code If-Match}, over real sockets, on the embedded broker and on Redis. */
class IfMatchTest {
    private RedisFixture redis;
    private TestNode node;

    private void start(String broker) {
        if (broker.equals("redis")) {
            redis = new RedisFixture();
            node = TestNode.startConfigured(redis.nodeFlags());
            await().atMost(Duration.ofSeconds(10)).until(() -> node.server.broker().connected());
        } else {
            node = TestNode.start();
        }
    }

    @AfterEach
    void stop() {
        node.close();
        if (redis != null) {
            redis.close();
        }
    }

    private HttpResponse<String> put(String topic, String text, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(node.uri("/topics/" + topic)).PUT(HttpRequest.BodyPublishers.ofString(text));
        if (headers.length > 0) {
            request.headers(headers);
        }
        return TestNode.send(request.build());
    }

    private static String etag(HttpResponse<String> response) {
        return response.headers().firstValue("etag").orElse(null);
    }

    private String text(String topic) {
        return TestNode.send(HttpRequest.newBuilder(node.uri("/topics/" + topic)).GET().build()).body();
    }

    @ParameterizedTest
    @ValueSource(strings = {"embedded", "redis"})
    void theCurrentETagPublishesTheNextVersion(String broker) {
        start(broker);
        String topic = TestNode.topic();
        String first = etag(put(topic, "one"));
        HttpResponse<String> second = put(topic, "two", "If-Match", first);
        assertEquals(200, second.statusCode(), second.body());
        assertTrue(second.body().contains("\"version\":2"), second.body());
        assertEquals("\"2-" + first.substring(3), etag(second));
        assertEquals(200, put(topic, "three", "If-Match", "*").statusCode(), "* matches any state");
        assertEquals("three", text(topic));
    }

    @ParameterizedTest
    @ValueSource(strings = {"embedded", "redis"})
    void aStaleOrForeignOrMalformedETagIs412WithTheCurrentOne(String broker) {
        start(broker);
        String topic = TestNode.topic();
        String first = etag(put(topic, "one"));
        String current = etag(put(topic, "two"));
        String epoch = first.substring(3, first.length() - 1);
        String otherEpoch = epoch.equals("abcdefgh") ? "hgfedcba" : "abcdefgh";
        for (String stale : List.of(first, "\"2-" + otherEpoch + "\"", "\"3-" + epoch + "\"")) {
            HttpResponse<String> refused = put(topic, "stale", "If-Match", stale);
            assertEquals(412, refused.statusCode(), stale);
            assertEquals("If-Match: the topic is at another version\n", refused.body());
            assertEquals(current, etag(refused), "the current state is told");
        }
        for (String malformed : List.of("2-" + epoch, "W/" + current, current + ", " + first, "\"x\"", "\"0-" + epoch + "\"")) {
            HttpResponse<String> refused = put(topic, "malformed", "If-Match", malformed);
            assertEquals(412, refused.statusCode(), malformed);
            assertEquals("If-Match must be * or one \"<version>-<epoch>\"\n", refused.body());
        }
        assertEquals("two", text(topic), "nothing stored by a refused publish");
        assertEquals(8, node.scrape().value("pushgate_http_errors_total", "status", "412"), "412s are counted");
    }

    @ParameterizedTest
    @ValueSource(strings = {"embedded", "redis"})
    void aTopicWithoutVersionMatchesNoETag(String broker) {
        start(broker);
        String topic = TestNode.topic();
        for (String condition : List.of("\"1-abcdefgh\"", "*")) {
            HttpResponse<String> refused = put(topic, "first", "If-Match", condition);
            assertEquals(412, refused.statusCode(), condition);
            assertEquals("If-Match: the topic has no version yet\n", refused.body());
            assertEquals(null, etag(refused), "no state, no ETag");
        }
        assertEquals(404, TestNode.send(HttpRequest.newBuilder(node.uri("/topics/" + topic)).GET().build()).statusCode());
    }

    @ParameterizedTest
    @ValueSource(strings = {"embedded", "redis"})
    void concurrentEditsOfOneVersionHaveOneWinner(String broker) {
        start(broker);
        String topic = TestNode.topic();
        String base = etag(put(topic, "base"));
        ExecutorService editors = Executors.newFixedThreadPool(12);
        try {
            List<CompletableFuture<HttpResponse<String>>> edits = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                String text = "edit " + i;
                edits.add(CompletableFuture.supplyAsync(() -> put(topic, text, "If-Match", base), editors));
            }
            List<Integer> statuses = edits.stream().map(e -> e.join().statusCode()).toList();
            assertEquals(1, statuses.stream().filter(s -> s == 200).count(), statuses.toString());
            assertEquals(11, statuses.stream().filter(s -> s == 412).count(), statuses.toString());
            assertEquals("edit " + statuses.indexOf(200), text(topic), "the winner's text is stored");
        } finally {
            editors.shutdown();
        }
    }
}
