package io.pushgate.broker;

import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.pushgate.broker.redis.RedisBroker;
import io.pushgate.config.RedisSettings;
import io.pushgate.testing.RedisClusterProcess;
import io.pushgate.testing.EpochOrder;
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
 * A Redis Cluster failover with real processes: three masters with a replica each (node timeout
 * 1 s); the master owning a served topic's slot is killed. The node must be not ready while the
 * slot has no master, ready again once its replica took over, and every stream (on every shard)
 * must hold the latest version afterwards, nothing twice within an epoch. Logs the switch time,
 * recorded in bench/RESULTS.md, "Failover".
 */
class RedisClusterFailoverTest {
    private static final Logger log = LoggerFactory.getLogger(RedisClusterFailoverTest.class);

    private static int readyz(TestNode node) {
        return TestNode.send(HttpRequest.newBuilder(node.adminUri("/readyz")).build()).statusCode();
    }

    @Test
    void aClusterFailoverIsNotReadyMeanwhileThenEveryStreamGetsTheLatest() throws Exception {
        try (RedisClusterProcess cluster = new RedisClusterProcess(true)) {
            String prefix = "pgtest-cfail";
            List<RedisURI> seeds = new ArrayList<>();
            cluster.ports.forEach(p -> seeds.add(RedisURI.create("127.0.0.1", p)));
            RedisClusterClient plain = RedisClusterClient.create(seeds);
            RedisBroker broker = new RedisBroker(new RedisSettings(cluster.seeds(), true, prefix, Duration.ofSeconds(1),
                    Duration.ofMillis(300), Duration.ofMillis(300)));
            try (StatefulRedisClusterConnection<String, String> redis = plain.connect();
                 TestNode node = TestNode.start(broker)) {
                await().atMost(Duration.ofSeconds(15)).until(broker::connected);
                List<String> topics = new ArrayList<>();
                Map<String, SseClient> streams = new HashMap<>();
                Map<String, List<Event>> seen = new HashMap<>();
                for (int i = 0; i < 9; i++) {
                    String topic = TestNode.topic();
                    topics.add(topic);
                    node.publish(topic, topic + " before");
                    streams.put(topic, node.stream(topic));
                    seen.put(topic, new ArrayList<>());
                }
                await().atMost(Duration.ofSeconds(10)).until(() -> topics.stream().allMatch(t -> {
                    seen.get(t).addAll(streams.get(t).drain());
                    return !seen.get(t).isEmpty();
                }));
                String key = prefix + ":{" + topics.get(0) + "}";
                int victim = redis.getPartitions().getPartitionBySlot(SlotHash.getSlot(key)).getUri().getPort();
                // Replicated before the kill: this test is about the switch, RedisFailoverTest about a lost write.
                // (A replica of a cluster made a moment ago may still be in its first full sync: wait for it.)
                await().atMost(Duration.ofSeconds(30)).until(() ->
                        redis.getConnection("127.0.0.1", victim).sync().waitForReplication(1, 500) >= 1);
                assertEquals(200, readyz(node));

                long killed = System.nanoTime();
                cluster.kill(victim);
                await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).until(() -> readyz(node) == 503);
                long notReady = System.nanoTime();
                try {
                    await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(50)).until(() -> readyz(node) == 200);
                } catch (AssertionError | RuntimeException e) {
                    for (int port : cluster.ports) {
                        if (port != victim) {
                            log.warn("CLUSTER NODES of {}:\n{}", port, redis.getConnection("127.0.0.1", port).sync().clusterNodes());
                            break;
                        }
                    }
                    Thread.getAllStackTraces().forEach((thread, stack) -> {
                        if (thread.getName().startsWith("pushgate-redis")) {
                            StringBuilder trace = new StringBuilder();
                            for (StackTraceElement frame : stack) {
                                trace.append("\n    at ").append(frame);
                            }
                            log.warn("{} {}:{}", thread.getName(), thread.getState(), trace);
                        }
                    });
                    throw e;
                }
                long ready = System.nanoTime();
                log.info("cluster failover: not ready {} ms after the kill, ready again {} ms after it",
                        (notReady - killed) / 1_000_000, (ready - killed) / 1_000_000);

                Map<String, Long> latest = new HashMap<>();
                for (String topic : topics) {
                    latest.put(topic, node.publish(topic, topic + " after"));
                }
                for (String topic : topics) {
                    await().atMost(Duration.ofSeconds(10)).until(() -> {
                        seen.get(topic).addAll(streams.get(topic).drain());
                        List<Event> events = seen.get(topic);
                        return events.get(events.size() - 1).data().equals(topic + " after");
                    });
                    List<Event> events = seen.get(topic);
                    assertEquals(latest.get(topic), events.get(events.size() - 1).version());
                    EpochOrder.assertVersionsRiseWithinEachEpoch(events);
                    streams.get(topic).close();
                }
            } finally {
                plain.shutdown(Duration.ZERO, Duration.ofSeconds(1));
            }
        }
    }

}
