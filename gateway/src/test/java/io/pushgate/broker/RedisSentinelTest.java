package io.pushgate.broker;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.sentinel.api.StatefulRedisSentinelConnection;
import io.pushgate.broker.redis.RedisBroker;
import io.pushgate.config.RedisSettings;
import io.pushgate.testing.EpochOrder;
import io.pushgate.testing.RedisServerProcess;
import io.pushgate.testing.SentinelProcess;
import io.pushgate.testing.SseClient;
import io.pushgate.testing.SseClient.Event;
import io.pushgate.testing.TestNode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Redis behind Sentinel, with real processes (a master, its replica, three sentinels) and two nodes
 * given {@code redis-sentinel://…#master} (whose first sentinel is down), 200 streams between them:
 * after a switch of master, asked for ({@code SENTINEL FAILOVER}) or forced (the master killed),
 * both nodes move to the new master by themselves, a publish lands there, every stream holds it,
 * and none saw a version twice. Logs the times of the switch (bench/RESULTS.md, "Redis Sentinel
 * failover").
 */
class RedisSentinelTest {
    private static final Logger log = LoggerFactory.getLogger(RedisSentinelTest.class);
    private static final String MASTER = SentinelProcess.MASTER;
    private static final int STREAMS = 200;
    private static final int TOPICS = 4;
    private static final Duration DEADLINE = Duration.ofSeconds(30);

    @ParameterizedTest
    @ValueSource(strings = {"failover", "kill"})
    void everyStreamEndsOnTheLatestVersionAfterTheMasterChanges(String how) throws Exception {
        try (RedisServerProcess master = new RedisServerProcess().start();
             RedisServerProcess replica = new RedisServerProcess()
                     .start("--replicaof", "127.0.0.1", Integer.toString(master.port));
             SentinelProcess s1 = new SentinelProcess(master.port, 2);
             SentinelProcess s2 = new SentinelProcess(master.port, 2);
             SentinelProcess s3 = new SentinelProcess(master.port, 2)) {
            RedisClient client = RedisClient.create("redis://127.0.0.1:" + s1.port);
            StatefulRedisSentinelConnection<String, String> sentinel = client.connectSentinel();
            try {
                // Each sentinel has found the replica and the two others (a killed master needs a quorum).
                await().atMost(DEADLINE).until(() -> {
                    Map<String, String> m = sentinel.sync().master(MASTER);
                    return "1".equals(m.get("num-slaves")) && "2".equals(m.get("num-other-sentinels"));
                });
                String prefix = "pgtest-sentinel-" + UUID.randomUUID().toString().substring(0, 8);
                // The URI's first sentinel is down: the nodes must find the master through the others.
                String uri = "redis-sentinel://127.0.0.1:" + RedisServerProcess.freePort() + ",127.0.0.1:" + s1.port
                        + ",127.0.0.1:" + s2.port + ",127.0.0.1:" + s3.port + "#" + MASTER;
                RedisSettings settings = new RedisSettings(uri, false, prefix, Duration.ofSeconds(1),
                        Duration.ofMillis(500), Duration.ofMillis(500));
                RedisBroker brokerA = new RedisBroker(settings);
                RedisBroker brokerB = new RedisBroker(settings);
                try (TestNode a = TestNode.start(brokerA); TestNode b = TestNode.start(brokerB)) {
                    await().atMost(DEADLINE).until(() -> brokerA.connected() && brokerB.connected());
                    assertTrue(brokerA.describe().contains("via sentinels"), brokerA.describe());
                    List<String> topics = new ArrayList<>();
                    for (int t = 0; t < TOPICS; t++) {
                        topics.add(TestNode.topic());
                        a.publish(topics.get(t), "before");
                    }
                    List<SseClient> streams = new ArrayList<>();
                    List<List<Event>> seen = new ArrayList<>();
                    try {
                        for (int i = 0; i < STREAMS; i++) {
                            streams.add((i % 2 == 0 ? a : b).stream(topics.get(i % TOPICS)));
                            seen.add(new ArrayList<>());
                        }
                        SseClient.awaitAllEndOn(streams, seen, "before", DEADLINE);
                        long reconnectsA = brokerA.reconnects();
                        long reconnectsB = brokerB.reconnects();

                        try (ReadinessWatch watchA = new ReadinessWatch(a); ReadinessWatch watchB = new ReadinessWatch(b)) {
                            long start = System.nanoTime();
                            if (how.equals("failover")) {
                                assertEquals("OK", sentinel.sync().failover(MASTER));
                            } else {
                                master.kill();
                            }
                            // The sentinels have made the replica the master (what a node's next session finds).
                            await().atMost(DEADLINE).pollInterval(Duration.ofMillis(20)).until(() -> replica.port
                                    == ((InetSocketAddress) sentinel.sync().getMasterAddrByName(MASTER)).getPort());
                            long switched = System.nanoTime();
                            // Both nodes leave the old master's connections (killed, or a replica now that
                            // still answers PINGs and passes messages on but refuses every publish).
                            await().atMost(DEADLINE).until(() -> brokerA.reconnects() > reconnectsA
                                    && brokerB.reconnects() > reconnectsB && brokerA.connected() && brokerB.connected());
                            long reconnected = System.nanoTime();
                            // A publisher retries what is refused while there is no master (503).
                            for (int t = 0; t < TOPICS; t++) {
                                (t % 2 == 0 ? a : b).publishUntilTaken(topics.get(t), "after", DEADLINE);
                            }
                            long published = System.nanoTime();
                            SseClient.awaitAllEndOn(streams, seen, "after", DEADLINE);
                            long current = System.nanoTime();

                            try (StatefulRedisConnection<String, String> newMaster =
                                         RedisClient.create("redis://127.0.0.1:" + replica.port).connect()) {
                                for (String topic : topics) {
                                    assertEquals("after", newMaster.sync().hget(prefix + ":{" + topic + "}", "text"),
                                            "stored on the new master");
                                }
                            }
                            if (how.equals("kill")) {
                                assertTrue(watchA.refused.get() && watchB.refused.get(),
                                        "/readyz said 503 while there was no master");
                            }
                            log.info("sentinel {}: new master named after {} ms; both nodes on it after {} ms; a publish "
                                            + "on each topic taken by {} ms; every one of {} streams on those versions by {} ms "
                                            + "(from the switch's start); /readyz 503 seen for {} ms on A, {} ms on B (polled "
                                            + "every 20 ms)", how, (switched - start) / 1_000_000, (reconnected - start) / 1_000_000,
                                    (published - start) / 1_000_000, STREAMS, (current - start) / 1_000_000,
                                    watchA.refusedMillis(), watchB.refusedMillis());
                        }
                        for (List<Event> events : seen) {
                            EpochOrder.assertVersionsRiseWithinEachEpoch(events);
                        }
                    } finally {
                        streams.forEach(SseClient::close);
                    }
                }
            } finally {
                sentinel.close();
                client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
            }
        }
    }


    /** Polls a node's /readyz every 20 ms on a scheduler of its own, noting how long it answered 503. */
    private static final class ReadinessWatch implements AutoCloseable {
        final AtomicBoolean refused = new AtomicBoolean();
        private final AtomicLong refusedNanos = new AtomicLong();
        private final ScheduledExecutorService poller = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "readyz-watch");
            t.setDaemon(true);
            return t;
        });
        private long last = System.nanoTime();

        ReadinessWatch(TestNode node) {
            poller.scheduleWithFixedDelay(() -> {
                int status = node.readyz();
                long now = System.nanoTime();
                if (status == 503) {
                    refused.set(true);
                    refusedNanos.addAndGet(now - last);
                }
                last = now;
            }, 0, 20, TimeUnit.MILLISECONDS);
        }

        long refusedMillis() {
            return refusedNanos.get() / 1_000_000;
        }

        @Override
        public void close() throws InterruptedException {
            poller.shutdownNow();
            poller.awaitTermination(2, TimeUnit.SECONDS);
        }
    }
}
