package io.pushgate.broker;

import io.pushgate.config.TopicSettings;
import io.pushgate.model.TopicVersion;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InMemoryBrokerTest extends BrokerContract {
    @Override
    protected Broker create() {
        return new InMemoryBroker();
    }

    @Test
    void aTopicNotPublishedForTheTtlExpiresAndBeginsANewEpoch() throws Exception {
        AtomicLong clock = new AtomicLong(1_800_000_000_000_000L);
        try (InMemoryBroker expiring = new InMemoryBroker(new TopicSettings(Duration.ofMinutes(1)), clock::get)) {
            expiring.start(new Recorder());
            TopicVersion first = expiring.publish("t", utf8("a")).toCompletableFuture().get();
            clock.addAndGet(TimeUnit.SECONDS.toMicros(59));
            assertEquals(0, expiring.expire(), "published 59 s ago");
            assertEquals(2, expiring.publish("t", utf8("b")).toCompletableFuture().get().version(), "a publish renews it");
            clock.addAndGet(TimeUnit.SECONDS.toMicros(60));
            assertNull(expiring.latest("t").toCompletableFuture().get(), "expired even before a sweep");
            assertEquals(1, expiring.expire());
            assertEquals(0, expiring.stored());
            assertEquals(1, expiring.expired());
            TopicVersion reborn = expiring.publish("t", utf8("c")).toCompletableFuture().get();
            assertEquals(1, reborn.version());
            assertNotEquals(first.epoch(), reborn.epoch());
        }
    }

    @Test
    void aMillionOneOffTopicsLeaveFewBehindWithATtl() {
        // Time as the broker sees it: 1 ms per 1,000 publishes, so 10,000 topics are within the TTL
        // at any moment; the sweeper thread (every 10 ms of real time) removes the rest. Without a
        // TTL all million would stay. Every 50,000 publishes the loop waits for the sweeper's next
        // turn: a publisher running flat out on two cores beside the JIT's threads could otherwise
        // keep the sweeper from running for a few hundred ms, which is the machine, not the broker.
        AtomicLong clock = new AtomicLong(1_800_000_000_000_000L);
        try (InMemoryBroker expiring = new InMemoryBroker(new TopicSettings(Duration.ofMillis(10)), clock::get)) {
            expiring.start(new Recorder() {
                @Override
                public void onVersion(TopicVersion version) {
                    // a million versions of topics nobody serves: nothing to keep
                }
            });
            int most = 0;
            byte[] text = utf8("one-off");
            for (int i = 0; i < 1_000_000; i++) {
                expiring.publish("once-" + i, text);
                if (i % 1_000 == 0) {
                    clock.addAndGet(1_000);
                }
                if (i % 10_000 == 0) {
                    most = Math.max(most, expiring.stored());
                }
                if (i % 50_000 == 0 && i > 0) {
                    long expiredBefore = expiring.expired();
                    await().atMost(Duration.ofSeconds(10)).until(() -> expiring.expired() > expiredBefore);
                }
            }
            clock.addAndGet(TimeUnit.MILLISECONDS.toMicros(10));
            await().atMost(Duration.ofSeconds(10)).until(() -> expiring.stored() == 0);
            assertTrue(most < 200_000, "at most " + most + " stored at once");
            assertEquals(1_000_000, expiring.expired());
        }
    }
}
