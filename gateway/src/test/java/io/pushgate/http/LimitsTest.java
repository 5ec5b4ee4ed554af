package io.pushgate.http;

import io.pushgate.testing.RawHttp;
import io.pushgate.testing.SseClient;
import io.pushgate.testing.TestNode;
import io.pushgate.testing.Tokens;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every limit answers with its status and a short reason, and disturbs no other client. */
class LimitsTest {
    private static TestNode node;
    /**
     * A node with a short request deadline, apart: with it on {@code node}, the pooled connections of
     * the HTTP client tests could be closed for idleness just as a request goes out on them.
     */
    private static TestNode deadlines;

    @BeforeAll
    static void start() {
        node = TestNode.start("--max-text", "1KiB", "--max-topics-per-stream", "3",
                "--max-initial-line", "4900", "--max-header-size", "2KiB");
        deadlines = TestNode.start("--header-timeout", "500ms");
    }

    @AfterAll
    static void stop() {
        node.close();
        deadlines.close();
    }

    private static String exchange(int port, String request) throws Exception {
        try (RawHttp raw = new RawHttp(port)) {
            return raw.send(request).readToEnd(5000);
        }
    }

    private static HttpResponse<String> put(String topic, byte[] body) {
        return TestNode.send(HttpRequest.newBuilder(node.uri("/topics/" + topic))
                .PUT(HttpRequest.BodyPublishers.ofByteArray(body)).build());
    }

    @Test
    void textAboveMaxIs413() {
        HttpResponse<String> response = put(TestNode.topic(), new byte[2048]);
        assertEquals(413, response.statusCode());
        assertEquals("text larger than 1024 bytes\n", response.body());
    }

