package io.pushgate.sse;

import io.pushgate.testing.ChunkedSse;
import io.pushgate.testing.PrometheusText;
import io.pushgate.testing.RawHttp;
import io.pushgate.testing.SseClient.Event;
import io.pushgate.testing.TestNode;
import org.junit.jupiter.api.Test;

import java.net.SocketException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A client that stops reading: conflation while it is behind, disconnect when it stays behind. */
class SlowConsumerTest {
    private static final String BIG = "x".repeat(64 * 1024);
    private static final int MAX_PUBLISHES = 600;

    /** Publishes large versions until the hub skips one for a slow subscriber; returns the count. */
    private static long publishUntilConflated(TestNode node, String topic) {
        long version = 0;
        while (node.server.hub().conflated() == 0) {
            assertTrue(version < MAX_PUBLISHES, "the stream never became unwritable");
            version = node.publish(topic, "big " + (version + 1) + ":" + BIG);
        }
        return version;
    }

    /** A stream whose client reads the head and then nothing, with a small receive buffer. */
    private static RawHttp stalledStream(TestNode node, String topic) throws Exception {
        RawHttp raw = new RawHttp(node.port(), 4096);
        raw.send("GET /topics/" + topic + "/events HTTP/1.1\r\nHost: x\r\n\r\n");
        return raw;
    }

    @Test
    void drainedStreamGetsOnlyTheLatestOfWhatItMissed() throws Exception {
        String topic = TestNode.topic();
        try (TestNode node = TestNode.start("--write-buffer-low", "8KiB", "--write-buffer-high", "16KiB",
                "--slow-consumer-timeout", "60s");
             RawHttp raw = stalledStream(node, topic)) {
            await().atMost(Duration.ofSeconds(5)).until(() -> node.server.streams().count() == 1);
            long version = publishUntilConflated(node, topic);
            for (int i = 0; i < 5; i++) {
                version = node.publish(topic, "big " + (version + 1) + ":" + BIG);
            }
            long latest = node.publish(topic, "latest");
            assertEquals(version + 1, latest);

            List<Event> events = ChunkedSse.events(raw.readUntil("data: latest\n"));
            assertTrue(events.size() >= 2, "events: " + events.size());
            for (int i = 1; i < events.size(); i++) {
                assertTrue(events.get(i).version() > events.get(i - 1).version(), "versions only go up");
            }
            Event last = events.get(events.size() - 1);
            assertEquals(latest, last.version());
            assertEquals("latest", last.data());
            assertTrue(events.size() < latest, "versions missed while behind were conflated: got "
                    + events.size() + " of " + latest);
            assertEquals(1, node.server.streams().count(), "a conflated stream stays open");
        }
    }

    @Test
    void streamUnwritableBeyondTheLimitIsClosed() throws Exception {
        String topic = TestNode.topic();
        try (TestNode node = TestNode.start("--write-buffer-low", "8KiB", "--write-buffer-high", "16KiB",
                "--slow-consumer-timeout", "1s");
             RawHttp raw = stalledStream(node, topic)) {
            await().atMost(Duration.ofSeconds(5)).until(() -> node.server.streams().count() == 1);
            publishUntilConflated(node, topic);
            await().atMost(Duration.ofSeconds(10)).until(() -> node.server.streams().count() == 0);
            assertEquals(1, node.server.streams().slowDisconnects());
            PrometheusText metrics = node.scrape();
            assertEquals(1, metrics.value("pushgate_slow_consumer_disconnects_total"));
            assertEquals(1, metrics.value("pushgate_connections_closed_total", "reason", "slow_consumer"));
            assertEquals(0, metrics.value("pushgate_connections_closed_total", "reason", "client"));
            assertEquals(node.server.hub().conflated(), metrics.value("pushgate_conflated_total"));
            assertTrue(metrics.value("pushgate_conflated_total") >= 1);
            // Reading now, the client finds the stream reset: what was queued for it was dropped at once.
            SocketException reset = assertThrows(SocketException.class, () -> raw.readToEof(5000));
            assertTrue(reset.getMessage().toLowerCase().contains("reset"), reset.getMessage());
        }
    }

    /**
     * A frame bigger than the kernel takes at once: the part sent straight to the socket and the rest
     * queued behind it reach the client as one frame, and the versions after it (queued until the
     * queue is empty) whole and in order.
     */
    @Test
    void framesLargerThanTheSendBufferArriveWholeAndInOrder() throws Exception {
        String topic = TestNode.topic();
        try (TestNode node = TestNode.start("--send-buffer", "32KiB", "--write-buffer-low", "2MiB",
                "--write-buffer-high", "4MiB");
             RawHttp raw = stalledStream(node, topic)) {
            await().atMost(Duration.ofSeconds(5)).until(() -> node.server.streams().count() == 1);
            List<String> texts = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                String text = "v" + i + ":" + String.valueOf((char) ('a' + i)).repeat(256 * 1024) + ":end" + i;
                assertEquals(i + 1, node.publish(topic, text));
                texts.add(text);
            }
            List<Event> events = ChunkedSse.events(raw.readUntil(":end4\n"));
            assertEquals(5, events.size(), "every version, none conflated");
            for (int i = 0; i < 5; i++) {
                assertEquals(i + 1, events.get(i).version());
                String data = events.get(i).data();
                // Compared whole, reported short: a failure message of 256 KiB helps nobody.
                assertTrue(texts.get(i).equals(data), "version " + (i + 1) + " not whole: " + data.length()
                        + " chars, from '" + data.substring(0, Math.min(20, data.length())) + "'");
            }
            assertEquals(0, node.server.hub().conflated());
        }
    }

    @Test
    void eachConnectionHasTheConfiguredKernelSendBuffer() throws Exception {
        String topic = TestNode.topic();
        try (TestNode node = TestNode.start("--send-buffer", "32KiB");
             RawHttp raw = stalledStream(node, topic)) {
            await().atMost(Duration.ofSeconds(5)).until(() -> node.server.streams().count() == 1);
            // Linux doubles what SO_SNDBUF asks for; ss shows the socket's limit as tb in skmem. The
            // node's end of this very connection only: another process may hold a socket on the same
            // port number of another loopback address.
            Process ss = new ProcessBuilder("ss", "-tmnH", "state", "established",
                    "( sport = :" + node.port() + " and dport = :" + raw.socket.getLocalPort() + " )")
                    .redirectErrorStream(true).start();
            String out = new String(ss.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertEquals(0, ss.waitFor());
            java.util.regex.Matcher tb = java.util.regex.Pattern.compile("\\btb(\\d+)").matcher(out);
            assertTrue(tb.find(), out);
            assertEquals(2 * 32 * 1024, Long.parseLong(tb.group(1)), out);
        }
    }
}
