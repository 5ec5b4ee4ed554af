package io.pushgate.sse;

import io.pushgate.broker.InMemoryBroker;
import io.pushgate.config.FeedSettings;
import io.pushgate.config.TopicSettings;
import io.pushgate.testing.RawHttp;
import io.pushgate.testing.SseClient;
import io.pushgate.testing.SseClient.Event;
import io.pushgate.testing.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Feed streams over real loopback sockets (README "Feeds"): live events with their ids, replay after
 * a reconnect, reset when the gap is not kept or the id names nothing, {@code ?last=N}, mixed streams.
 */
class FeedStreamTest {
    /** Small, so that a gap larger than what is kept is cheap to make. */
    private static final int CAP = 150;
    private static TestNode node;

    @BeforeAll
    static void start() {
        node = TestNode.start(new InMemoryBroker(TopicSettings.NONE, new FeedSettings(CAP)), "--feed-cap", Integer.toString(CAP));
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    private static SseClient stream(String feed, String lastEventId) {
        return node.feedStream(feed, "", lastEventId == null ? Map.of() : Map.of("Last-Event-ID", lastEventId));
    }

    /** Appends {@code count} events {@code prefix1}, {@code prefix2}… and returns their ids. */
    private static List<String> append(String feed, String prefix, int count) {
        List<String> ids = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            ids.add(node.append(feed, prefix + i));
        }
        return ids;
    }

