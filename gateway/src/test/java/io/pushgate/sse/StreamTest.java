package io.pushgate.sse;

import io.pushgate.testing.SseClient;
import io.pushgate.testing.SseClient.Event;
import io.pushgate.testing.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The SSE contract over real loopback sockets with a real HTTP client. */
class StreamTest {
    private static TestNode node;

    @BeforeAll
    static void start() {
        node = TestNode.start("--heartbeat", "1s");
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    private static String epochOf(Event e) {
        return e.id().substring(e.id().indexOf('-') + 1);
    }

    @Test
    void streamHasEventStreamHeadersAndRetryHint() {
        try (SseClient client = node.stream(TestNode.topic())) {
            assertEquals(200, client.status());
            assertEquals("text/event-stream; charset=utf-8", client.headers().firstValue("content-type").orElseThrow());
            assertEquals("no-cache", client.headers().firstValue("cache-control").orElseThrow());
            assertEquals("no", client.headers().firstValue("x-accel-buffering").orElseThrow());
            await().atMost(Duration.ofSeconds(5)).until(() -> client.retry() >= 0);
            assertTrue(client.retry() >= 1000 && client.retry() <= 3000, "retry " + client.retry());
        }
    }

    @Test
    void subscriberReceivesEveryPublishedVersion() {
        String topic = TestNode.topic();
        try (SseClient client = node.stream(topic)) {
            assertEquals(200, client.status());
            long v1 = node.publish(topic, "one");
            long v2 = node.publish(topic, "two\nlines");
            Event first = client.next();
            Event second = client.next();
            assertEquals("one", first.data());
            assertEquals(v1, first.version());
            assertEquals("two\nlines", second.data());
            assertEquals(v2, second.version());
            assertEquals("message", second.type());
            assertEquals(epochOf(first), epochOf(second));
        }
    }

    @Test
    void newSubscriberGetsTheLatestVersionAtOnce() {
        String topic = TestNode.topic();
        node.publish(topic, "old");
        long latest = node.publish(topic, "latest");
        try (SseClient client = node.stream(topic)) {
            Event event = client.next();
            assertEquals("latest", event.data());
            assertEquals(latest, event.version());
            // A sentinel: if the next event is it, nothing else came before it.
            long sentinel = node.publish(topic, "sentinel");
            assertEquals(sentinel, client.next().version(), "only the latest version is sent on connect");
        }
    }

    @Test
    void resumeWithCurrentIdResendsNothing() {
        String topic = TestNode.topic();
        node.publish(topic, "v1");
        String id;
        try (SseClient first = node.stream(topic)) {
            id = first.next().id();
        }
        try (SseClient again = SseClient.open(node.uri("/topics/" + topic + "/events"), Map.of("Last-Event-ID", id))) {
            assertEquals(200, again.status());
            node.publish(topic, "v2");
            assertEquals("v2", again.next().data(), "v1 is not resent: the next event is v2");
        }
    }

    @Test
    void resumeWithOlderVersionGetsTheLatest() {
        String topic = TestNode.topic();
        node.publish(topic, "v1");
        String id;
        try (SseClient first = node.stream(topic)) {
            id = first.next().id();
        }
        node.publish(topic, "v2");
        node.publish(topic, "v3");
        try (SseClient again = SseClient.open(node.uri("/topics/" + topic + "/events"), Map.of("Last-Event-ID", id))) {
            Event event = again.next();
            assertEquals("v3", event.data());
            long sentinel = node.publish(topic, "v4");
            assertEquals(sentinel, again.next().version(), "versions in between are superseded");
        }
    }

    @Test
    void resumeAheadOfTheNodeSkipsThatVersionWhenItArrives() {
        String topic = TestNode.topic();
        node.publish(topic, "v1");
        String epoch;
        try (SseClient first = node.stream(topic)) {
            epoch = epochOf(first.next());
        }
        // The client saw version 2 on another node that heard of it first.
        try (SseClient again = SseClient.open(node.uri("/topics/" + topic + "/events"),
                Map.of("Last-Event-ID", "2-" + epoch))) {
            assertEquals(200, again.status());
            node.publish(topic, "v2");
            node.publish(topic, "v3");
            assertEquals("v3", again.next().data(), "neither version 1 nor version 2 is sent: the next event is v3");
        }
    }

    @Test
    void resumeFromAForeignEpochOrGarbageGetsTheLatest() {
        String topic = TestNode.topic();
        node.publish(topic, "v1");
        long latest = node.publish(topic, "v2");
        for (String id : List.of(latest + "-otherepo", "999999-zzzzzzzz", "garbage", "", "1-")) {
            try (SseClient again = SseClient.open(node.uri("/topics/" + topic + "/events"), Map.of("Last-Event-ID", id))) {
                assertEquals("v2", again.next().data(), "Last-Event-ID '" + id + "'");
            }
        }
    }

    @Test
    void lastEventIdQueryParameterWorksLikeTheHeader() {
        String topic = TestNode.topic();
        node.publish(topic, "v1");
        String id;
        try (SseClient first = node.stream(topic)) {
            id = first.next().id();
        }
        try (SseClient again = SseClient.open(node.uri("/topics/" + topic + "/events?lastEventId=" + id))) {
            assertEquals(200, again.status());
            node.publish(topic, "v2");
            assertEquals("v2", again.next().data(), "v1 is not resent: the next event is v2");
        }
        try (SseClient again = SseClient.open(node.uri("/topics/" + topic + "/events?lastEventId=" + id))) {
            assertEquals("v2", again.next().data());
        }
    }

    @Test
    void resumeAcrossARestartOfTheNodeNeverKeepsAStaleText() {
        String topic = TestNode.topic();
        String id;
        try (TestNode before = TestNode.start()) {
            before.publish(topic, "from the first life");
            before.publish(topic, "second");
            try (SseClient client = before.stream(topic)) {
                id = client.next().id();
            }
        }
        try (TestNode after = TestNode.start()) {
            after.publish(topic, "new life");
            // Version 1 of a new epoch is below the client's version 2, yet it must be delivered.
            try (SseClient client = SseClient.open(after.uri("/topics/" + topic + "/events"), Map.of("Last-Event-ID", id))) {
                Event event = client.next();
                assertEquals("new life", event.data());
                assertEquals(1, event.version());
                assertTrue(!epochOf(event).equals(id.substring(id.indexOf('-') + 1)), "a restart begins a new epoch");
            }
        }
    }

    @Test
    void multiTopicStreamNamesEventsByTopic() {
        String a = TestNode.topic();
        String b = TestNode.topic();
        node.publish(a, "a1");
        try (SseClient client = SseClient.open(node.uri("/events?topic=" + a + "&topic=" + b))) {
            Event first = client.next();
            assertEquals(a, first.type());
            assertEquals("a1", first.data());
            assertTrue(first.id().startsWith(a + "/"), first.id());
            node.publish(b, "b1");
            node.publish(a, "a2");
            Event second = client.next();
            Event third = client.next();
            assertEquals(List.of(b, "b1", a, "a2"), List.of(second.type(), second.data(), third.type(), third.data()));
        }
    }

    @Test
    void multiTopicReconnectGetsTheLatestOfEveryTopicItMissed() {
        String a = TestNode.topic();
        String b = TestNode.topic();
        String c = TestNode.topic();
        node.publish(a, "a1");
        node.publish(b, "b1");
        String query = "/events?topic=" + a + "&topic=" + b + "&topic=" + c;
        String last;
        try (SseClient client = SseClient.open(node.uri(query))) {
            client.next();
            client.next();
            node.publish(b, "b2");
            last = client.next().id();
            assertTrue(last.startsWith(b + "/2-"), last);
        }
        node.publish(a, "a2");
        node.publish(c, "c1");
        try (SseClient client = SseClient.open(node.uri(query), Map.of("Last-Event-ID", last))) {
            List<Event> got = new ArrayList<>(List.of(client.next(), client.next()));
            node.publish(b, "b3");
            Event next = client.next();
            assertEquals(List.of(b, "b3"), List.of(next.type(), next.data()), "b is current and not resent");
            got.sort((x, y) -> x.type().compareTo(y.type()));
            List<String> expected = new ArrayList<>(List.of(a + "=a2", c + "=c1"));
            expected.sort(String::compareTo);
            assertEquals(expected, got.stream().map(e -> e.type() + "=" + e.data()).sorted().toList());
        }
    }

    @Test
    void idleStreamsGetCommentHeartbeats() {
        try (SseClient client = node.stream(TestNode.topic())) {
            assertEquals(200, client.status());
            await().atMost(Duration.ofSeconds(5)).until(() -> client.comments() >= 2);
        }
    }

    @Test
    void anIdleStreamHearsOneHeartbeatPerInterval() {
        // The node's heartbeat is 1 s and its tick 0.25 s: an idle stream hears one within 1.25 s of
        // the last, so five come within about 5.3 s, and never more than one per interval.
        try (SseClient client = node.stream(TestNode.topic())) {
            assertEquals(200, client.status());
            long opened = System.nanoTime();
            await().atMost(Duration.ofMillis(8000)).until(() -> client.comments() >= 5);
            double seconds = (System.nanoTime() - opened) / 1e9;
            assertTrue(client.comments() <= seconds + 1, client.comments() + " heartbeats in " + seconds + " s");
        }
    }

    @Test
    void streamsThatCarryEventsGetNoHeartbeats() throws InterruptedException {
        // A node of its own: heartbeat 2 s, tick 0.5 s, so only a publisher stalled for over 1.5 s
        // could let a heartbeat slip onto the busy stream.
        try (TestNode quiet = TestNode.start("--heartbeat", "2s")) {
            String busyTopic = TestNode.topic();
            ScheduledExecutorService publisher = Executors.newSingleThreadScheduledExecutor();
            AtomicInteger published = new AtomicInteger();
            try (SseClient busy = quiet.stream(busyTopic); SseClient idle = quiet.stream(TestNode.topic())) {
                assertEquals(200, busy.status());
                assertEquals(200, idle.status());
                publisher.scheduleAtFixedRate(() -> quiet.publish(busyTopic, "v" + published.incrementAndGet()),
                        0, 100, TimeUnit.MILLISECONDS);
                await().atMost(Duration.ofSeconds(15)).until(() -> idle.comments() >= 2);
                publisher.shutdown();
                assertTrue(publisher.awaitTermination(10, TimeUnit.SECONDS), "the last publish did not end");
                int sent = published.get();
                await().atMost(Duration.ofSeconds(5)).until(() -> busy.drain().stream()
                        .anyMatch(e -> e.data().equals("v" + sent)));
                assertEquals(0, busy.comments(), "a stream that carried an event every 100 ms got a heartbeat");
            } finally {
                publisher.shutdownNow();
            }
        }
    }

    @Test
    void thousandSubscribersReceiveEveryVersionInOrder() {
        String topic = TestNode.topic();
        int subscribers = 1000;
        int versions = 20;
        List<SseClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < subscribers; i++) {
                clients.add(node.stream(topic));
            }
            for (SseClient client : clients) {
                assertEquals(200, client.status());
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> node.server.streams().count() >= subscribers);
            for (int v = 1; v <= versions; v++) {
                node.publish(topic, "version " + v);
            }
            for (SseClient client : clients) {
                for (int v = 1; v <= versions; v++) {
                    Event event = client.next(Duration.ofSeconds(20));
                    assertEquals(v, event.version());
                    assertEquals("version " + v, event.data());
                }
            }
        } finally {
            clients.forEach(SseClient::close);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> node.server.hub().latestServed(topic) == null);
    }
}
