package io.pushgate.http;

import io.pushgate.testing.RawHttp;
import io.pushgate.testing.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The non-stream endpoints over real sockets. */
class RestTest {
    private static TestNode node;

    @BeforeAll
    static void start() {
        node = TestNode.start("--cors-origins", "https://app.example");
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    private static HttpResponse<String> get(String path, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(node.uri(path)).GET();
        if (headers.length > 0) {
            request.headers(headers);
        }
        return TestNode.send(request.build());
    }

    private static HttpResponse<String> method(String method, String path, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(node.uri(path)).method(method, HttpRequest.BodyPublishers.noBody());
        if (headers.length > 0) {
            request.headers(headers);
        }
        return TestNode.send(request.build());
    }

    @Test
    void putAnswersTopicVersionAndEpochAsJson() {
        String topic = TestNode.topic();
        HttpResponse<String> first = TestNode.send(HttpRequest.newBuilder(node.uri("/topics/" + topic))
                .PUT(HttpRequest.BodyPublishers.ofString("hello")).build());
        assertEquals(200, first.statusCode());
        assertEquals("application/json", first.headers().firstValue("content-type").orElseThrow());
        Matcher m = Pattern.compile("\\{\"topic\":\"" + topic + "\",\"version\":1,\"epoch\":\"([0-9a-z]{8})\"}")
                .matcher(first.body());
        assertTrue(m.matches(), first.body());
        assertEquals(2, node.publish(topic, "again"));
    }

    @Test
    void getAnswersTheLatestTextWithItsETag() {
        String topic = TestNode.topic();
        node.publish(topic, "one");
        node.publish(topic, "two\nlines");
        HttpResponse<String> response = get("/topics/" + topic);
        assertEquals(200, response.statusCode());
        assertEquals("two\nlines", response.body());
        assertEquals("text/plain; charset=utf-8", response.headers().firstValue("content-type").orElseThrow());
        assertTrue(response.headers().firstValue("etag").orElseThrow().matches("\"2-[0-9a-z]{8}\""));
    }

    @Test
    void ifNoneMatchWithTheCurrentETagAnswers304() {
        String topic = TestNode.topic();
        node.publish(topic, "x");
        String etag = get("/topics/" + topic).headers().firstValue("etag").orElseThrow();
        HttpResponse<String> same = get("/topics/" + topic, "If-None-Match", etag);
        assertEquals(304, same.statusCode());
        assertEquals("", same.body());
        assertEquals(etag, same.headers().firstValue("etag").orElseThrow());
        node.publish(topic, "y");
        HttpResponse<String> changed = get("/topics/" + topic, "If-None-Match", etag);
        assertEquals(200, changed.statusCode());
        assertEquals("y", changed.body());
    }

    @Test
    void keepAliveResponsesTellTheIdleTimeout() throws Exception {
        try (RawHttp raw = new RawHttp(node.port())) {
            String answer = raw.send("GET /topics/nothing HTTP/1.1\r\nHost: x\r\n\r\n").readUntil("\r\n\r\n");
            assertTrue(answer.contains("keep-alive: timeout=9"), answer);
        }
    }

    @Test
    void topicWithoutVersionIs404() {
        HttpResponse<String> response = get("/topics/" + TestNode.topic());
        assertEquals(404, response.statusCode());
        assertEquals("topic has no version yet\n", response.body());
    }

    @Test
    void headAnswersHeadersWithoutBody() {
        String topic = TestNode.topic();
        node.publish(topic, "twelve bytes");
        HttpResponse<String> head = method("HEAD", "/topics/" + topic);
        assertEquals(200, head.statusCode());
        assertEquals("", head.body());
        assertEquals("12", head.headers().firstValue("content-length").orElseThrow());
        HttpResponse<String> streamHead = method("HEAD", "/topics/" + topic + "/events");
        assertEquals(200, streamHead.statusCode());
        assertEquals("text/event-stream; charset=utf-8", streamHead.headers().firstValue("content-type").orElseThrow());
        assertEquals(200, method("HEAD", "/").statusCode());
    }

    @Test
    void demoPageIsServedAtRoot() {
        HttpResponse<String> page = get("/");
        assertEquals(200, page.statusCode());
        assertEquals("text/html; charset=utf-8", page.headers().firstValue("content-type").orElseThrow());
        assertTrue(page.body().contains("EventSource") || page.body().contains("pushgate"), page.body());
    }

    @Test
    void browserHelperIsServedCacheableWithAnETag() {
        HttpResponse<String> script = get("/pushgate.js");
        assertEquals(200, script.statusCode());
        assertEquals("text/javascript; charset=utf-8", script.headers().firstValue("content-type").orElseThrow());
        assertEquals("max-age=300", script.headers().firstValue("cache-control").orElseThrow());
        assertTrue(script.body().contains("Pushgate"), script.body());
        String etag = script.headers().firstValue("etag").orElseThrow();
        assertTrue(etag.matches("\"[0-9a-f]{24}\""), etag);

        HttpResponse<String> revalidated = get("/pushgate.js", "If-None-Match", etag);
        assertEquals(304, revalidated.statusCode());
        assertEquals(etag, revalidated.headers().firstValue("etag").orElseThrow());
        HttpResponse<String> head = method("HEAD", "/pushgate.js");
        assertEquals(200, head.statusCode());
        assertEquals(script.body().getBytes(StandardCharsets.UTF_8).length,
                Integer.parseInt(head.headers().firstValue("content-length").orElseThrow()));
        assertNotEquals(etag, get("/").headers().firstValue("etag").orElseThrow(), "each file has its own tag");
    }

    @Test
    void unknownPathIs404AndWrongMethodIs405WithAllow() {
        assertEquals(404, get("/nope").statusCode());
        assertEquals(404, get("/topics/a/b/c").statusCode());
        HttpResponse<String> post = method("POST", "/topics/x");
        assertEquals(405, post.statusCode());
        assertEquals("GET, HEAD, PUT, DELETE, OPTIONS", post.headers().firstValue("allow").orElseThrow());
        HttpResponse<String> postStream = method("POST", "/topics/x/events");
        assertEquals(405, postStream.statusCode());
        assertEquals("GET, HEAD, OPTIONS", postStream.headers().firstValue("allow").orElseThrow());
    }

    @Test
    void corsPreflightIsAnsweredForAllowedOrigins() {
        HttpResponse<String> preflight = method("OPTIONS", "/topics/x", "Origin", "https://app.example",
                "Access-Control-Request-Method", "PUT", "Access-Control-Request-Headers", "content-type");
        assertEquals(200, preflight.statusCode());
        assertEquals("https://app.example", preflight.headers().firstValue("access-control-allow-origin").orElseThrow());
        assertTrue(preflight.headers().firstValue("access-control-allow-methods").orElseThrow().contains("PUT"));
        HttpResponse<String> foreign = method("OPTIONS", "/topics/x", "Origin", "https://evil.example",
                "Access-Control-Request-Method", "PUT");
        assertTrue(foreign.headers().firstValue("access-control-allow-origin").isEmpty());
    }

    @Test
    void corsHeadersAreOnResponsesAndStreams() {
        String topic = TestNode.topic();
        node.publish(topic, "x");
        HttpResponse<String> response = get("/topics/" + topic, "Origin", "https://app.example");
        assertEquals("https://app.example", response.headers().firstValue("access-control-allow-origin").orElseThrow());
        assertTrue(response.headers().allValues("access-control-expose-headers").toString().toLowerCase().contains("etag"));
        try (var stream = io.pushgate.testing.SseClient.open(node.uri("/topics/" + topic + "/events"),
                java.util.Map.of("Origin", "https://app.example"))) {
            assertEquals("https://app.example", stream.headers().firstValue("access-control-allow-origin").orElseThrow());
            assertEquals("true", stream.headers().firstValue("access-control-allow-credentials").orElseThrow());
        }
    }

    @Test
    void listedOriginsMaySendCredentialsAndAnyOriginMayNot() {
        HttpResponse<String> listed = method("OPTIONS", "/topics/x/events", "Origin", "https://app.example",
                "Access-Control-Request-Method", "GET", "Access-Control-Request-Headers", "authorization");
        assertEquals("https://app.example", listed.headers().firstValue("access-control-allow-origin").orElseThrow());
        assertEquals("true", listed.headers().firstValue("access-control-allow-credentials").orElseThrow());
        assertTrue(listed.headers().firstValue("access-control-allow-headers").orElseThrow().toLowerCase().contains("authorization"));
        try (TestNode any = TestNode.start("--cors-origins", "*")) {
            HttpResponse<String> preflight = TestNode.send(java.net.http.HttpRequest.newBuilder(any.uri("/topics/x/events"))
                    .method("OPTIONS", java.net.http.HttpRequest.BodyPublishers.noBody())
                    .header("Origin", "https://evil.example").header("Access-Control-Request-Method", "GET").build());
            assertEquals("*", preflight.headers().firstValue("access-control-allow-origin").orElseThrow());
            assertTrue(preflight.headers().firstValue("access-control-allow-credentials").isEmpty(),
                    "a page of any site must not get a browser to send its cookie here");
        }
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrderOnOneConnection() throws Exception {
        String topic = TestNode.topic();
        try (RawHttp raw = new RawHttp(node.port())) {
            raw.send("PUT /topics/" + topic + " HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\na"
                    + "GET /topics/" + topic + " HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "PUT /topics/" + topic + " HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nbc"
                    + "GET /topics/" + topic + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            String all = raw.readToEnd(5000);
            String[] parts = all.split("HTTP/1.1 ", -1);
            assertEquals(5, parts.length, all);
            assertTrue(parts[1].startsWith("200") && parts[1].contains("\"version\":1"), parts[1]);
            assertTrue(parts[2].startsWith("200") && parts[2].endsWith("\r\n\r\na"), parts[2]);
            assertTrue(parts[3].startsWith("200") && parts[3].contains("\"version\":2"), parts[3]);
            assertTrue(parts[4].startsWith("200") && parts[4].endsWith("\r\n\r\nbc"), parts[4]);
        }
    }
}
