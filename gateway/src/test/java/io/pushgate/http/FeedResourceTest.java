package io.pushgate.http;

import io.pushgate.broker.InMemoryBroker;
import io.pushgate.config.FeedSettings;
import io.pushgate.config.TopicSettings;
import io.pushgate.testing.PrometheusText;
import io.pushgate.testing.SseClient;
import io.pushgate.testing.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code POST /feeds/{f}} and {@code GET /feeds/{f}} (the JSON history) over real sockets: answers, limits, bad input, metrics. */
class FeedResourceTest {
    private static final int CAP = 5;
    private static TestNode node;

    @BeforeAll
    static void start() {
        node = TestNode.start(new InMemoryBroker(TopicSettings.NONE, new FeedSettings(CAP)), "--feed-cap", Integer.toString(CAP),
                "--max-text", "64");
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    private static HttpResponse<String> get(String pathAndQuery) {
        return TestNode.send(HttpRequest.newBuilder(node.uri(pathAndQuery)).GET().build());
    }

    private static HttpResponse<String> post(String path, byte[] body) {
        return TestNode.send(HttpRequest.newBuilder(node.uri(path)).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build());
    }

    private static String epochOf(String id) {
        return id.substring(id.indexOf('-') + 1);
    }

    @Test
    void anAppendAnswersTheFeedAndTheEventsId() {
        String feed = TestNode.topic();
        HttpResponse<String> response = post("/feeds/" + feed, "hello".getBytes(StandardCharsets.UTF_8));
        assertEquals(200, response.statusCode());
        assertEquals("application/json", response.headers().firstValue("content-type").orElseThrow());
        assertTrue(response.body().matches("\\{\"feed\":\"" + feed + "\",\"id\":\"1-[0-9a-z]{8}\"}"), response.body());
    }

    @Test
    void theHistoryIsJsonWithEveryKeptEventItsIdTimeAndText() {
        String feed = TestNode.topic();
        String first = node.append(feed, "a \"quoted\"\nline\\ é");
        String second = node.append(feed, "b");
        String epoch = epochOf(first);
        HttpResponse<String> response = get("/feeds/" + feed);
        assertEquals(200, response.statusCode());
        assertEquals("application/json", response.headers().firstValue("content-type").orElseThrow());
        String body = response.body();
        assertTrue(body.startsWith("{\"feed\":\"" + feed + "\",\"epoch\":\"" + epoch + "\",\"first\":1,\"last\":2,"
                + "\"reset\":false,\"events\":[{\"id\":\"" + first + "\",\"ts\":"), body);
        assertTrue(body.contains(",\"text\":\"a \\\"quoted\\\"\\nline\\\\ é\"}"), body);
        assertTrue(body.contains("},{\"id\":\"" + second + "\",\"ts\":"), body);
        assertTrue(body.endsWith(",\"text\":\"b\"}]}"), body);
    }

    @Test
    void afterAndLimitSelectTheEvents() {
        String feed = TestNode.topic();
        String first = node.append(feed, "a");
        String second = node.append(feed, "b");
        String third = node.append(feed, "c");
        String body = get("/feeds/" + feed + "?after=" + first + "&limit=1").body();
        assertTrue(body.contains("\"reset\":false"), body);
        assertTrue(body.contains("\"events\":[{\"id\":\"" + second + "\""), body);
        assertTrue(!body.contains(third), body);
        assertTrue(get("/feeds/" + feed + "?limit=0").body().endsWith("\"events\":[]}"));
        assertTrue(get("/feeds/" + feed + "?after=" + third).body().endsWith("\"reset\":false,\"events\":[]}"),
                "nothing after the last");
        assertEquals(400, get("/feeds/" + feed + "?limit=" + (CAP + 1)).statusCode());
        assertEquals(400, get("/feeds/" + feed + "?limit=-1").statusCode());
        assertEquals(400, get("/feeds/" + feed + "?limit=many").statusCode());
    }

    @Test
    void anAfterThatCannotBeContinuedIsFlaggedResetWithTheOldestKept() {
        String feed = TestNode.topic();
        String first = node.append(feed, "e1");
        for (int i = 2; i <= CAP + 3; i++) {
            node.append(feed, "e" + i);
        }
        String epoch = epochOf(first);
        String trimmed = get("/feeds/" + feed + "?after=" + first).body();
        assertTrue(trimmed.contains("\"first\":4,\"last\":8,\"reset\":true,\"events\":[{\"id\":\"4-" + epoch + "\""), trimmed);
        String otherEpoch = get("/feeds/" + feed + "?after=6-zzzzzzzz").body();
        assertTrue(otherEpoch.contains("\"reset\":true,\"events\":[{\"id\":\"4-" + epoch + "\""), otherEpoch);
        String unparsable = get("/feeds/" + feed + "?after=garbage").body();
        assertTrue(unparsable.contains("\"reset\":true,\"events\":[{\"id\":\"4-" + epoch + "\""), unparsable);
        String kept = get("/feeds/" + feed + "?after=3-" + epoch).body();
        assertTrue(kept.contains("\"reset\":false,\"events\":[{\"id\":\"4-" + epoch + "\""), kept);
    }

    @Test
    void aFeedWithoutStateHasANullEpochAndNoEvents() {
        String feed = TestNode.topic();
        assertEquals("{\"feed\":\"" + feed + "\",\"epoch\":null,\"first\":0,\"last\":0,\"reset\":false,\"events\":[]}",
                get("/feeds/" + feed).body());
        assertTrue(get("/feeds/" + feed + "?after=3-abcdefgh").body().contains("\"reset\":true"),
                "a cursor of a feed that has no state");
    }

    @Test
    void badInputGetsA4xxWithAReason() {
        HttpResponse<String> badName = post("/feeds/a%20b", new byte[] {'x'});
        assertEquals(400, badName.statusCode());
        assertTrue(badName.body().startsWith("invalid feed name"), badName.body());
        assertEquals(400, get("/feeds/pushgate.x/events").statusCode());
        assertEquals(400, get("/events?feed=a%20b").statusCode());
        HttpResponse<String> badText = post("/feeds/" + TestNode.topic(), new byte[] {'a', (byte) 0xC3, '(', 'b'});
        assertEquals(400, badText.statusCode());
        assertEquals("text is not valid UTF-8\n", badText.body());
        assertEquals(413, post("/feeds/" + TestNode.topic(), new byte[65]).statusCode());
        HttpResponse<String> put = TestNode.send(HttpRequest.newBuilder(node.uri("/feeds/x"))
                .PUT(HttpRequest.BodyPublishers.ofString("x")).build());
        assertEquals(405, put.statusCode());
        assertEquals("GET, HEAD, POST, OPTIONS", put.headers().firstValue("allow").orElseThrow());
        HttpResponse<String> postStream = post("/feeds/x/events", new byte[] {'x'});
        assertEquals(405, postStream.statusCode());
        assertEquals("GET, HEAD, OPTIONS", postStream.headers().firstValue("allow").orElseThrow());
    }

    @Test
    void tooManyTopicsAndFeedsInOneStreamAre400() {
        try (TestNode small = TestNode.start("--max-topics-per-stream", "2")) {
            HttpResponse<String> response = TestNode.send(HttpRequest.newBuilder(small.uri("/events?topic=a&feed=b&feed=c")).build());
            assertEquals(400, response.statusCode());
            assertTrue(response.body().startsWith("too many topics and feeds"), response.body());
        }
    }

    @Test
    void metricsCountAppendsReplaysResetsFeedsAndDeliveries() {
        String feed = TestNode.topic();
        PrometheusText before = node.scrape();
        String first = node.append(feed, "e1");
        node.append(feed, "e2");
        try (SseClient live = node.feedStream(feed, "", Map.of("Last-Event-ID", first))) {
            assertEquals("e2", live.next().data());
            await().until(() -> node.scrape().value("pushgate_feeds") == before.value("pushgate_feeds") + 1);
            node.append(feed, "e3");
            assertEquals("e3", live.next().data());
            try (SseClient reset = node.feedStream(feed, "", Map.of("Last-Event-ID", "1-zzzzzzzz"))) {
                assertEquals("pushgate.reset", reset.next().type());
                reset.next();
                reset.next();
                reset.next();
            }
            PrometheusText after = node.scrape();
            assertEquals(before.value("pushgate_feed_appends_total") + 3, after.value("pushgate_feed_appends_total"));
            assertEquals(before.value("pushgate_feed_resets_total") + 1, after.value("pushgate_feed_resets_total"));
            assertEquals(before.value("pushgate_feed_events_replayed_total") + 4, after.value("pushgate_feed_events_replayed_total"),
                    "e2 after the id, e1..e3 after the reset");
            assertEquals(before.value("pushgate_deliveries_total") + 5, after.value("pushgate_deliveries_total"),
                    "the live e3 and the four replayed");
            assertTrue(after.value("pushgate_delivery_latency_seconds_count") > before.value("pushgate_delivery_latency_seconds_count"),
                    "the live delivery is timed");
        }
    }
}
