package io.pushgate.loops;

import io.pushgate.testing.NodeProcess;
import io.pushgate.testing.SseClient;
import io.pushgate.testing.TestNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Every transport serves the same stream contract (this kernel offers all three); what auto chooses. */
class TransportTest {

    /** On Linux, auto falls back to NIO only with a warning that says why and what to do. */
    @Test
    void autoSaysWhyItFallsBackToNio() throws Exception {
        // Netty cannot extract its native library into a directory it cannot write (a read-only root).
        try (NodeProcess node = NodeProcess.startWithProperties(
                List.of("-Dio.netty.native.workdir=/proc", "-Dio.netty.tmpdir=/proc"),
                "--bind", "127.0.0.1", "--port", "0", "--admin-port", "0")) {
            node.awaitListening();
            assertEquals(1, node.count("WARN  [main] i.p.loops.Transport - epoll is not available"),
                    String.join("\n", node.lines()));
            assertEquals(1, node.count("-Dio.netty.native.workdir"), String.join("\n", node.lines()));
            assertEquals(1, node.count("(transport nio,"), String.join("\n", node.lines()));
        }
    }

    /** auto takes epoll where it is there (io_uring only when asked for: see Transport.select). */
    @Test
    void autoTakesEpoll() throws Exception {
        try (NodeProcess node = NodeProcess.start("--bind", "127.0.0.1", "--port", "0", "--admin-port", "0")) {
            node.awaitListening();
            assertEquals(0, node.count("is not available"), String.join("\n", node.lines()));
            assertEquals(1, node.count("(transport epoll,"), String.join("\n", node.lines()));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"epoll", "io_uring", "nio"})
    void fanOutWorksOnEveryTransport(String transport) {
        try (TestNode node = TestNode.start("--transport", transport)) {
            assertEquals(transport, node.server.transportName());
            String topic = TestNode.topic();
            node.publish(topic, "first");
            List<SseClient> clients = new ArrayList<>();
            try {
                for (int i = 0; i < 50; i++) {
                    clients.add(node.stream(topic));
                }
                for (SseClient client : clients) {
                    assertEquals("first", client.next().data());
                }
                node.publish(topic, "second\nline");
                for (SseClient client : clients) {
                    assertEquals("second\nline", client.next().data());
                }
            } finally {
                clients.forEach(SseClient::close);
            }
        }
    }

    /**
     * Idle streams hear heartbeats on every transport: sent from the one shared chunk straight to
     * the socket (epoll) or through the channel's queue (io_uring, NIO), and each stream carries
     * the next version after them.
     */
    @ParameterizedTest
    @ValueSource(strings = {"epoll", "io_uring", "nio"})
    void idleStreamsHearHeartbeatsOnEveryTransport(String transport) {
        try (TestNode node = TestNode.start("--transport", transport, "--heartbeat", "1s")) {
            String topic = TestNode.topic();
            List<SseClient> clients = new ArrayList<>();
            try {
                for (int i = 0; i < 20; i++) {
                    SseClient client = node.stream(topic);
                    assertEquals(200, client.status());
                    clients.add(client);
                }
                await().atMost(Duration.ofSeconds(10)).until(() -> clients.stream().allMatch(c -> c.comments() >= 2));
                node.publish(topic, "after the heartbeats");
                for (SseClient client : clients) {
                    assertEquals("after the heartbeats", client.next().data());
                }
            } finally {
                clients.forEach(SseClient::close);
            }
        }
    }
}