    @Test
    void invalidUtf8Is400() {
        HttpResponse<String> response = put(TestNode.topic(), new byte[] {'a', (byte) 0xff, (byte) 0xfe});
        assertEquals(400, response.statusCode());
        assertEquals("text is not valid UTF-8\n", response.body());
        assertEquals(400, put(TestNode.topic(), new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80}).statusCode(),
                "an encoded surrogate is not UTF-8");
    }

    @Test
    void invalidTopicNameIs400() throws Exception {
        assertEquals(400, put("x".repeat(129), "a".getBytes()).statusCode());
        String answer = exchange(node.port(), "GET /topics/bad%20name/events HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        assertTrue(answer.startsWith("HTTP/1.1 400"), answer);
        assertTrue(answer.contains("invalid topic name"), answer);
        assertEquals(400, TestNode.send(HttpRequest.newBuilder(node.uri("/events?topic=a&topic=b%21")).build()).statusCode());
    }

    @Test
    void tooManyTopicsIs400() {
        HttpResponse<String> response = TestNode.send(HttpRequest.newBuilder(
                node.uri("/events?topic=a&topic=b&topic=c&topic=d")).build());
        assertEquals(400, response.statusCode());
        assertEquals("too many topics and feeds (at most 3)\n", response.body());
        HttpResponse<String> none = TestNode.send(HttpRequest.newBuilder(node.uri("/events")).build());
        assertEquals(400, none.statusCode());
    }

    @Test
    void longRequestLineIs431() throws Exception {
        String answer = exchange(node.port(), "GET /topics/" + "a".repeat(5000) + " HTTP/1.1\r\nHost: x\r\n\r\n");
        assertTrue(answer.startsWith("HTTP/1.1 431"), answer);
        assertTrue(answer.contains("request line or headers too large"), answer);
    }

    /** {@code text} with every character percent-encoded, as the longest legal query value. */
    private static String encodedEach(String text) {
        StringBuilder out = new StringBuilder();
        for (char c : text.toCharArray()) {
            out.append('%').append(String.format("%02X", (int) c));
        }
        return out.toString();
    }

    /**
     * The longest legal stream request line at the defaults: 64 topics of 128 characters and a
     * lastEventId of 200, every character percent-encoded, then {@code token}.
     */
    private static String longestStreamRequest(String token) {
        // 63 topics and a feed of the longest names, the cursors of 64 feeds (the id-only frame of a
        // stream of several feeds; the trailing comma makes it one no feed continues from, still legal),
        // and ?last=N: one byte less than the limit's bound, which counts every name as a topic.
        StringBuilder line = new StringBuilder("GET /events?");
        StringBuilder cursors = new StringBuilder();
        for (int i = 0; i < 64; i++) {
            String name = String.format("%03d", i) + "t".repeat(125);
            line.append(i < 63 ? "topic=" : "feed=").append(encodedEach(name)).append('&');
            cursors.append(name).append('/').append("9".repeat(19)).append('-').append("e".repeat(16)).append(',');
        }
        line.append("lastEventId=").append(encodedEach(cursors.toString())).append('&');
        line.append("last=").append("0".repeat(9)).append("1&");
        return line.append("access_token=").append(token).append(" HTTP/1.1").toString();
    }

    @Test
    void theLongestLegalStreamRequestIsAcceptedAtTheDefaults() throws Exception {
        Path secret = Files.createTempFile("pushgate-secret", "");
        String key = "a test secret of at least thirty-two bytes, for HS256";
        Files.writeString(secret, key);
        // A JWT of the size the limit leaves room for: grants, padded with a claim to just under the room.
        String token = null;
        for (int pad = 0; ; pad++) {
            String next = Tokens.hs256(key, Tokens.claims("alice", Map.of("subscribe", List.of("*")))
                    .claim("pad", "p".repeat(pad)).build());
            if (next.length() > StreamResource.TOKEN_ROOM) {
                break;
            }
            token = next;
        }
        try (TestNode keyed = TestNode.start("--auth-secret-file", secret.toString()); RawHttp raw = new RawHttp(keyed.port())) {
            String line = longestStreamRequest(token);
            assertTrue(line.length() > StreamResource.longestRequestLine(64) - 4, "the longest, give or take base64's steps");
            String head = raw.send(line + "\r\nHost: x\r\n\r\n").readUntil("\r\n\r\n");
            assertTrue(head.startsWith("HTTP/1.1 200"), head);
            assertTrue(head.contains("text/event-stream"), head);
        } finally {
            Files.deleteIfExists(secret);
        }
    }

    @Test
    void theDefaultRequestLineLimitIsTheLongestStreamRequestExactly() throws Exception {
        try (TestNode open = TestNode.start()) {
            String longest = longestStreamRequest("t".repeat(StreamResource.TOKEN_ROOM + 1));
            assertEquals(StreamResource.longestRequestLine(64), longest.length());
            try (RawHttp raw = new RawHttp(open.port())) {
                String head = raw.send(longest + "\r\nHost: x\r\n\r\n").readUntil("\r\n\r\n");
                assertTrue(head.startsWith("HTTP/1.1 200"), head);
            }
            String tooLong = exchange(open.port(),
                    longestStreamRequest("t".repeat(StreamResource.TOKEN_ROOM + 2)) + "\r\nHost: x\r\n\r\n");
            assertTrue(tooLong.startsWith("HTTP/1.1 431"), tooLong);
        }
    }

    @Test
    void aRequestLineLimitBelowTheLongestStreamRequestStopsTheStart() {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> TestNode.start("--max-initial-line", "8KiB"));
        assertEquals("--max-initial-line 8192 is shorter than the longest legal stream request line (59007 bytes with "
                + "--max-topics-per-stream 64): raise it, lower --max-topics-per-stream, or leave it unset", refused.getMessage());
        TestNode.start("--max-initial-line", "8KiB", "--max-topics-per-stream", "5").close();
    }

    @Test
    void largeHeadersAre431() throws Exception {
        String answer = exchange(node.port(), "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(3000) + "\r\n\r\n");
        assertTrue(answer.startsWith("HTTP/1.1 431"), answer);
    }

    @Test
    void slowRequestIs408() throws Exception {
        try (RawHttp raw = new RawHttp(deadlines.port())) {
            raw.send("GET /topics/x HTTP/1.1\r\nHost: x\r\n");
            long start = System.nanoTime();
            String answer = raw.readToEnd(5000);
            assertTrue(answer.startsWith("HTTP/1.1 408"), answer);
            assertTrue(answer.contains("request not complete in time"), answer);
            assertTrue(System.nanoTime() - start < Duration.ofSeconds(4).toNanos());
        }
    }

    @Test
    void idleConnectionIsClosedQuietly() throws Exception {
        try (RawHttp raw = new RawHttp(deadlines.port())) {
            raw.socket.setSoTimeout(5000);
            assertEquals(-1, raw.in().read(), "closed without a byte (a timeout here fails the test)");
        }
    }

    @Test
    void aStreamAboveTheStreamLimitIsRefusedTheWayAnEventSourceSurvives() {
        try (TestNode small = TestNode.start("--max-streams", "2", "--retry", "3s", "--retry-jitter", "1s")) {
            String topic = TestNode.topic();
            try (SseClient a = small.stream(topic); SseClient b = small.stream(topic)) {
                assertEquals(200, a.status());
                assertEquals(200, b.status());
                await().atMost(Duration.ofSeconds(5)).until(() -> small.server.streams().count() == 2);
                HttpResponse<String> refused = TestNode.send(HttpRequest.newBuilder(
                        small.uri("/topics/" + topic + "/events")).build());
                assertRefusedForNow(refused, "node at its stream limit, retry later");
                assertEquals(1.0, small.scrape().value("pushgate_stream_refusals_total", "reason", "stream_limit"));
                assertEquals(0.0, small.scrape().value("pushgate_http_errors_total", "status", "503"));
                small.publish(topic, "still served");
                assertEquals("still served", a.next().data());
                b.close();
                await().atMost(Duration.ofSeconds(5)).until(() -> small.server.streams().count() == 1);
                try (SseClient c = small.stream(topic)) {
                    assertEquals(200, c.status());
                    assertEquals("still served", c.next().data());
                }
            }
        }
    }

    /**
     * A refusal a browser's EventSource survives: 200 text/event-stream, a comment that says why,
     * a retry: of --retry (3 s) plus up to --retry-jitter (1 s), then the end of the connection.
     */
    private static void assertRefusedForNow(HttpResponse<String> refused, String why) {
        assertEquals(200, refused.statusCode());
        assertTrue(refused.headers().firstValue("content-type").orElseThrow().startsWith("text/event-stream"));
        assertEquals("close", refused.headers().firstValue("connection").orElseThrow());
        Matcher m = Pattern.compile(": " + Pattern.quote(why) + "\nretry: (\\d+)\n\n").matcher(refused.body());
        assertTrue(m.matches(), refused.body());
        long retry = Long.parseLong(m.group(1));
        assertTrue(retry >= 3000 && retry <= 4000, "retry " + retry);
    }

    @Test
    void connectionsAboveTheAcceptRateGet429() throws Exception {
        try (TestNode limited = TestNode.start("--accept-rate", "3")) {
            List<String> answers = new ArrayList<>();
            long start = System.nanoTime();
            for (int i = 0; i < 20; i++) {
                answers.add(exchange(limited.port(), "GET /topics/x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            long refused = answers.stream().filter(a -> a.startsWith("HTTP/1.1 429")).count();
            long served = answers.stream().filter(a -> a.startsWith("HTTP/1.1 404")).count();
            assertEquals(20, refused + served, answers.toString());
            // Two seconds' worth at once (6), then 3 a second.
            assertTrue(served >= 6 && served <= 7 + 3 * seconds && refused >= 1, seconds + " s: " + answers);
            String one = answers.stream().filter(a -> a.startsWith("HTTP/1.1 429")).findFirst().orElseThrow();
            assertTrue(one.contains("retry-after: 1") && one.contains("too many new connections"), one);
        }
    }

    @Test
    void aStreamAboveTheAcceptRateIsRefusedTheWayAnEventSourceSurvives() throws Exception {
        try (TestNode limited = TestNode.start("--accept-rate", "1", "--retry", "3s", "--retry-jitter", "1s")) {
            List<RawHttp> streams = new ArrayList<>();
            List<String> refusals = new ArrayList<>();
            long start = System.nanoTime();
            try {
                // All asked for at once, so that a slow machine does not spread them over the refill.
                for (int i = 0; i < 10; i++) {
                    streams.add(new RawHttp(limited.port())
                            .send("GET /topics/x/events HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n"));
                }
                for (RawHttp stream : streams) {
                    String head = stream.readUntil("\r\n\r\n").toLowerCase(Locale.ROOT);
                    assertTrue(head.startsWith("http/1.1 200 ") && head.contains("content-type: text/event-stream"), head);
                    // An accepted stream goes on (chunked); a refused one has a length, says why and ends.
                    if (head.contains("content-length")) {
                        refusals.add(head + stream.readToEof(5000));
                    }
                }
            } finally {
                for (RawHttp stream : streams) {
                    stream.close();
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            // Two seconds' worth at once (2), then 1 a second.
            int refused = refusals.size();
            assertTrue(refused >= 1 && refused <= 8 && 10 - refused <= 3 + seconds,
                    refused + " of 10 refused in " + seconds + " s at an accept rate of 1/s");
            String one = refusals.get(0);
            assertTrue(one.contains("connection: close"), one);
            Matcher m = Pattern.compile("\r\n\r\n: too many new connections, retry later\nretry: (\\d+)\n\n$").matcher(one);
            assertTrue(m.find(), one);
            long retry = Long.parseLong(m.group(1));
            assertTrue(retry >= 3000 && retry <= 4000, "retry " + retry);
            assertEquals((double) refused, limited.scrape().value("pushgate_stream_refusals_total", "reason", "accept_rate"));
            assertEquals(0.0, limited.scrape().value("pushgate_http_errors_total", "status", "429"));
        }
    }

    @Test
    void badRequestsDoNotDisturbOpenStreams() throws Exception {
        String topic = TestNode.topic();
        try (SseClient client = node.stream(topic)) {
            assertEquals(200, client.status());
            put(topic, new byte[4096]);
            put(topic, new byte[] {(byte) 0xff});
            exchange(node.port(), "GET /" + "a".repeat(5000) + " HTTP/1.1\r\n\r\n");
            exchange(node.port(), "BREW /coffee HTCPCP/1.0\r\n\r\n");
            exchange(node.port(), "\u0000\u0001garbage\r\n\r\n");
            node.publish(topic, "after the storm");
            assertEquals("after the storm", client.next().data());
        }
    }
}
