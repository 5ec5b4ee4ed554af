package io.pushgate.node;

import io.pushgate.testing.SseClient;
import io.pushgate.testing.TestNode;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The drain of DESIGN.md: batches over the window, jittered retry, exit 0 on SIGTERM. */
class ShutdownTest {

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
    void drainEndsEveryStreamWithAJitteredRetryWithinTheTimeout() throws Exception {
        TestNode node = TestNode.start("--drain-timeout", "3s", "--drain-grace", "200ms",
                "--retry", "5s", "--retry-jitter", "1s");
        List<SseClient> clients = openStreams(node, 20);
        long start = System.nanoTime();
        CompletableFuture<Void> drained = node.server.drain();
        for (SseClient client : clients) {
            client.awaitEnd(Duration.ofSeconds(5));
        }
        drained.get(5, TimeUnit.SECONDS);
        long took = System.nanoTime() - start;
        assertTrue(took < Duration.ofMillis(3500).toNanos(), "drain took " + took / 1_000_000 + " ms");
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
    void drainSpreadsTheClosesOverTheWindow() {
        TestNode node = TestNode.start("--drain-timeout", "3s", "--drain-grace", "100ms");
        List<SseClient> clients = openStreams(node, 20);
        long start = System.nanoTime();
        node.server.drain();
        for (SseClient client : clients) {
            client.awaitEnd(Duration.ofSeconds(5));
        }
        long first = clients.stream().mapToLong(SseClient::endedAt).min().orElseThrow();
        long last = clients.stream().mapToLong(SseClient::endedAt).max().orElseThrow();
        // 3 s drain: 100 ms grace, 750 ms kept for the end, ~2.1 s of batches.
        assertTrue(first - start >= Duration.ofMillis(100).toNanos(), "nothing closes during the grace period");
        assertTrue(last - first >= Duration.ofMillis(1000).toNanos(),
                "closes spread over " + (last - first) / 1_000_000 + " ms");
    }

    @Test
    void sigtermDrainsAndExitsZero() throws Exception {
        ProcessBuilder builder = new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "io.pushgate.Main",
                "--bind", "127.0.0.1", "--port", "0", "--admin-port", "0", "--drain-timeout", "2s", "--drain-grace", "100ms");
        builder.redirectErrorStream(true);
        Process process = builder.start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            Pattern listening = Pattern.compile("listening on 127\\.0\\.0\\.1:(\\d+) \\(transport (\\w+)");
            Pattern admin = Pattern.compile(", admin 127\\.0\\.0\\.1:(\\d+)$");
            int port = -1;
            int adminPort = -1;
            String line;
            while (port < 0 && (line = out.readLine()) != null) {
                Matcher m = listening.matcher(line);
                if (m.find()) {
                    port = Integer.parseInt(m.group(1));
                    Matcher a = admin.matcher(line);
                    assertTrue(a.find(), "the start-up line names the admin port: " + line);
                    adminPort = Integer.parseInt(a.group(1));
                }
            }
            assertTrue(port > 0, "no start-up line");
            assertEquals(200, TestNode.send(java.net.http.HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + adminPort + "/healthz")).GET().build()).statusCode());
            SseClient client = SseClient.open(URI.create("http://127.0.0.1:" + port + "/topics/x/events"));
            assertEquals(200, client.status());
            long start = System.nanoTime();
            process.destroy(); // SIGTERM
            assertTrue(process.waitFor(10, TimeUnit.SECONDS), "did not exit");
            long took = System.nanoTime() - start;
            assertEquals(0, process.exitValue());
            assertTrue(took < Duration.ofMillis(3500).toNanos(), "exit took " + took / 1_000_000 + " ms");
            client.awaitEnd(Duration.ofSeconds(1));
            assertEquals(2, client.retries(), "the stream got a retry hint before it closed");
        } finally {
            process.destroyForcibly();
        }
    }
}
