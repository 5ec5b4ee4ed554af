package io.pushgate.http;

import ch.qos.logback.classic.Level;
import io.pushgate.testing.LogCapture;
import io.pushgate.testing.RawHttp;
import io.pushgate.testing.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad input and clients that go away, over real sockets: every malformed request gets its 4xx and
 * at most one DEBUG line; a client that leaves in the middle is never a WARN or an ERROR.
 */
class BadInputTest {
    private static TestNode node;
    private LogCapture log;

    @BeforeAll
    static void start() {
        node = TestNode.start();
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    @BeforeEach
    void capture() {
        log = LogCapture.start();
    }

    @AfterEach
    void release() {
        log.close();
    }

    private static String exchange(String request) throws Exception {
        try (RawHttp raw = new RawHttp(node.port())) {
            return raw.send(request).readToEnd(5000);
        }
    }

    private static String get(String target) throws Exception {
        return exchange("GET " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    }

    private double errors(int status) {
        return node.scrape().value("pushgate_http_errors_total", "status", Integer.toString(status));
    }

    /** Nothing above DEBUG, and no stack trace, was logged. */
    private void assertQuiet() {
        assertEquals(List.of(), log.problems(), "nothing for an operator");
        assertEquals(List.of(), log.withStackTraces(), "no stack trace");
    }

    @Test
    void malformedEscapeInThePathIs400WithOneDebugLine() throws Exception {
        double before = errors(400);
        for (String target : new String[] {"/topics/a%zz/events", "/topics/a%2", "/topics/a%/events"}) {
            String answer = get(target);
            assertTrue(answer.startsWith("HTTP/1.1 400"), target + ": " + answer);
            assertTrue(answer.endsWith("\r\n\r\nmalformed percent-encoding in the URL\n"), target + ": " + answer);
        }
        assertEquals(before + 3, errors(400));
        assertEquals(3, log.containing("malformed percent-encoding").size(), "one line per request");
        assertEquals(List.of(), log.atLeast(Level.INFO));
        assertQuiet();
    }

    @Test
    void malformedEscapeInTheQueryIs400WithOneDebugLine() throws Exception {
        for (String target : new String[] {"/events?topic=a%zz", "/events?topic=a&topic=b%", "/topics/a?x=%G1"}) {
            String answer = get(target);
            assertTrue(answer.startsWith("HTTP/1.1 400"), target + ": " + answer);
            assertTrue(answer.contains("malformed percent-encoding in the URL"), target + ": " + answer);
        }
        assertEquals(3, log.containing("malformed percent-encoding").size(), "one line per request");
        assertQuiet();
    }

    @Test
    void manyMalformedRequestsOnOneConnectionAreEachAnswered() throws Exception {
        try (RawHttp raw = new RawHttp(node.port())) {
            String one = "GET /topics/a%zz HTTP/1.1\r\nHost: x\r\n\r\n";
            raw.send(one.repeat(20) + "GET /topics/a%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            String answers = raw.readToEof(5000);
            assertEquals(21, answers.split("HTTP/1.1 400 Bad Request", -1).length - 1, answers);
        }
        assertEquals(21, log.size(), "one DEBUG line each");
        assertQuiet();
    }

    @Test
    void anEncodedSlashStaysInsideItsSegment() throws Exception {
        String topic = TestNode.topic();
        node.publish(topic, "v1");
        String answer = get("/topics/" + topic + "%2Fevents");
        assertTrue(answer.startsWith("HTTP/1.1 400"), "not the stream of " + topic + ": " + answer);
        assertTrue(answer.contains("invalid topic name"), answer);
        assertTrue(get("/topics/" + topic + "%2fevents").startsWith("HTTP/1.1 400"));
        assertTrue(get("/topics/a%2F" + topic + "/events").startsWith("HTTP/1.1 400"));
        String encodedName = get("/topics/" + topic.replace("-", "%2D"));
        assertTrue(encodedName.startsWith("HTTP/1.1 200") && encodedName.endsWith("v1"),
                "the topic segment itself is decoded: " + encodedName);
        assertQuiet();
    }

    @Test
    void dotSegmentsAreNotTopicNames() throws Exception {
        for (String target : new String[] {"/topics/.", "/topics/..", "/topics/../events", "/topics/%2E%2E/events",
                "/events?topic=.", "/events?topic=a&topic=.."}) {
            String answer = get(target);
            assertTrue(answer.startsWith("HTTP/1.1 400"), target + ": " + answer);
            assertTrue(answer.contains("not . or .."), target + ": " + answer);
        }
        String put = exchange("PUT /topics/.. HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nConnection: close\r\n\r\nx");
        assertTrue(put.startsWith("HTTP/1.1 400"), put);
        assertTrue(get("/topics/...").startsWith("HTTP/1.1 404"), "three dots are a name like any other");
        assertQuiet();
    }

    @Test
    void anAbortedPutBodyIsNoError() throws Exception {
        String topic = TestNode.topic();
        try (RawHttp raw = new RawHttp(node.port())) {
            raw.send("PUT /topics/" + topic + " HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nthe first bytes");
        }
        RawHttp reset = new RawHttp(node.port());
        reset.send("PUT /topics/" + topic + " HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nthe first bytes");
        reset.socket.setSoLinger(true, 0);
        reset.close();
        await().atMost(Duration.ofSeconds(10)).until(() -> log.containing("ended by the client").size() == 2);
        assertEquals(2, log.size(), "one DEBUG line per connection, also for a reset: " + log.atLeast(Level.TRACE));
        assertQuiet();
        assertTrue(get("/topics/" + topic).startsWith("HTTP/1.1 404"), "nothing was published");
    }

    @Test
    void aRequestCutOffInItsHeadersIsNotAnswered() throws Exception {
        double before = errors(400);
        try (RawHttp raw = new RawHttp(node.port())) {
            raw.send("GET /topics/a HTTP/1.1\r\nHost: x\r\nAcc");
            raw.socket.shutdownOutput();
            assertEquals("", raw.readToEof(5000), "nobody to answer");
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> log.containing("ended by the client").size() == 1);
        assertEquals(before, errors(400), "not a 400: the client left");
        assertQuiet();
    }

    @Test
    void streamsClosedByTheirClientsAreNoError() throws Exception {
        String topic = TestNode.topic();
        node.publish(topic, "v1");
        int open = node.server.streams().count();
        RawHttp closed = new RawHttp(node.port());
        RawHttp reset = new RawHttp(node.port());
        for (RawHttp raw : List.of(closed, reset)) {
            raw.send("GET /topics/" + topic + "/events HTTP/1.1\r\nHost: x\r\n\r\n").readUntil("data: v1");
        }
        closed.close();
        reset.socket.setSoLinger(true, 0);
        reset.close();
        // Publishes after the close write into sockets the clients left: broken pipe, reset.
        for (int i = 2; i <= 20; i++) {
            node.publish(topic, "v" + i + " " + "x".repeat(16_384));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> node.server.streams().count() == open);
        assertQuiet();
    }
}
