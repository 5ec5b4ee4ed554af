package io.pushgate.broker;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.pushgate.broker.redis.RedisBroker;
import io.pushgate.config.RedisSettings;
import io.pushgate.testing.RedisServerProcess;
import io.pushgate.testing.SentinelProcess;
import io.pushgate.testing.SseClient;
import io.pushgate.testing.SseClient.Event;
import io.pushgate.testing.TestNode;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A Sentinel failover with real processes: a master, its replica and three Sentinels; the node
 * finds the master through the Sentinels ({@code redis-sentinel://}). The master is killed; the
 * node must be not ready while it has no master, ready again on the promoted replica, and every
 * stream must hold the latest version afterwards, nothing twice within an epoch. Logs the switch
 * time (kill to ready again), recorded in bench/RESULTS.md, "Failover".
 */
class RedisSentinelTest {
    private static final Logger log = LoggerFactory.getLogger(RedisSentinelTest.class);

    private static int readyz(TestNode node) {
        return TestNode.send(HttpRequest.newBuilder(node.adminUri("/readyz")).build()).statusCode();
    }

    @Test
    void aSentinelFailoverIsNotReadyMeanwhileThenEveryStreamGetsTheLatest() throws Exception {
        try (RedisServerProcess master = new RedisServerProcess().start();
             RedisServerProcess replica = new RedisServerProcess()
                     .start("--replicaof", "127.0.0.1", Integer.toString(master.port));
             SentinelProcess s1 = new SentinelProcess(master.port, 2);
             SentinelProcess s2 = new SentinelProcess(master.port, 2);
             SentinelProcess s3 = new SentinelProcess(master.port, 2)) {
            RedisClient client = RedisClient.create("redis://127.0.0.1:" + replica.port);
            RedisClient sentinelClient = RedisClient.create("redis://127.0.0.1:" + s1.port);
            try (StatefulRedisConnection<String, String> toReplica = client.connect();
                 StatefulRedisConnection<String, String> toSentinel = sentinelClient.connect()) {
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> toReplica.sync().info("replication").contains("master_link_status:up"));
                // Each Sentinel must know the replica and the other two before a failover can be agreed.
                await().atMost(Duration.ofSeconds(20)).until(() ->
                        toSentinel.sync().info("sentinel").contains("slaves=1,sentinels=3"));
                String uri = "redis-sentinel://127.0.0.1:" + s1.port + ",127.0.0.1:" + s2.port + ",127.0.0.1:" + s3.port
                        + "#" + SentinelProcess.MASTER;
                RedisBroker broker = new RedisBroker(new RedisSettings(uri, false, "pgtest-sentinel",
                        Duration.ofSeconds(1), Duration.ofMillis(300), Duration.ofMillis(300)));
                try (TestNode node = TestNode.start(broker)) {
                    await().atMost(Duration.ofSeconds(10)).until(broker::connected);
                    assertTrue(broker.describe().contains("via sentinels"), broker.describe());
                    List<String> topics = List.of(TestNode.topic(), TestNode.topic(), TestNode.topic());
                    Map<String, SseClient> streams = new HashMap<>();
                    Map<String, List<Event>> seen = new HashMap<>();
                    for (String topic : topics) {
                        node.publish(topic, topic + " before");
                        streams.put(topic, node.stream(topic));
                        seen.put(topic, new ArrayList<>());
                    }
                    await().atMost(Duration.ofSeconds(10)).until(() -> topics.stream().allMatch(t -> {
                        seen.get(t).addAll(streams.get(t).drain());
                        return !seen.get(t).isEmpty();
                    }));
                    assertEquals(200, readyz(node));

                    long killed = System.nanoTime();
                    master.kill();
                    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).until(() -> readyz(node) == 503);
                    long notReady = System.nanoTime();
                    await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(50)).until(() -> readyz(node) == 200);
                    long ready = System.nanoTime();
                    assertTrue(toReplica.sync().info("replication").contains("role:master"), "the replica was promoted");
                    log.info("sentinel failover: not ready {} ms after the kill, ready again {} ms after it",
                            (notReady - killed) / 1_000_000, (ready - killed) / 1_000_000);

                    Map<String, String> latest = new HashMap<>();
                    for (String topic : topics) {
                        long version = node.publish(topic, topic + " after");
                        latest.put(topic, version + "-" + toReplica.sync().hget("pgtest-sentinel:{" + topic + "}", "epoch"));
                    }
                    for (String topic : topics) {
                        await().atMost(Duration.ofSeconds(10)).until(() -> {
                            seen.get(topic).addAll(streams.get(topic).drain());
                            List<Event> events = seen.get(topic);
                            return events.get(events.size() - 1).id().equals(latest.get(topic));
                        });
                        assertEquals(topic + " after", seen.get(topic).get(seen.get(topic).size() - 1).data());
                        assertNoRepeatsWithinAnEpoch(seen.get(topic));
                        streams.get(topic).close();
                    }
                }
            } finally {
                client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
                sentinelClient.shutdown(Duration.ZERO, Duration.ofSeconds(1));
            }
        }
    }

    private static void assertNoRepeatsWithinAnEpoch(List<Event> events) {
        Map<String, Long> lastByEpoch = new HashMap<>();
        for (Event e : events) {
            String epoch = e.id().substring(e.id().indexOf('-') + 1);
            Long before = lastByEpoch.put(epoch, e.version());
            assertTrue(before == null || e.version() > before,
                    "version " + e.version() + " after " + before + " in epoch " + epoch);
        }
    }
}
