package io.pushgate.broker;

import io.pushgate.model.Epochs;
import io.pushgate.model.IfMatch;
import io.pushgate.model.PreconditionFailed;
import io.pushgate.model.Revocation;
import io.pushgate.model.TopicDeletion;
import io.pushgate.model.TopicVersion;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What every {@link Broker} must do; run against the embedded and the Redis broker. */
abstract class BrokerContract {
    protected Broker broker;
    protected final Recorder listener = new Recorder();

    /** A listener double: serves what the test says, records what it gets. */
    static class Recorder implements Broker.Listener {
        final Set<String> serving = ConcurrentHashMap.newKeySet();
        final List<TopicVersion> got = new CopyOnWriteArrayList<>();
        final List<Revocation> revoked = new CopyOnWriteArrayList<>();
        final List<TopicDeletion> deletions = new CopyOnWriteArrayList<>();
        /** The threads versions arrived on. */
        final Set<Thread> threads = ConcurrentHashMap.newKeySet();

        @Override
        public void onDeleted(TopicDeletion deletion) {
            deletions.add(deletion);
        }

        @Override
        public void onRevoked(Revocation revocation) {
            revoked.add(revocation);
        }

        @Override
        public void onVersion(TopicVersion version) {
            threads.add(Thread.currentThread());
            got.add(version);
        }

        @Override
        public void onState(TopicVersion version) {
            got.add(version);
        }

        @Override
        public boolean serves(String topic) {
            return serving.contains(topic);
        }

        @Override
        public Collection<String> served() {
            return new ArrayList<>(serving);
        }

        List<TopicVersion> of(String topic) {
            return got.stream().filter(v -> v.topic().equals(topic)).toList();
        }
    }

    protected abstract Broker create() throws Exception;

    @BeforeEach
    void startBroker() throws Exception {
        broker = create();
        broker.start(listener);
        await().atMost(Duration.ofSeconds(10)).until(broker::connected);
    }

    @AfterEach
    void closeBroker() {
        broker.close();
    }

