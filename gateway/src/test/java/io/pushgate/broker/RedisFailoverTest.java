package io.pushgate.broker;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.pushgate.broker.redis.RedisBroker;
import io.pushgate.config.RedisSettings;
import io.pushgate.testing.BlackholeProxy;
import io.pushgate.testing.EpochOrder;
import io.pushgate.testing.RedisServerProcess;
import io.pushgate.testing.SseClient;
import io.pushgate.testing.SseClient.Event;
import io.pushgate.testing.TestNode;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A failover that loses an acknowledged publish, with real processes: a master and its replica,
 * the replication link cut (a proxy that black-holes it) before one more publish, the replica
 * promoted, and the node's Redis address (a proxy) moved to it. The new master holds an older
 * version of the same epoch than the one the node delivered; afterwards every stream must hold
 * the latest text, and no stream may see a version twice within an epoch.
 */
class RedisFailoverTest {

    @Test
    void aPublishLostInAFailoverMovesTheTopicToANewEpochThatStreamsReceive() throws Exception {
        try (RedisServerProcess master = new RedisServerProcess().start();
             BlackholeProxy replication = new BlackholeProxy(master.port);
             RedisServerProcess replica = new RedisServerProcess()
                     .start("--replicaof", "127.0.0.1", Integer.toString(replication.port()));
             BlackholeProxy address = new BlackholeProxy(master.port)) {
            RedisClient client = RedisClient.create("redis://127.0.0.1:" + replica.port);
            StatefulRedisConnection<String, String> toReplica = client.connect();
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> toReplica.sync().info("replication").contains("master_link_status:up"));
            String prefix = "pgtest-failover";
            RedisBroker broker = new RedisBroker(new RedisSettings("redis://127.0.0.1:" + address.port(), false, prefix,
                    Duration.ofSeconds(1), Duration.ofMillis(300), Duration.ofMillis(300)));
            String topic = TestNode.topic();
            String key = prefix + ":{" + topic + "}";
            try (TestNode node = TestNode.start(broker); SseClient stream = node.stream(topic)) {
                await().atMost(Duration.ofSeconds(10)).until(broker::connected);
                assertEquals(200, stream.status());
                node.publish(topic, "one");
                node.publish(topic, "two");
                await().atMost(Duration.ofSeconds(10)).until(() -> "2".equals(toReplica.sync().hget(key, "version")));

                replication.blackhole(true);
                assertEquals(3, node.publish(topic, "three"), "acknowledged by the master, never replicated");
                List<Event> seen = new ArrayList<>();
                await().atMost(Duration.ofSeconds(10)).until(() -> {
                    seen.addAll(stream.drain());
                    return !seen.isEmpty() && seen.get(seen.size() - 1).data().equals("three");
                });

                // The failover: the replica becomes the master, the old one is gone, the address moves.
                toReplica.sync().replicaofNoOne();
                master.kill();
                address.retarget(replica.port);
                assertEquals("2", toReplica.sync().hget(key, "version"), "the new master lost version 3");

                String lostEpoch = seen.get(seen.size() - 1).id().substring(2);
                await().atMost(Duration.ofSeconds(15)).until(() -> {
                    seen.addAll(stream.drain());
                    return seen.get(seen.size() - 1).data().equals("two");
                });
                Event renewed = seen.get(seen.size() - 1);
                assertNotEquals(lostEpoch, renewed.id().substring(renewed.id().indexOf('-') + 1), "a new epoch");
                assertEquals(renewed.id(), toReplica.sync().hget(key, "version") + "-" + toReplica.sync().hget(key, "epoch"),
                        "the stream holds what the new master holds");
                assertEquals(1, broker.epochsRenewed());

                long next = node.publish(topic, "four");
                await().atMost(Duration.ofSeconds(10)).until(() -> {
                    seen.addAll(stream.drain());
                    return seen.get(seen.size() - 1).data().equals("four");
                });
                assertEquals(next, seen.get(seen.size() - 1).version());
                EpochOrder.assertVersionsRiseWithinEachEpoch(seen);
                assertEquals(List.of("one", "two", "three", "two", "four"), seen.stream().map(Event::data).toList(),
                        "the lost text, then the latest again in the new epoch, then what follows");
            } finally {
                toReplica.close();
                client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
            }
        }
    }

}
