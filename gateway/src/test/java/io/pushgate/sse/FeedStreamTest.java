package io.pushgate.sse;

import io.pushgate.testing.SseClient;
import io.pushgate.testing.SseClient.Event;
import io.pushgate.testing.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Feed streams over real loopback sockets: live events, replay after a reconnect, reset, ?last (README "Feeds"). */
class FeedStreamTest {
    /** Small, so that a gap larger than what is kept is cheap to make. */
    private static final int CAP = 50;
    private static TestNode node;

    @BeforeAll
    static void start() {
        node = TestNode.start("--feed-cap", Integer.toString(CAP));
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    private static SseClient stream(String feed, String lastEventId) {
        return node.feedStream(feed, "", lastEventId == null ? Map.of() : Map.of("Last-Event-ID", lastEventId));
    }

    /** Appends {@code texts} and returns their ids. */
    private static List<String> append(String feed, String prefix, int count) {
        List<String> ids = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            ids.add(node.append(feed, prefix + i));
        }
        return ids;
    }

    /** Waits for the next {@code n} events. */
    private static List<Event> next(SseClient client, int n) {
        List<Event> events = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            events.add(client.next());
        }
        return events;
    }

    @Test
    void streamsLiveEventsWithTheirIds() {
        String feed = TestNode.topic();
        try (SseClient client = stream(feed, null)) {
            assertEquals(200, client.status());
            awaitSubscribed(client, feed);
            List<String> ids = append(feed, "e", 3);
            List<Event> events = next(client, 3);
            for (int i = 0; i < 3; i++) {
                assertEquals("message", events.get(i).type());
                assertEquals(ids.get(i), events.get(i).id());
                assertEquals("e" + (i + 1), events.get(i).data());
            }
            assertTrue(ids.get(0).startsWith("2-"), ids.get(0)); // the sentinel was 1
        }
    }

    /** A sentinel event proves the stream is live: everything appended after it arrives too. */
    private static void awaitSubscribed(SseClient client, String feed) {
        String id = node.append(feed, "sentinel");
        Event event = client.next();
        assertEquals("sentinel", event.data());
        assertEquals(id, event.id());
    }
}
