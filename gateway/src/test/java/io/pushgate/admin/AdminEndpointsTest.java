package io.pushgate.admin;

import io.pushgate.metrics.CloseReason;
import io.pushgate.testing.SseClient;
import io.pushgate.testing.ForwardingBroker;
import io.pushgate.testing.LogCapture;
import io.pushgate.testing.RawHttp;
import io.pushgate.testing.TestNode;
import org.junit.jupiter.api.Test;

import java.net.ConnectException;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The admin port: /healthz, /readyz with broker state and drain, 404 and 405, apart from the public port. */
class AdminEndpointsTest {

    /** The embedded broker, with a connection state the test sets. */
    static final class SwitchableBroker extends ForwardingBroker {
        volatile boolean connected = true;

        @Override
        public boolean connected() {
            return connected;
        }

        @Override
        public String describe() {
            return "switchable";
        }
    }

    private static HttpResponse<String> get(TestNode node, String path) {
        return TestNode.send(HttpRequest.newBuilder(node.adminUri(path)).GET().build());
    }

    @Test
    void healthzAnswersOk() {
        try (TestNode node = TestNode.start()) {
            HttpResponse<String> response = get(node, "/healthz");
            assertEquals(200, response.statusCode());
            assertEquals("ok\n", response.body());
        }
    }

    @Test
    void readyzFollowsTheBrokerConnection() {
        SwitchableBroker broker = new SwitchableBroker();
        try (TestNode node = TestNode.start(broker)) {
            assertEquals(200, get(node, "/readyz").statusCode());
            assertEquals("ready\n", get(node, "/readyz").body());

            broker.connected = false;
            HttpResponse<String> down = get(node, "/readyz");
            assertEquals(503, down.statusCode());
            assertEquals("broker switchable not connected\n", down.body());
            assertEquals(0, node.scrape().value("pushgate_broker_connected"));

            broker.connected = true;
            assertEquals(200, get(node, "/readyz").statusCode());
            assertEquals(1, node.scrape().value("pushgate_broker_connected"));
        }
    }

    @Test
    void readyzTurnsUnavailableWhileDrainingAndStreamsCountAsDrained() throws Exception {
        TestNode node = TestNode.start("--drain-timeout", "3s", "--drain-grace", "1s");
        try {
            List<SseClient> clients = List.of(node.stream(TestNode.topic()), node.stream(TestNode.topic()));
            for (SseClient client : clients) {
                assertEquals(200, client.status());
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> node.server.streams().count() == 2);
            assertEquals(200, get(node, "/readyz").statusCode());
            int adminPort = node.server.adminPort();

            CompletableFuture<Void> drained = node.server.drain();
            HttpResponse<String> draining = get(node, "/readyz");
            assertEquals(503, draining.statusCode());
            assertEquals("draining\n", draining.body());
            assertEquals(200, get(node, "/healthz").statusCode(), "alive while draining");

            drained.get(5, TimeUnit.SECONDS);
            for (SseClient client : clients) {
                client.awaitEnd(Duration.ofSeconds(1));
            }
            assertEquals(2, node.server.streams().closed(CloseReason.DRAIN));
            assertEquals(0, node.server.streams().closed(CloseReason.CLIENT));
            assertThrows(ConnectException.class, () -> new Socket("127.0.0.1", adminPort).close(),
                    "the admin port closes with the node");
        } finally {
            node.close();
        }
    }

    @Test
    void unknownAdminPathIs404AndOtherMethodsAre405() {
        try (TestNode node = TestNode.start()) {
            HttpResponse<String> missing = get(node, "/nothing-here");
            assertEquals(404, missing.statusCode());
            HttpResponse<String> post = TestNode.send(HttpRequest.newBuilder(node.adminUri("/metrics"))
                    .POST(HttpRequest.BodyPublishers.ofString("x")).build());
            assertEquals(405, post.statusCode());
            assertEquals("GET, HEAD", post.headers().firstValue("Allow").orElse(""));
            assertEquals(0, node.scrape().value("pushgate_http_errors_total", "status", "404"),
                    "admin answers are not the public port's errors");
        }
    }

    @Test
    void aMalformedEscapeIs400WithoutAnError() throws Exception {
        try (TestNode node = TestNode.start(); LogCapture log = LogCapture.start();
             RawHttp raw = new RawHttp(node.server.adminPort())) {
            String answer = raw.send("POST /revocations?subject=%zz HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
                    .readUntil("URL\n");
            assertTrue(answer.startsWith("HTTP/1.1 400"), answer);
            assertTrue(answer.endsWith("malformed percent-encoding in the URL\n"), answer);
            assertEquals(List.of(), log.problems());
        }
    }

    @Test
    void adminEndpointsAreNotOnThePublicPort() {
        try (TestNode node = TestNode.start()) {
            for (String path : List.of("/metrics", "/healthz", "/readyz")) {
                assertEquals(404, TestNode.send(HttpRequest.newBuilder(node.uri(path)).GET().build()).statusCode(), path);
            }
        }
    }
}
