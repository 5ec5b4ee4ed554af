package io.pushgate.broker;

import io.lettuce.core.KillArgs;
import io.lettuce.core.ScriptOutputType;
import io.pushgate.broker.redis.RedisBroker;
import io.pushgate.config.FeedSettings;
import io.pushgate.config.FollowSettings;
import io.pushgate.config.RedisSettings;
import io.pushgate.config.TopicSettings;
import io.pushgate.testing.OwnRedis;
import io.pushgate.testing.RedisFixture;
import io.pushgate.testing.SseClient;
import io.pushgate.testing.SseClient.Event;
import io.pushgate.testing.TestNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * Feeds through Redis end to end (README "Feeds", "Feeds in Redis"): nodes that share a Redis,
 * appends over HTTP on either, streams on both. On a redis-server of this class's own (the feed
 * functions are this checkout's); a key prefix per test.
 */
class RedisFeedNodesTest {
    @RegisterExtension
    static final OwnRedis own = new OwnRedis();
    private RedisFixture redis;
    private final List<AutoCloseable> opened = new ArrayList<>();

    @BeforeEach
    void fixture() {
        redis = own.fixture();
    }

    @AfterEach
    void close() throws Exception {
        for (int i = opened.size() - 1; i >= 0; i--) {
            opened.get(i).close();
        }
    }

    /** A node on this test's Redis, ready. */
    private TestNode node() {
        // A 5 s command timeout: hundreds of appends in flight on a busy test machine.
        RedisSettings settings = new RedisSettings(redis.url, false, redis.prefix, Duration.ofSeconds(5),
                Duration.ofMillis(500), Duration.ofSeconds(2));
        TestNode node = TestNode.start(new RedisBroker(settings, FollowSettings.NONE, TopicSettings.NONE, FeedSettings.DEFAULT),
                redis.nodeFlags());
        opened.add(node);
        await().atMost(Duration.ofSeconds(10)).until(() -> node.server.broker().connected());
        return node;
    }

    private SseClient stream(TestNode node, String feed, Map<String, String> headers) {
        SseClient client = node.feedStream(feed, "", headers);
        opened.add(client);
        assertEquals(200, client.status());
        return client;
    }

    private static long seq(Event event) {
        return Long.parseLong(event.id().substring(0, event.id().indexOf('-')));
    }

    private static String epoch(Event event) {
        return event.id().substring(event.id().indexOf('-') + 1);
    }

    /** Takes events from {@code client} until one has seq {@code last}; returns their seqs. */
    private static List<Long> seqsUntil(SseClient client, long last) {
        List<Long> seqs = new ArrayList<>();
        for (long seen = 0; seen != last; ) {
            seen = seq(client.next(Duration.ofSeconds(15)));
            seqs.add(seen);
        }
        return seqs;
    }

    /**
     * The seam of issue 14 across nodes: two nodes append at once, streams on both hear every event
     * once and in order, and a stream that resumes on the other node mid-run with its id gets the
     * rest, no gap and nothing twice.
     */
    @Test
    void streamsOnBothNodesGetEveryEventOnceInOrderWhileBothAppend() throws Exception {
        TestNode a = node();
        TestNode b = node();
        String feed = TestNode.topic();
        List<SseClient> streams = List.of(stream(a, feed, Map.of()), stream(a, feed, Map.of()), stream(b, feed, Map.of()));
        String first = a.append(feed, "first");
        for (SseClient s : streams) {
            assertEquals(first, s.next().id(), "every stream is live");
        }
        int each = 150;
        Thread onB = new Thread(() -> {
            for (int i = 0; i < each; i++) {
                b.append(feed, "b " + i);
            }
        }, "appends-on-b");
        onB.start();
        for (int i = 0; i < each / 2; i++) {
            a.append(feed, "a " + i);
        }
        SseClient moved = streams.get(0);
        moved.close();
        SseClient resumed = stream(b, feed, Map.of("Last-Event-ID", moved.lastEventId()));
        long resumedAfter = Long.parseLong(moved.lastEventId().substring(0, moved.lastEventId().indexOf('-')));
        for (int i = each / 2; i < each; i++) {
            a.append(feed, "a " + i);
        }
        onB.join();
        long last = 1 + 2L * each;
        for (SseClient s : streams.subList(1, streams.size())) {
            assertEquals(LongStream.rangeClosed(2, last).boxed().toList(), seqsUntil(s, last));
        }
        assertEquals(LongStream.rangeClosed(resumedAfter + 1, last).boxed().toList(), seqsUntil(resumed, last),
                "resumed after " + resumedAfter + " on the other node");
    }

    @Test
    void aLogLostInRedisGivesStreamsAResetThenTheNewEpoch() {
        TestNode a = node();
        TestNode b = node();
        String feed = TestNode.topic();
        SseClient client = stream(a, feed, Map.of());
        b.append(feed, "one");
        Event one = client.next();
        redis.redis().del(redis.prefix + ":{" + feed + "}:log");
        String again = b.append(feed, "again");
        Event reset = client.next();
        assertEquals("pushgate.reset", reset.type());
        assertEquals(feed, reset.data());
        Event event = client.next();
        assertEquals(again, event.id());
        assertEquals(1, seq(event));
        assertNotEquals(epoch(one), epoch(event));
        assertEquals("again", event.data());
    }

    /**
     * A node that lost Redis (its connections killed, new ones refused until a password is lifted)
     * hears nothing meanwhile; once back, its streams get every event appended while it was away,
     * in order, with no reset.
     */
    @Test
    void aNodeBackFromALostRedisReplaysWhatWasAppendedMeanwhile() {
        TestNode a = node();
        String feed = TestNode.topic();
        String[] key = {redis.prefix + ":{" + feed + "}"};
        SseClient client = stream(a, feed, Map.of());
        a.append(feed, "before");
        assertEquals(1, seq(client.next()));
        try {
            redis.redis().configSet("requirepass", "kept-out");
            redis.redis().clientKill(KillArgs.Builder.typePubsub());
            await().atMost(Duration.ofSeconds(5)).until(() -> !a.server.broker().connected());
            for (int i = 0; i < 5; i++) {
                redis.redis().fcall("pushgate_append", ScriptOutputType.MULTI, key, "away " + i);
            }
            redis.redis().configSet("requirepass", "");
            List<Event> got = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                got.add(client.next(Duration.ofSeconds(15)));
            }
            assertEquals(List.of(2L, 3L, 4L, 5L, 6L), got.stream().map(RedisFeedNodesTest::seq).toList());
            assertEquals("away 4", got.get(4).data());
        } finally {
            redis.redis().configSet("requirepass", "");
        }
    }
}
