package io.pushgate.broker;

import io.pushgate.broker.redis.RedisBroker;
import io.pushgate.config.RedisSettings;
import io.pushgate.metrics.CloseReason;
import io.pushgate.testing.BlackholeProxy;
import io.pushgate.testing.RedisFixture;
import io.pushgate.testing.RedisServerProcess;
import io.pushgate.testing.SseClient;
import io.pushgate.testing.TestNode;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A node cut off from Redis (a peer that vanished silently) hands its streams to other nodes after
 * {@code --broker-loss-handoff}: each ends with a {@code retry:}, counted as {@code broker_lost};
 * a stream that comes back while Redis is still away is kept (once per loss, no bouncing), and
 * receives what was published meanwhile once Redis is back.
 */
class BrokerLossHandoffTest {

    @Test
    void aNodeCutOffFromRedisHandsItsStreamsOverOncePerLoss() throws Exception {
        try (RedisServerProcess server = new RedisServerProcess().start();
             BlackholeProxy proxy = new BlackholeProxy(server.port);
             RedisFixture direct = new RedisFixture(server.url())) {
            RedisBroker broker = new RedisBroker(new RedisSettings("redis://127.0.0.1:" + proxy.port(), false,
                    direct.prefix, Duration.ofSeconds(1), Duration.ofMillis(500), Duration.ofMillis(500)));
            try (TestNode node = TestNode.start(broker, "--broker-loss-handoff", "2s", "--drain-timeout", "1s",
                    "--retry", "1s", "--retry-jitter", "0s")) {
                await().atMost(Duration.ofSeconds(10)).until(broker::connected);
                String topic = TestNode.topic();
                node.publish(topic, "before");
                try (SseClient first = node.stream(topic)) {
                    assertEquals("before", first.next().data());
                    proxy.blackhole(true);
                    long start = System.nanoTime();
                    first.awaitEnd(Duration.ofSeconds(15));
                    long endedAfter = (System.nanoTime() - start) / 1_000_000;
                    // Noticed within ~1 s (PING interval + timeout), then the 2 s bound, then a 1 s window.
                    assertTrue(endedAfter >= 2000 && endedAfter < 8000, "ended after " + endedAfter + " ms");
                    assertEquals(2, first.retries(), "the stream's first retry: and the hand-off's");
                    assertEquals(1000, first.retry());
                }
                await().atMost(Duration.ofSeconds(5)).until(() -> node.server.streams().closed(CloseReason.BROKER_LOST) == 1);

                // Still cut off: a client that comes back here is kept (every node may be deaf).
                try (SseClient again = node.stream(topic)) {
                    assertEquals(200, again.status());
                    await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(4)).until(() -> !again.ended());
                    direct.fcall(topic, "published while the node was cut off");
                    proxy.blackhole(false);
                    await().atMost(Duration.ofSeconds(15)).until(broker::connected);
                    assertEquals("published while the node was cut off", again.next(Duration.ofSeconds(10)).data());
                }
                assertEquals(1, node.server.streams().closed(CloseReason.BROKER_LOST));
            }
        }
    }
}