    static String topic() {
        return "c-" + UUID.randomUUID().toString().substring(0, 8);
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    TopicVersion publish(String topic, String text) throws Exception {
        return broker.publish(topic, utf8(text)).toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    @Test
    void aRevocationReachesTheListenerOfTheNodeThatSentIt() throws Exception {
        Revocation revocation = new Revocation("user 7\nwith odd ünïcode", Instant.ofEpochMilli(1_790_000_000_123L));
        long nodes = broker.revoke(revocation).toCompletableFuture().get(5, TimeUnit.SECONDS);
        assertTrue(nodes >= 1, "reached " + nodes + " nodes");
        await().atMost(Duration.ofSeconds(5)).until(() -> listener.revoked.contains(revocation));
        assertEquals(List.of(revocation), listener.revoked, "once, subject and time intact");
    }

    @Test
    void publishAssignsConsecutiveVersionsInOneEpoch() throws Exception {
        String topic = topic();
        TopicVersion first = publish(topic, "a");
        TopicVersion second = publish(topic, "b");
        assertEquals(1, first.version());
        assertEquals(2, second.version());
        assertEquals(first.epoch(), second.epoch());
        assertTrue(Epochs.isEpoch(first.epoch()) && first.epoch().length() == 8, first.epoch());
        assertTrue(second.publishedMicros() >= first.publishedMicros());
    }

    TopicDeletion delete(String topic, IfMatch ifMatch) throws Exception {
        return broker.delete(topic, ifMatch).toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    @Test
    void deleteRemovesTheStateTellsTheListenerAndTheNextPublishBeginsANewEpoch() throws Exception {
        String topic = topic();
        assertNull(delete(topic, null), "nothing to delete");
        publish(topic, "a");
        listener.serving.add(topic);
        broker.subscribe(topic);
        // A deletion is not stored: only a subscription in place hears it. The stored state read
        // back shows it is (a broker reads after its subscription is taken).
        await().atMost(Duration.ofSeconds(5)).until(() -> !listener.of(topic).isEmpty());
        TopicVersion second = publish(topic, "b");
        ExecutionException refused = assertThrows(ExecutionException.class,
                () -> delete(topic, IfMatch.exactly(1, second.epoch())));
        assertTrue(refused.getCause() instanceof PreconditionFailed, refused.toString());
        TopicDeletion deleted = delete(topic, IfMatch.exactly(2, second.epoch()));
        assertEquals(second.epoch(), deleted.epoch());
        assertEquals(2, deleted.version());
        assertNull(broker.latest(topic).toCompletableFuture().get(5, TimeUnit.SECONDS));
        await().atMost(Duration.ofSeconds(5)).until(() -> !listener.deletions.isEmpty());
        assertEquals(second.epoch(), listener.deletions.get(0).epoch());
        assertTrue(listener.deletions.get(0).deletedMicros() >= second.publishedMicros());
        assertNull(delete(topic, null), "deleted once");
        TopicVersion reborn = publish(topic, "c");
        assertEquals(1, reborn.version());
        assertNotEquals(second.epoch(), reborn.epoch());
        assertTrue(reborn.publishedMicros() >= listener.deletions.get(0).deletedMicros(),
                "a later publish time: it supersedes what the hub keeps of the deletion");
        assertEquals(1, listener.deletions.size());
        assertEquals(1, broker.deleted());
    }

    @Test
    void latestIsNothingBeforeTheFirstPublishThenTheNewest() throws Exception {
        String topic = topic();
        assertNull(broker.latest(topic).toCompletableFuture().get(5, TimeUnit.SECONDS));
        publish(topic, "a");
        publish(topic, "b");
        TopicVersion latest = broker.latest(topic).toCompletableFuture().get(5, TimeUnit.SECONDS);
        assertEquals(2, latest.version());
        assertEquals("b", new String(latest.text(), StandardCharsets.UTF_8));
    }

    @Test
    void subscribeDeliversTheCurrentVersionThenEveryNewOne() throws Exception {
        String topic = topic();
        publish(topic, "before");
        listener.serving.add(topic);
        broker.subscribe(topic);
        await().atMost(Duration.ofSeconds(5)).until(() -> listener.of(topic).size() >= 1);
        publish(topic, "after 1");
        publish(topic, "after 2");
        await().atMost(Duration.ofSeconds(5)).until(() -> listener.of(topic).stream()
                .anyMatch(v -> v.version() == 3));
        List<Long> versions = listener.of(topic).stream().map(TopicVersion::version).distinct().toList();
        assertEquals(List.of(1L, 2L, 3L), versions);
    }

    @Test
    void textIsCarriedByteForByte() throws Exception {
        String topic = topic();
        String text = "line 1\r\nline 2\rline 3\n\n grüße 🌍 \"quotes\" {braces} pushgate1 x y 1 2\n";
        listener.serving.add(topic);
        broker.subscribe(topic);
        publish(topic, text);
        await().atMost(Duration.ofSeconds(5)).until(() -> !listener.of(topic).isEmpty());
        assertArrayEquals(utf8(text), listener.of(topic).get(0).text());
        assertArrayEquals(utf8(text), broker.latest(topic).toCompletableFuture().get(5, TimeUnit.SECONDS).text());
    }

    @Test
    void concurrentPublishesGetDistinctVersions() throws Exception {
        String topic = topic();
        List<CompletableFuture<TopicVersion>> all = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            all.add(CompletableFuture.supplyAsync(() -> broker.publish(topic, utf8("x")).toCompletableFuture().join()));
        }
        Set<Long> versions = ConcurrentHashMap.newKeySet();
        for (CompletableFuture<TopicVersion> f : all) {
            versions.add(f.get(10, TimeUnit.SECONDS).version());
        }
        assertEquals(100, versions.size());
        assertEquals(100L, versions.stream().mapToLong(Long::longValue).max().orElseThrow());
    }

    TopicVersion publishIf(String topic, String text, IfMatch ifMatch) throws Exception {
        return broker.publish(topic, utf8(text), ifMatch).toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    /** The failure of a conditional publish that must not have stored anything. */
    PreconditionFailed refusedIf(String topic, IfMatch ifMatch) {
        ExecutionException failure = assertThrows(ExecutionException.class, () -> publishIf(topic, "refused", ifMatch));
        return assertInstanceOf(PreconditionFailed.class, failure.getCause());
    }

    @Test
    void aConditionalPublishStoresOnlyOnTheStateItNames() throws Exception {
        String topic = topic();
        TopicVersion first = publish(topic, "a");
        TopicVersion second = publishIf(topic, "b", IfMatch.exactly(1, first.epoch()));
        assertEquals(2, second.version());

        PreconditionFailed stale = refusedIf(topic, IfMatch.exactly(1, first.epoch()));
        assertEquals(first.epoch(), stale.epoch(), "the current state is told");
        assertEquals(2, stale.version());
        String otherEpoch = first.epoch().equals("abcdefgh") ? "hgfedcba" : "abcdefgh";
        assertEquals(2, refusedIf(topic, IfMatch.exactly(2, otherEpoch)).version());
        assertEquals(2, refusedIf(topic, IfMatch.exactly(3, first.epoch())).version());

        TopicVersion latest = broker.latest(topic).toCompletableFuture().get(5, TimeUnit.SECONDS);
        assertEquals("b", new String(latest.text(), StandardCharsets.UTF_8), "nothing stored by a refused publish");
        assertEquals(3, publishIf(topic, "c", IfMatch.ANY).version(), "* matches any state");
    }

    @Test
    void aConditionalPublishOfATopicWithoutStateIsRefused() throws Exception {
        String topic = topic();
        assertNull(refusedIf(topic, IfMatch.exactly(1, "abcdefgh")).epoch(), "no state to tell");
        assertNull(refusedIf(topic, IfMatch.ANY).epoch(), "* needs a state");
        assertNull(broker.latest(topic).toCompletableFuture().get(5, TimeUnit.SECONDS), "nothing stored");
    }

    @Test
    void concurrentConditionalPublishesOfOneVersionHaveOneWinner() throws Exception {
        String topic = topic();
        IfMatch base = IfMatch.exactly(1, publish(topic, "base").epoch());
        ExecutorService publishers = Executors.newFixedThreadPool(8);
        List<CompletableFuture<TopicVersion>> all = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            String text = "edit " + i;
            all.add(CompletableFuture.supplyAsync(() -> broker.publish(topic, utf8(text), base), publishers)
                    .thenCompose(stage -> stage));
        }
        publishers.shutdown();
        int won = 0;
        for (CompletableFuture<TopicVersion> f : all) {
            try {
                assertEquals(2, f.get(10, TimeUnit.SECONDS).version());
                won++;
            } catch (ExecutionException e) {
                assertInstanceOf(PreconditionFailed.class, e.getCause());
            }
        }
        assertEquals(1, won, "exactly one edit of version 1 is stored");
        assertEquals(2, broker.latest(topic).toCompletableFuture().get(5, TimeUnit.SECONDS).version());
    }
}
