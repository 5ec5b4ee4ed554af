package io.pushgate.sse;

import io.pushgate.testing.ChunkedSse;
import io.pushgate.testing.RawHttp;
import io.pushgate.testing.SseClient;
import io.pushgate.testing.SseClient.Event;
import io.pushgate.testing.TestNode;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A client of a feed that stops reading: not conflated; it catches up in order, or is closed and replays. */
class FeedSlowConsumerTest {
    private static final String BIG = "x".repeat(64 * 1024);
    /** Far more than the kernel's and the channel's buffers of a stalled stream hold (~200 KiB). */
    private static final int BIG_EVENTS = 40;


    private static List<String> appendBig(TestNode node, String feed) {
        List<String> ids = new ArrayList<>();
        for (int i = 1; i <= BIG_EVENTS; i++) {
            ids.add(node.append(feed, "big " + i + ":" + BIG));
        }
        return ids;
    }

    @Test
    void aStalledStreamIsNotConflatedAndCatchesUpInOrderWhenItReadsAgain() throws Exception {
        String feed = TestNode.topic();
        try (TestNode node = TestNode.start("--write-buffer-low", "8KiB", "--write-buffer-high", "16KiB",
                "--slow-consumer-timeout", "60s");
             RawHttp raw = new RawHttp(node.port(), 4096)) {
            // The client reads the head, then nothing for a while; its receive buffer is small.
            raw.send("GET /feeds/" + feed + "/events HTTP/1.1\r\nHost: x\r\n\r\n");
            String head = raw.readUntil("\r\n\r\n");
            List<String> ids = appendBig(node, feed);
            ids.add(node.append(feed, "last"));
            List<Event> events = ChunkedSse.events(head + raw.readUntil("data: last\n"));
            assertEquals(ids, events.stream().map(Event::id).toList(), "every event once, in order");
            assertTrue(node.scrape().value("pushgate_feed_events_replayed_total") > 0,
                    "some events were skipped while it was not writable and came from the catch-up");
            assertEquals(1, node.server.streams().count(), "a slow stream that reads again stays open");
        }
    }

    @Test
    void aStreamStalledBeyondTheLimitIsClosedAndReplaysOnReconnect() throws Exception {
        String feed = TestNode.topic();
        try (TestNode node = TestNode.start("--write-buffer-low", "8KiB", "--write-buffer-high", "16KiB",
                "--slow-consumer-timeout", "1s")) {
            String first;
            try (RawHttp raw = new RawHttp(node.port(), 4096)) {
                raw.send("GET /feeds/" + feed + "/events HTTP/1.1\r\nHost: x\r\n\r\n");
                raw.readUntil("\r\n\r\n");
                first = node.append(feed, "first");
                raw.readUntil("data: first\n");
                List<String> ids = appendBig(node, feed);
                await().atMost(Duration.ofSeconds(10)).until(() -> node.server.streams().count() == 0);
                assertEquals(1, node.server.streams().slowDisconnects());
                // The client reconnects with the id of the last event it read: it gets all it missed.
                try (SseClient client = node.feedStream(feed, "", Map.of("Last-Event-ID", first))) {
                    for (String id : ids) {
                        assertEquals(id, client.next().id());
                    }
                }
            }
        }
    }
}
