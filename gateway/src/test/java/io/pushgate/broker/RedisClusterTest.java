package io.pushgate.broker;

import io.pushgate.config.FollowSettings;
import io.pushgate.config.RedisSettings;
import io.lettuce.core.cluster.SlotHash;
import io.pushgate.broker.redis.RedisBroker;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.pushgate.model.FeedEvent;
import io.pushgate.model.FeedHistory;
import io.pushgate.model.FeedState;
import io.pushgate.testing.RedisClusterProcess;
import io.pushgate.testing.SseClient;
import io.pushgate.testing.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Redis Cluster mode against a real local 3-master cluster started here: the broker contract, and
 * two nodes sharing topics, and feeds, over sharded pub/sub spread over the shards.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RedisClusterTest {
    private static RedisClusterProcess cluster;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = new RedisClusterProcess();
    }

    @AfterAll
    static void stopCluster() {
        cluster.close();
    }

    static RedisSettings settings(String prefix) {
        return new RedisSettings(cluster.seeds(), true, prefix, Duration.ofSeconds(2),
                Duration.ofMillis(500), Duration.ofSeconds(1));
    }

    @Nested
    class Contract extends BrokerContract {
        @Override
        protected Broker create() {
            return new RedisBroker(settings("pgc-" + UUID.randomUUID().toString().substring(0, 8)));
        }
    }

    @Nested
    class FeedContract extends RedisFeedContract {
        @Override
        protected RedisSettings settings() {
            return RedisClusterTest.settings("pgc-" + UUID.randomUUID().toString().substring(0, 8));
        }
    }

    @Test
    void twoNodesShareTopicsOverShardedPubSub() {
        String prefix = "pgc-" + UUID.randomUUID().toString().substring(0, 8);
        List<RedisURI> seeds = new ArrayList<>();
        cluster.ports.forEach(p -> seeds.add(RedisURI.create("127.0.0.1", p)));
        RedisClusterClient plain = RedisClusterClient.create(seeds);
        try (TestNode a = TestNode.start(new RedisBroker(settings(prefix)));
             TestNode b = TestNode.start(new RedisBroker(settings(prefix)));
             StatefulRedisClusterConnection<String, String> redis = plain.connect()) {
            await().atMost(Duration.ofSeconds(15)).until(() -> a.server.broker().connected() && b.server.broker().connected());
            // Enough topics that every shard owns some.
            List<String> topics = new ArrayList<>();
            List<SseClient> clients = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                String topic = TestNode.topic();
                topics.add(topic);
                SseClient client = a.stream(topic);
                assertEquals(200, client.status());
                clients.add(client);
            }
            for (String topic : topics) {
                String channel = prefix + ":{" + topic + "}:ch";
                // Each shard counts its own subscribers: exactly one, on the slot owner.
                await().atMost(Duration.ofSeconds(10)).until(() -> {
                    long total = 0;
                    for (int port : cluster.ports) {
                        Map<String, Long> n = redis.getConnection("127.0.0.1", port).sync().pubsubShardNumsub(channel);
                        total += n.getOrDefault(channel, 0L);
                    }
                    return total == 1;
                });
            }
            for (int i = 0; i < topics.size(); i++) {
                String topic = topics.get(i);
                b.publish(topic, "via b " + i);
                assertEquals("via b " + i, clients.get(i).next().data());
                redis.sync().fcall("pushgate_publish", ScriptOutputType.MULTI,
                        new String[] {prefix + ":{" + topic + "}"}, "fcall " + i);
                SseClient.Event event = clients.get(i).next();
                assertEquals("fcall " + i, event.data());
                assertEquals(2, event.version());
            }
            clients.forEach(SseClient::close);
            for (String topic : topics) {
                redis.sync().del(prefix + ":{" + topic + "}");
            }
        } finally {
            plain.shutdown();
        }
    }

    @Test
    void feedsAppendAndArriveOverShardedPubSubOnEveryShard() throws Exception {
        String prefix = "pgc-" + UUID.randomUUID().toString().substring(0, 8);
        List<RedisURI> seeds = new ArrayList<>();
        cluster.ports.forEach(p -> seeds.add(RedisURI.create("127.0.0.1", p)));
        RedisClusterClient plain = RedisClusterClient.create(seeds);
        FeedBrokerContract.Recorder heard = new FeedBrokerContract.Recorder();
        try (RedisBroker a = new RedisBroker(settings(prefix));
             RedisBroker b = new RedisBroker(settings(prefix));
             StatefulRedisClusterConnection<String, String> redis = plain.connect()) {
            a.startFeeds(heard);
            a.start(new BrokerContract.Recorder());
            b.startFeeds(new FeedBrokerContract.Recorder());
            b.start(new BrokerContract.Recorder());
            await().atMost(Duration.ofSeconds(15)).until(() -> a.connected() && b.connected());
            // Enough feeds that every shard owns some.
            List<String> feeds = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                String feed = TestNode.topic();
                feeds.add(feed);
                heard.serving.add(feed);
                a.subscribeFeed(feed);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> heard.states.size() == feeds.size());
            for (String feed : feeds) {
                String channel = prefix + ":{" + feed + "}:log:ch";
                long total = 0;
                for (int port : cluster.ports) {
                    total += redis.getConnection("127.0.0.1", port).sync().pubsubShardNumsub(channel).getOrDefault(channel, 0L);
                }
                assertEquals(1, total, "one shard subscription, on the slot owner, for " + channel);
            }
            for (int i = 0; i < feeds.size(); i++) {
                String feed = feeds.get(i);
                FeedEvent appended = b.append(feed, ("event " + i).getBytes(StandardCharsets.UTF_8))
                        .toCompletableFuture().get(5, TimeUnit.SECONDS);
                List<Object> second = redis.sync().fcall("pushgate_append", ScriptOutputType.MULTI,
                        new String[] {prefix + ":{" + feed + "}"}, "fcall " + i);
                assertEquals(2L, second.get(1));
                await().atMost(Duration.ofSeconds(5)).until(() -> heard.seqsOf(feed).equals(List.of(1L, 2L)));
                FeedHistory history = a.history(feed, 0, 10).toCompletableFuture().get(5, TimeUnit.SECONDS);
                assertEquals(new FeedState(feed, appended.epoch(), 1, 2), history.state());
                assertEquals(List.of("event " + i, "fcall " + i), history.events().stream()
                        .map(e -> new String(e.text(), StandardCharsets.UTF_8)).toList());
            }
            for (String feed : feeds) {
                redis.sync().del(prefix + ":{" + feed + "}:log");
            }
        } finally {
            plain.shutdown();
        }
    }

    @Test
    void followWhoseKeysAreInTwoSlotsIsRefusedAtStart() {
        String prefix = "pgc-" + UUID.randomUUID().toString().substring(0, 8);
        String text = "{" + prefix + "-a}:text";
        String seq = "{" + prefix + "-b}:seq";
        assertNotEquals(SlotHash.getSlot(text), SlotHash.getSlot(seq), "the test's keys are in two slots");
        FollowSettings follows = new FollowSettings(List.of(new FollowSettings.Keys("page", text, seq)), true,
                Duration.ofMillis(100), Duration.ofSeconds(1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new RedisBroker(settings(prefix), follows));
        assertTrue(e.getMessage().contains("must share a hash slot"), e.getMessage());
    }

    @Test
    void followedKeysOfOneSlotAreServedOnACluster() {
        String prefix = "pgc-" + UUID.randomUUID().toString().substring(0, 8);
        String text = "{" + prefix + "-app}:FILE_TEXT";
        String seq = "{" + prefix + "-app}:FILE_TEXT_SEQ";
        String topic = TestNode.topic();
        FollowSettings follows = new FollowSettings(List.of(new FollowSettings.Keys(topic, text, seq)), true,
                Duration.ofMillis(50), Duration.ofMillis(500));
        List<RedisURI> seeds = new ArrayList<>();
        cluster.ports.forEach(p -> seeds.add(RedisURI.create("127.0.0.1", p)));
        RedisClusterClient plain = RedisClusterClient.create(seeds);
        try (StatefulRedisClusterConnection<String, String> app = plain.connect()) {
            app.sync().set(text, "one");
            app.sync().incr(seq);
            try (TestNode a = TestNode.start(new RedisBroker(settings(prefix), follows));
                 TestNode b = TestNode.start(new RedisBroker(settings(prefix), follows))) {
                await().atMost(Duration.ofSeconds(15)).until(() -> a.server.broker().connected() && b.server.broker().connected());
                try (SseClient onA = a.stream(topic); SseClient onB = b.stream(topic)) {
                    SseClient.Event first = onA.next();
                    assertEquals("one", first.data());
                    assertEquals(first.id(), onB.next().id(), "both nodes agree on version and epoch");
                    app.sync().set(text, "two");
                    app.sync().incr(seq);
                    SseClient.Event second = onA.next();
                    assertEquals("two", second.data());
                    assertEquals(2, second.version());
                    assertEquals(second.id(), onB.next().id());
                    app.sync().set(seq, "0");
                    app.sync().set(text, "after reset");
                    app.sync().incr(seq);
                    SseClient.Event reset = onA.next();
                    assertEquals("after reset", reset.data());
                    assertNotEquals(first.id().substring(2), reset.id().substring(2), "a reset begins a new epoch");
                    assertEquals(reset.id(), onB.next().id());
                }
            } finally {
                app.sync().del(text, seq, seq + ":" + prefix + ":follow");
            }
        } finally {
            plain.shutdown();
        }
    }
}
