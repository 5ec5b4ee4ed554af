package io.pushgate.node;

import io.pushgate.config.NodeConfig;
import io.pushgate.testing.ForwardingBroker;
import io.pushgate.testing.NodeProcess;
import io.pushgate.testing.SseClient;
import io.pushgate.testing.TestNode;
import org.junit.jupiter.api.Test;

import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The drain of README "Shutdown" and the node's lifecycle: batches with a jittered retry, one
 * future for every caller, signals, and a start that fails. The timing of the batches is
 * {@link DrainPlanTest}'s; here only the order of events is asserted, never a measured window.
 */
class ShutdownTest {
    private static final Duration DEADLINE = Duration.ofSeconds(20);

    private static List<SseClient> openStreams(TestNode node, int count) {
        List<SseClient> clients = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            SseClient client = node.stream(TestNode.topic());
            assertEquals(200, client.status());
            clients.add(client);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> node.server.streams().count() == count);
        return clients;
    }

    @Test
    void drainEndsEveryStreamWithAJitteredRetry() throws Exception {
        TestNode node = TestNode.start("--drain-timeout", "3s", "--drain-grace", "200ms",
                "--retry", "5s", "--retry-jitter", "1s");
        List<SseClient> clients = openStreams(node, 20);
        CompletableFuture<Void> drained = node.server.drain();
        for (SseClient client : clients) {
            client.awaitEnd(DEADLINE);
        }
        drained.get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
        List<Long> retries = new ArrayList<>();
        for (SseClient client : clients) {
            assertEquals(2, client.retries(), "one retry at the start, one at the drain");
            retries.add(client.retry());
            assertTrue(client.retry() >= 5000 && client.retry() <= 6000, "retry " + client.retry());
        }
        assertTrue(retries.stream().distinct().count() > 1, "retry hints are jittered: " + retries);
        assertThrows(ConnectException.class, () -> new Socket("127.0.0.1", node.port()).close());
    }

    @Test
    void drainEndsTheStreamsInBatchesNotAllAtOnce() {
        TestNode node = TestNode.start("--drain-timeout", "3s", "--drain-grace", "100ms");
        List<SseClient> clients = openStreams(node, 20);
        node.server.drain();
        await().atMost(DEADLINE).until(() -> clients.stream().anyMatch(SseClient::ended));
        long stillOpen = clients.stream().filter(c -> !c.ended()).count();
        assertTrue(stillOpen > 0, "when the first stream ended, others were still open (20 batches)");
        for (SseClient client : clients) {
            client.awaitEnd(DEADLINE);
        }
    }

    @Test
    void drainAndCloseReturnOneFutureAndASecondDrainChangesNothing() throws Exception {
        TestNode node = TestNode.start("--drain-timeout", "2s", "--drain-grace", "100ms");
        SseClient client = openStreams(node, 1).get(0);
        CompletableFuture<Void> first = node.server.drain();
        assertSame(first, node.server.drain(), "a second drain returns the drain under way");
        assertFalse(first.isDone(), "the drain is under way, not done");
        assertSame(first, node.server.close(), "close returns the same future");
        first.get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
        client.awaitEnd(DEADLINE);
        assertSame(first, node.server.close());
    }

    @Test
    void sigtermDrainsAndExitsZero() throws Exception {
        try (NodeProcess process = NodeProcess.start("--bind", "127.0.0.1", "--port", "0", "--admin-port", "0",
                "--drain-timeout", "2s", "--drain-grace", "100ms")) {
            int[] ports = process.awaitListening();
            assertEquals(200, TestNode.send(HttpRequest.newBuilder(NodeProcess.uri(ports[1], "/healthz")).GET().build())
                    .statusCode());
            SseClient client = SseClient.open(NodeProcess.uri(ports[0], "/topics/x/events"));
            assertEquals(200, client.status());
            process.signal("TERM");
            assertEquals(0, process.awaitExit(DEADLINE), String.join("\n", process.lines()));
            client.awaitEnd(DEADLINE);
            assertEquals(2, client.retries(), "the stream got a retry hint before it closed");
        }
    }

    @Test
    void aSecondSigtermDoesNotCutTheDrainShort() throws Exception {
        try (NodeProcess process = NodeProcess.start("--bind", "127.0.0.1", "--port", "0", "--admin-port", "0",
                "--drain-timeout", "4s", "--drain-grace", "1s")) {
            int[] ports = process.awaitListening();
            SseClient client = SseClient.open(NodeProcess.uri(ports[0], "/topics/x/events"));
            assertEquals(200, client.status());
            process.signal("TERM");
            process.awaitLine("SIGTERM: draining");
            process.signal("TERM");
            process.awaitLine("SIGTERM again: already draining");
            process.signal("TERM");
            assertEquals(0, process.awaitExit(DEADLINE), String.join("\n", process.lines()));
            client.awaitEnd(DEADLINE);
            assertEquals(2, client.retries(), "the stream was drained with a retry hint, not cut");
            assertEquals(1, process.count("already draining"), "said once: " + process.lines());
            assertEquals(1, process.count("drained, exiting"));
        }
    }

    @Test
    void aSecondSigintStopsAtOnce() throws Exception {
        try (NodeProcess process = NodeProcess.start("--bind", "127.0.0.1", "--port", "0", "--admin-port", "0",
                "--drain-timeout", "60s", "--drain-grace", "30s")) {
            int[] ports = process.awaitListening();
            SseClient client = SseClient.open(NodeProcess.uri(ports[0], "/topics/x/events"));
            assertEquals(200, client.status());
            process.signal("INT");
            process.awaitLine("SIGINT: draining");
            process.signal("INT");
            // Well before the 30 s grace is over: the second SIGINT did not wait for the drain.
            assertEquals(130, process.awaitExit(DEADLINE), String.join("\n", process.lines()));
            client.awaitEnd(DEADLINE);
            assertEquals(1, client.retries(), "stopped, not drained: no second retry hint");
        }
    }

    @Test
    void aStartOnATakenPortExitsNonZeroWithOneLineNamingTheCause() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
             NodeProcess process = NodeProcess.start("--bind", "127.0.0.1", "--port",
                     Integer.toString(taken.getLocalPort()), "--admin-port", "0")) {
            assertEquals(1, process.awaitExit(DEADLINE), String.join("\n", process.lines()));
            List<String> lines = process.lines();
            assertEquals(1, process.count("cannot start"), String.join("\n", lines));
            assertTrue(process.count("Address already in use") >= 1, String.join("\n", lines));
            assertEquals(0, process.count("\tat "), "no stack trace: " + lines);
        }
    }

    @Test
    void aFailedStartClosesWhatItOpenedTheBrokerToo() throws Exception {
        Set<String> loopsBefore = pushgateLoopThreads();
        try (ServerSocket taken = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            AtomicBoolean brokerClosed = new AtomicBoolean();
            ForwardingBroker broker = new ForwardingBroker() {
                @Override
                public void close() {
                    brokerClosed.set(true);
                    super.close();
                }
            };
            NodeConfig config = NodeConfig.parse("--bind", "127.0.0.1", "--port", Integer.toString(taken.getLocalPort()),
                    "--admin-port", "0");
            assertThrows(Exception.class, () -> Node.start(config, broker));
            assertTrue(brokerClosed.get(), "the broker it was given is closed");
        }
        await().atMost(DEADLINE).until(() -> loopsBefore.containsAll(pushgateLoopThreads()));
    }

    /** The node's event-loop threads alive now (named by the node: pushgate-accept, -loop, -admin). */
    private static Set<String> pushgateLoopThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(name -> name.startsWith("pushgate-")).collect(Collectors.toSet());
    }

    @Test
    void aStartWithAnUnparsableRedisUriExitsNonZeroWithOneLine() throws Exception {
        try (NodeProcess process = NodeProcess.start("--bind", "127.0.0.1", "--port", "0", "--admin-port", "0",
                "--redis", "not-a-uri")) {
            assertEquals(1, process.awaitExit(DEADLINE), String.join("\n", process.lines()));
            assertEquals(1, process.count("cannot start"), String.join("\n", process.lines()));
            assertEquals(1, process.count("URI scheme must not be null"), String.join("\n", process.lines()));
            assertEquals(0, process.count("\tat "), "no stack trace: " + process.lines());
        }
    }
}
