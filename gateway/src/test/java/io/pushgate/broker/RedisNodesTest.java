package io.pushgate.broker;

import io.pushgate.testing.LogCapture;
import io.pushgate.testing.RedisFixture;
import io.pushgate.testing.SseClient;
import io.pushgate.testing.SseClient.Event;
import io.pushgate.testing.TestNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Two gateway nodes on one Redis, as behind a load balancer. */
class RedisNodesTest {
    private RedisFixture redis;
    private TestNode a;
    private TestNode b;

    @BeforeEach
    void start() {
        redis = new RedisFixture();
        a = TestNode.startConfigured(redis.nodeFlags());
        b = TestNode.startConfigured(redis.nodeFlags());
        await().atMost(Duration.ofSeconds(10)).until(() -> a.server.broker().connected() && b.server.broker().connected());
    }

    @AfterEach
    void stop() {
        a.close();
        b.close();
        redis.close();
    }

    @Test
    void streamOnOneNodeReceivesWhatIsPublishedThroughTheOther() {
        String topic = TestNode.topic();
        try (SseClient client = a.stream(topic)) {
            assertEquals(200, client.status());
            awaitSubscribed(topic, 1);
            long v1 = b.publish(topic, "via node b");
            Event event = client.next();
            assertEquals("via node b", event.data());
            assertEquals(v1, event.version());
            assertEquals(2, a.publish(topic, "via node a"));
            assertEquals("via node a", client.next().data());
        }
    }

    @Test
    void theRedisClientRunsOnTheNodesEpollLoopsAndOnItsOwnThreadsBesideNio() {
        for (String transport : new String[] {"epoll", "nio"}) {
            try (LogCapture log = LogCapture.start();
                 TestNode c = TestNode.startConfigured(redis.nodeFlags("--transport", transport))) {
                String expected = transport.equals("epoll") ? "redis client I/O on the node's epoll loops"
                        : "redis client I/O on lettuce's own 2 I/O threads";
                assertEquals(1, log.containing(expected).size(), transport + ": " + log.containing("redis client I/O"));
                await().atMost(Duration.ofSeconds(10)).until(() -> c.server.broker().connected());
                String topic = TestNode.topic();
                try (SseClient onC = c.stream(topic); SseClient onA = a.stream(topic)) {
                    awaitSubscribed(topic, 2);
                    long v = c.publish(topic, "via " + transport);
                    assertEquals(v, onA.next().version(), transport);
                    assertEquals(v, onC.next().version(), transport);
                    assertEquals(v + 1, a.publish(topic, "back"));
                    assertEquals("back", onC.next().data(), transport);
                }
            }
        }
    }

    @Test
    void aDeleteThroughOneNodeIsHeardByStreamsOnTheOtherAndTheNextPublishBeginsANewEpoch() {
        String topic = TestNode.topic();
        b.publish(topic, "one");
        try (SseClient client = a.stream(topic)) {
            Event one = client.next();
            assertEquals("one", one.data());
            HttpResponse<String> deleted = TestNode.send(HttpRequest.newBuilder(b.uri("/topics/" + topic)).DELETE().build());
            assertEquals(204, deleted.statusCode());
            assertEquals(0, redis.redis().exists(redis.prefix + ":{" + topic + "}"), "the hash is gone");
            Event told = client.next();
            assertEquals("pushgate.deleted", told.type());
            assertEquals(topic, told.data());
            assertEquals(404, TestNode.send(HttpRequest.newBuilder(a.uri("/topics/" + topic)).build()).statusCode());
            assertEquals(1, b.publish(topic, "two"));
            Event two = client.next();
            assertEquals("two", two.data());
            assertEquals(1, two.version());
            assertTrue(!two.id().equals(one.id()), "another epoch");
            assertEquals(1, b.scrape().value("pushgate_topics_deleted_total"));
        }
    }

    @Test
    void streamReceivesWhatAnyRedisClientPublishesWithFcall() {
        String topic = TestNode.topic();
        try (SseClient client = a.stream(topic)) {
            assertEquals(200, client.status());
            awaitSubscribed(topic, 1);
            redis.fcall(topic, "from redis-cli or any app");
            assertEquals("from redis-cli or any app", client.next().data());
        }
    }

    @Test
    void newStreamGetsTheLatestFromTheHashAndGetReadsIt() {
        String topic = TestNode.topic();
        b.publish(topic, "one");
        b.publish(topic, "two");
        HttpResponse<String> read = TestNode.send(HttpRequest.newBuilder(a.uri("/topics/" + topic)).build());
        assertEquals(200, read.statusCode());
        assertEquals("two", read.body());
        try (SseClient client = a.stream(topic)) {
            Event event = client.next();
            assertEquals("two", event.data());
            assertEquals(2, event.version());
            // A sentinel: if the next event is it, nothing else came before it.
            awaitSubscribed(topic, 1);
            long sentinel = b.publish(topic, "three");
            assertEquals(sentinel, client.next().version(), "only the latest version is sent on connect");
        }
    }

    @Test
    void nodeSubscribesWhileItServesATopicOnly() {
        String topic = TestNode.topic();
        SseClient client = a.stream(topic);
        assertEquals(200, client.status());
        awaitSubscribed(topic, 1);
        client.close();
        awaitSubscribed(topic, 0);
    }

    @Test
    void resumeOnTheOtherNodeSendsNothingTwice() {
        String topic = TestNode.topic();
        a.publish(topic, "v1");
        String id;
        try (SseClient client = a.stream(topic)) {
            id = client.next().id();
        }
        try (SseClient client = SseClient.open(b.uri("/topics/" + topic + "/events"), java.util.Map.of("Last-Event-ID", id))) {
            assertEquals(200, client.status());
            awaitSubscribed(topic, 1);
            a.publish(topic, "v2");
            assertEquals("v2", client.next().data(), "v1 is not resent: the next event is v2");
        }
    }

    private void awaitSubscribed(String topic, long subscribers) {
        await().atMost(Duration.ofSeconds(5)).until(() -> redis.topicSubscribers(topic) == subscribers);
    }
}
