package io.pushgate.broker;

import io.pushgate.config.FollowSettings;
import io.pushgate.config.TopicSettings;
import io.pushgate.model.TopicVersion;
import io.pushgate.broker.redis.RedisBroker;
import io.pushgate.testing.RedisFixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The contract against the real Redis, plus what only the Redis broker does. */
class RedisBrokerTest extends BrokerContract {
    private RedisFixture redis;

    @Override
    protected Broker create() {
        redis = new RedisFixture();
        return new RedisBroker(redis.settings());
    }

    @AfterEach
    void cleanRedis() {
        redis.close();
    }

    @Test
    void versionsPublishedWithFcallFromAnyClientArrive() {
        String topic = topic();
        listener.serving.add(topic);
        broker.subscribe(topic);
        assertEquals(1, redis.fcall(topic, "from a plain client"));
        await().atMost(Duration.ofSeconds(5)).until(() -> !listener.of(topic).isEmpty());
        assertEquals("from a plain client", new String(listener.of(topic).get(0).text()));
    }

    @Test
    void unsubscribedTopicsStopArriving() throws Exception {
        String topic = topic();
        listener.serving.add(topic);
        broker.subscribe(topic);
        publish(topic, "one");
        // Version 1 may come twice (its message, and the re-read after the subscription took):
        // the broker may repeat a version, the hub drops it. Count versions, not arrivals.
        await().atMost(Duration.ofSeconds(5)).until(() -> versionsOf(topic) == 1);
        listener.serving.remove(topic);
        broker.unsubscribe(topic);
        await().atMost(Duration.ofSeconds(5)).until(() -> redis.topicSubscribers(topic) == 0);
        publish(topic, "two");
        // A marker on another served topic proves later messages were processed.
        String marker = topic();
        listener.serving.add(marker);
        broker.subscribe(marker);
        publish(marker, "m");
        await().atMost(Duration.ofSeconds(5)).until(() -> !listener.of(marker).isEmpty());
        assertEquals(1, versionsOf(topic));
    }

    private long versionsOf(String topic) {
        return listener.of(topic).stream().mapToLong(TopicVersion::version).distinct().count();
    }

    @Test
    void withATtlTheHashExpiresWhenNotPublishedAndAPublishAfterBeginsANewEpoch() throws Exception {
        try (RedisBroker expiring = new RedisBroker(redis.settings(), FollowSettings.NONE,
                new TopicSettings(Duration.ofMillis(500)))) {
            expiring.start(new Recorder());
            await().atMost(Duration.ofSeconds(10)).until(expiring::connected);
            String topic = topic();
            String key = redis.topicKey(topic);
            TopicVersion first = expiring.publish(topic, utf8("a")).toCompletableFuture().get(5, TimeUnit.SECONDS);
            long ttl = redis.redis().pttl(key);
            assertTrue(ttl > 0 && ttl <= 500, "PTTL " + ttl);
            redis.fcall(topic, "b, by an application without the option");
            assertTrue(redis.redis().pttl(key) > 0, "renewed by any publish");
            await().atMost(Duration.ofSeconds(5)).until(() -> redis.redis().exists(key) == 0);
            TopicVersion reborn = expiring.publish(topic, utf8("c")).toCompletableFuture().get(5, TimeUnit.SECONDS);
            assertEquals(1, reborn.version());
            assertTrue(!reborn.epoch().equals(first.epoch()), "a new epoch");
        }
        String untouched = topic();
        publish(untouched, "no ttl");
        assertEquals(-1, redis.redis().pttl(redis.topicKey(untouched)), "without a TTL nothing expires");
    }

    @Test
    void malformedMessagesAreCountedAndSkipped() throws Exception {
        String topic = topic();
        listener.serving.add(topic);
        broker.subscribe(topic);
        await().atMost(Duration.ofSeconds(5)).until(() -> redis.topicSubscribers(topic) == 1);
        String channel = redis.topicChannel(topic);
        redis.redis().publish(channel, "garbage");
        redis.redis().publish(channel, "pushgate1 " + topic + " notanepoch! 1 2\nx");
        redis.redis().publish(channel, "pushgate1 " + topic + " abcdefgh 1 2");
        publish(topic, "valid");
        await().atMost(Duration.ofSeconds(5)).until(() -> !listener.of(topic).isEmpty());
        assertEquals("valid", new String(listener.of(topic).get(0).text()));
        assertEquals(3, ((RedisBroker) broker).malformed());
        assertTrue(broker.connected());
    }
}