    /** The next {@code n} events. */
    private static List<Event> next(SseClient client, int n) {
        List<Event> events = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            events.add(client.next());
        }
        return events;
    }

    /**
     * Appends a sentinel once the head is there and waits for it: the stream is live, and nothing
     * came before it (the head is flushed once every feed's start is fixed).
     */
    private static void assertNextIsLive(SseClient client, String feed) {
        assertEquals(200, client.status());
        String id = node.append(feed, "sentinel");
        Event event = client.next();
        assertEquals("sentinel", event.data(), "the next event is the sentinel: nothing else came before it");
        assertEquals(id, event.id());
    }

    private static long seq(String id) {
        return Long.parseLong(id.substring(id.indexOf('/') + 1, id.indexOf('-')));
    }

    /** {@code ids} from {@code events} equal {@code expected}, in order. */
    private static void assertIds(List<String> expected, List<Event> events) {
        assertEquals(expected, events.stream().map(Event::id).toList());
    }

    @Test
    void streamsLiveEventsWithTheirIds() {
        String feed = TestNode.topic();
        try (SseClient client = stream(feed, null)) {
            assertEquals(200, client.status());
            assertNextIsLive(client, feed);
            List<String> ids = append(feed, "e", 3);
            List<Event> events = next(client, 3);
            assertIds(ids, events);
            for (int i = 0; i < 3; i++) {
                assertEquals("message", events.get(i).type());
                assertEquals("e" + (i + 1), events.get(i).data());
            }
            assertEquals(2, seq(ids.get(0)), "the sentinel was 1");
        }
    }

    @Test
    void aNewStreamWithoutIdGetsLiveEventsOnly() {
        String feed = TestNode.topic();
        append(feed, "old", 5);
        try (SseClient client = stream(feed, null)) {
            assertNextIsLive(client, feed);
        }
    }

    @Test
    void replaysAGapOfOne() {
        assertReplays(1);
    }

    @Test
    void replaysAGapOfAHundred() {
        assertReplays(100);
    }

    /** A client that saw event k reconnects after {@code gap} appends: it gets exactly those, then live. */
    private static void assertReplays(int gap) {
        String feed = TestNode.topic();
        String seen = append(feed, "before", 3).get(2);
        List<String> missed = append(feed, "missed", gap);
        try (SseClient client = stream(feed, seen)) {
            List<Event> events = next(client, gap);
            assertIds(missed, events);
            assertEquals("missed" + gap, events.get(gap - 1).data());
            assertNextIsLive(client, feed);
        }
    }

    @Test
    void aGapLargerThanWhatIsKeptGetsAResetThenEveryKeptEvent() {
        String feed = TestNode.topic();
        String seen = append(feed, "before", 2).get(0);
        List<String> all = new ArrayList<>(append(feed, "e", CAP + 20));
        List<String> kept = all.subList(all.size() - CAP, all.size());
        double resets = node.scrape().value("pushgate_feed_resets_total");
        try (SseClient client = stream(feed, seen)) {
            Event reset = client.next();
            assertEquals("pushgate.reset", reset.type());
            assertEquals(feed, reset.data());
            assertEquals("", reset.id(), "a reset carries no id of its own (the client's stays)");
            assertIds(kept, next(client, CAP));
            assertNextIsLive(client, feed);
        }
        assertEquals(resets + 1, node.scrape().value("pushgate_feed_resets_total"));
    }

    @Test
    void anUnparsableIdGetsAResetThenEveryKeptEvent() {
        String feed = TestNode.topic();
        List<String> ids = append(feed, "e", 3);
        try (SseClient client = stream(feed, "not-an-id")) {
            assertEquals("pushgate.reset", client.next().type());
            assertIds(ids, next(client, 3));
            assertNextIsLive(client, feed);
        }
    }

    @Test
    void anIdOfAnotherEpochGetsAResetThenEveryKeptEvent() {
        String feed = TestNode.topic();
        List<String> ids = append(feed, "e", 3);
        try (SseClient client = stream(feed, "2-zzzzzzzz")) {
            assertEquals("pushgate.reset", client.next().type());
            assertIds(ids, next(client, 3));
        }
    }

    @Test
    void anIdNamingTheFeedResumesItOnASingleFeedStreamToo() {
        String feed = TestNode.topic();
        List<String> ids = append(feed, "e", 2);
        try (SseClient client = stream(feed, feed + "/" + ids.get(0))) {
            assertEquals(ids.get(1), client.next().id());
        }
    }

    @Test
    void anIdNamingAnotherFeedGetsAReset() {
        String feed = TestNode.topic();
        List<String> ids = append(feed, "e", 2);
        try (SseClient client = stream(feed, "other/" + ids.get(0))) {
            assertEquals("pushgate.reset", client.next().type());
            assertIds(ids, next(client, 2));
        }
    }

    @Test
    void anIdOfAFeedWithoutStateGetsAResetAndTheEventsOfItsNewEpoch() {
        String feed = TestNode.topic();
        try (SseClient client = stream(feed, "7-abcdefgh")) {
            Event reset = client.next();
            assertEquals("pushgate.reset", reset.type());
            List<String> ids = append(feed, "e", 2);
            assertIds(ids, next(client, 2));
        }
    }

    @Test
    void aCursorAboveTheLastGetsNothingResentAndSkipsWhatItHolds() {
        String feed = TestNode.topic();
        String last = append(feed, "e", 3).get(2);
        String epoch = last.substring(last.indexOf('-') + 1);
        // The client came from a node that had heard of event 4 already.
        try (SseClient client = stream(feed, "4-" + epoch)) {
            assertEquals(200, client.status());
            String fourth = node.append(feed, "e4");
            String fifth = node.append(feed, "e5");
            assertTrue(fourth.startsWith("4-"), fourth);
            Event next = client.next();
            assertEquals(fifth, next.id(), "event 4 is not sent again");
        }
    }

    @Test
    void lastNGivesTheLastNKeptEventsThenLive() {
        String feed = TestNode.topic();
        List<String> ids = append(feed, "e", 10);
        try (SseClient client = node.feedStream(feed, "?last=3", Map.of())) {
            assertIds(ids.subList(7, 10), next(client, 3));
            assertNextIsLive(client, feed);
        }
        try (SseClient client = node.feedStream(feed, "?last=" + CAP, Map.of())) {
            assertEquals(ids.get(0), client.next().id(), "more than are kept: all kept");
        }
    }

    @Test
    void lastNAboveTheCapGetsWhatIsKeptAndNotANumberIsRefused() {
        String feed = TestNode.topic();
        List<String> ids = append(feed, "e", 3);
        try (SseClient client = node.feedStream(feed, "?last=" + (CAP + 1), Map.of())) {
            assertIds(ids, next(client, 3));
            assertNextIsLive(client, feed);
        }
        assertEquals(400, TestNode.send(HttpRequest.newBuilder(node.uri("/feeds/" + feed + "/events?last=x")).build())
                .statusCode());
        assertEquals(400, TestNode.send(HttpRequest.newBuilder(node.uri("/events?topic=a&last=2")).build()).statusCode(),
                "a stream without feeds has nothing to replay");
    }

    @Test
    void theLastEventIdQueryParameterResumesAsTheHeaderDoes() {
        String feed = TestNode.topic();
        List<String> ids = append(feed, "e", 4);
        try (SseClient client = node.feedStream(feed, "?lastEventId=" + ids.get(1), Map.of())) {
            assertIds(ids.subList(2, 4), next(client, 2));
        }
    }

    @Test
    void aMixedStreamNamesEventsAndGivesTopicsNoIdSoTheFeedsCursorStays() {
        String topic = TestNode.topic();
        String feed = TestNode.topic();
        node.publish(topic, "text 1");
        String first = node.append(feed, "f1");
        try (SseClient client = SseClient.open(node.uri("/events?topic=" + topic + "&feed=" + feed + "&last=1"))) {
            List<Event> start = next(client, 2);
            Event topicEvent = start.stream().filter(e -> e.type().equals(topic)).findFirst().orElseThrow();
            Event feedEvent = start.stream().filter(e -> e.type().equals(feed)).findFirst().orElseThrow();
            assertEquals("text 1", topicEvent.data());
            assertEquals(feed + "/" + first, feedEvent.id());
            node.publish(topic, "text 2");
            Event second = client.next();
            assertEquals(topic, second.type());
            assertEquals(feed + "/" + first, second.id(), "a topic event sets no id: the browser keeps the feed's");
        }
        // A reconnect with the feed's id resumes the feed and gives the topic its latest.
        String missed = node.append(feed, "f2");
        try (SseClient client = SseClient.open(node.uri("/events?topic=" + topic + "&feed=" + feed),
                Map.of("Last-Event-ID", feed + "/" + first))) {
            List<Event> events = next(client, 2);
            assertTrue(events.stream().anyMatch(e -> e.type().equals(topic) && e.data().equals("text 2")), events.toString());
            assertTrue(events.stream().anyMatch(e -> e.type().equals(feed) && e.id().equals(feed + "/" + missed)),
                    events.toString());
        }
    }

    @Test
    void aStreamOfTwoFeedsSetsBothCursorsAndAReconnectResumesBoth() {
        String b = TestNode.topic();
        String c = TestNode.topic();
        String b1 = node.append(b, "b1");
        String c1 = node.append(c, "c1");
        String cursors;
        try (SseClient client = SseClient.open(node.uri("/events?feed=" + b + "&feed=" + c + "&last=1"))) {
            next(client, 2);
            await().atMost(Duration.ofSeconds(5)).until(() -> client.lastEventId().contains(","));
            cursors = client.lastEventId();
            assertTrue(cursors.equals(b + "/" + b1 + "," + c + "/" + c1), cursors);
        }
        String b2 = node.append(b, "b2");
        String c2 = node.append(c, "c2");
        String c3 = node.append(c, "c3");
        try (SseClient client = SseClient.open(node.uri("/events?feed=" + b + "&feed=" + c),
                Map.of("Last-Event-ID", cursors))) {
            List<Event> events = next(client, 3);
            assertEquals(List.of(b + "/" + b2), events.stream().filter(e -> e.type().equals(b)).map(Event::id).toList());
            assertEquals(List.of(c + "/" + c2, c + "/" + c3),
                    events.stream().filter(e -> e.type().equals(c)).map(Event::id).toList());
            await().atMost(Duration.ofSeconds(5)).until(() -> client.lastEventId().equals(b + "/" + b2 + "," + c + "/" + c3));
        }
        // The same, as the lastEventId query parameter a page sets.
        try (SseClient client = SseClient.open(node.uri("/events?feed=" + b + "&feed=" + c + "&lastEventId="
                + URLEncoder.encode(b + "/" + b2 + "," + c + "/" + c2, StandardCharsets.UTF_8)))) {
            assertEquals(c + "/" + c3, client.next().id());
        }
    }

    @Test
    void aFeedMissingFromTheIdOfAStreamOfSeveralGetsAReset() {
        String b = TestNode.topic();
        String c = TestNode.topic();
        String b1 = node.append(b, "b1");
        String c1 = node.append(c, "c1");
        try (SseClient client = SseClient.open(node.uri("/events?feed=" + b + "&feed=" + c),
                Map.of("Last-Event-ID", b + "/" + b1))) {
            Event reset = client.next();
            assertEquals("pushgate.reset", reset.type());
            assertEquals(c, reset.data());
            assertEquals(c + "/" + c1, client.next().id());
        }
    }

    @Test
    void anHttp10ClientGetsTheFeedsEventsWithoutChunksAndTheCursorFrameToo() throws Exception {
        String b = TestNode.topic();
        String c = TestNode.topic();
        String b1 = node.append(b, "b1");
        String c1 = node.append(c, "c1");
        try (RawHttp raw = new RawHttp(node.port())) {
            raw.send("GET /events?feed=" + b + "&feed=" + c + "&last=1 HTTP/1.0\r\n\r\n");
            String all = raw.readUntil("id: " + b + "/" + b1 + "," + c + "/" + c1 + "\n\n");
            assertTrue(all.contains("event: " + c + "\nid: " + c + "/" + c1 + "\ndata: c1\n\n"), all);
            assertTrue(!all.toLowerCase().contains("transfer-encoding"), all);
        }
    }
}
