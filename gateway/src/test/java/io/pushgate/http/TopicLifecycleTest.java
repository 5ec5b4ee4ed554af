package io.pushgate.http;

import io.pushgate.testing.SseClient;
import io.pushgate.testing.SseClient.Event;
import io.pushgate.testing.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code DELETE /topics/{t}} on a real node with the embedded broker, seen by real SSE clients. */
class TopicLifecycleTest {
    private static TestNode node;

    @BeforeAll
    static void start() {
        node = TestNode.start();
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    private static HttpResponse<String> delete(String topic, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(node.uri("/topics/" + topic)).DELETE();
        if (headers.length > 0) {
            request.headers(headers);
        }
        return TestNode.send(request.build());
    }

    private static String epochOf(Event e) {
        return e.id().substring(e.id().lastIndexOf('-') + 1);
    }

    @Test
    void deleteAnswers204ThenTheTopicIs404() {
        String topic = TestNode.topic();
        assertEquals(404, delete(topic).statusCode(), "no such topic");
        node.publish(topic, "x");
        HttpResponse<String> deleted = delete(topic);
        assertEquals(204, deleted.statusCode());
        assertEquals("", deleted.body());
        assertFalse(deleted.headers().firstValue("Content-Length").isPresent(), "a 204 has no length");
        assertEquals(404, TestNode.send(HttpRequest.newBuilder(node.uri("/topics/" + topic)).GET().build()).statusCode());
        assertEquals(404, delete(topic).statusCode(), "deleted once");
        assertEquals(400, delete("bad%20name").statusCode());
    }

    @Test
    void deleteHonoursIfMatch() {
        String topic = TestNode.topic();
        node.publish(topic, "one");
        node.publish(topic, "two");
        String etag = TestNode.send(HttpRequest.newBuilder(node.uri("/topics/" + topic)).GET().build())
                .headers().firstValue("ETag").orElseThrow();
        String stale = etag.replace("\"2-", "\"1-");
        HttpResponse<String> refused = delete(topic, "If-Match", stale);
        assertEquals(412, refused.statusCode());
        assertEquals(etag, refused.headers().firstValue("ETag").orElse(""), "the current state");
        assertEquals(412, delete(topic, "If-Match", "nonsense").statusCode());
        assertEquals(204, delete(topic, "If-Match", etag).statusCode());
        assertEquals(412, delete(topic, "If-Match", "*").statusCode(), "no state any more");
    }

    @Test
    void openStreamsAreToldOfADeleteStayOpenAndGetTheNextPublishInANewEpoch() {
        String topic = TestNode.topic();
        String other = TestNode.topic();
        node.publish(topic, "before");
        node.publish(other, "untouched");
        try (SseClient single = node.stream(topic);
             SseClient multi = SseClient.open(node.uri("/events?topic=" + topic + "&topic=" + other))) {
            Event before = single.next();
            assertEquals("before", before.data());
            assertEquals(2, java.util.List.of(multi.next(), multi.next()).size());

            assertEquals(204, delete(topic).statusCode());
            Event told = single.next();
            assertEquals("pushgate.deleted", told.type());
            assertEquals(topic, told.data());
            assertEquals(before.id(), told.id(), "no id: the last event id stays");
            Event toldNamed = multi.next();
            assertEquals("pushgate.deleted", toldNamed.type());
            assertEquals(topic, toldNamed.data());

            assertEquals(1, node.publish(topic, "after"));
            Event after = single.next();
            assertEquals("after", after.data());
            assertEquals(1, after.version());
            assertNotEquals(epochOf(before), epochOf(after), "a new epoch");
            Event afterNamed = multi.next();
            assertEquals(topic, afterNamed.type());
            assertEquals("after", afterNamed.data());
            assertFalse(single.ended() || multi.ended(), "streams stay open");
            assertTrue(single.drain().isEmpty() && multi.drain().isEmpty(), "nothing twice");
        }
    }

    @Test
    void aStreamOpenedAfterADeleteHearsNothingUntilTheNextPublish() {
        String topic = TestNode.topic();
        node.publish(topic, "gone");
        try (SseClient held = node.stream(topic)) {
            assertEquals("gone", held.next().data());
            assertEquals(204, delete(topic).statusCode());
            assertEquals("pushgate.deleted", held.next().type());
            try (SseClient fresh = node.stream(topic)) {
                assertEquals(200, fresh.status());
                node.publish(topic, "new");
                Event first = fresh.next(Duration.ofSeconds(5));
                assertEquals("new", first.data(), "no deletion news for a stream that held nothing");
                assertEquals("new", held.next().data());
            }
        }
    }
}
