package io.pushgate.broker;

import io.pushgate.model.Epochs;
import io.pushgate.model.FeedEvent;
import io.pushgate.model.FeedHistory;
import io.pushgate.model.FeedState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What every {@link FeedBroker} must do (README "Feeds"); run against the embedded broker here and
 * subclassed for Redis. A subclass makes a broker whose feeds keep {@link #CAP} events and starts
 * whatever it needs ({@link #connect}).
 */
public abstract class FeedBrokerContract {
    /** The cap the broker of {@link #feedBroker()} must be made with: small, so trimming is cheap to reach. */
    protected static final int CAP = 20;

    protected FeedBroker broker;
    protected final Recorder listener = new Recorder();

    /** A listener double: serves what the test says, records what it gets. */
    protected static class Recorder implements FeedBroker.Listener {
        final Set<String> serving = ConcurrentHashMap.newKeySet();
        final List<FeedEvent> events = new CopyOnWriteArrayList<>();
        final List<FeedState> states = new CopyOnWriteArrayList<>();

        @Override
        public void onFeedEvent(FeedEvent event) {
            events.add(event);
        }

        @Override
        public void onFeedState(FeedState state) {
            states.add(state);
        }

        @Override
        public boolean servesFeed(String feed) {
            return serving.contains(feed);
        }

        @Override
        public Collection<String> servedFeeds() {
            return new ArrayList<>(serving);
        }

        List<Long> seqsOf(String feed) {
            return events.stream().filter(e -> e.feed().equals(feed)).map(FeedEvent::seq).toList();
        }
    }

    /** A new broker whose feeds keep {@link #CAP} events; {@link #startFeeds} is called by the contract. */
    protected abstract FeedBroker feedBroker() throws Exception;

    /** Starts what the broker needs after {@code startFeeds} (the Redis broker's session) and waits until it serves. */
    protected void connect(FeedBroker broker) throws Exception {
    }

    /** Closes the broker. */
    protected abstract void close(FeedBroker broker) throws Exception;

    @BeforeEach
    void startBroker() throws Exception {
        broker = feedBroker();
        broker.startFeeds(listener);
        connect(broker);
    }

    @AfterEach
    void closeBroker() throws Exception {
        close(broker);
    }

    protected static String feed() {
        return "f-" + UUID.randomUUID().toString().substring(0, 8);
    }

    protected FeedEvent append(String feed, String text) throws Exception {
        return broker.append(feed, text.getBytes(StandardCharsets.UTF_8)).toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    protected FeedHistory history(String feed, long afterSeq, int limit) throws Exception {
        return broker.history(feed, afterSeq, limit).toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    /** Makes the listener serve {@code feed} and subscribes; waits for the state the broker hands over. */
    protected FeedState serve(String feed) throws Exception {
        listener.serving.add(feed);
        broker.subscribeFeed(feed);
        await().atMost(Duration.ofSeconds(10)).until(() -> listener.states.stream().anyMatch(s -> s.feed().equals(feed)));
        return listener.states.stream().filter(s -> s.feed().equals(feed)).reduce((a, b) -> b).orElseThrow();
    }

    @Test
    void appendsGetContiguousSeqsInOneEpochWithTheirTextAndTime() throws Exception {
        String feed = feed();
        FeedEvent first = append(feed, "a");
        FeedEvent second = append(feed, "b\nline ü");
        assertEquals(feed, first.feed());
        assertEquals(1, first.seq());
        assertEquals(2, second.seq());
        assertEquals(first.epoch(), second.epoch());
        assertTrue(Epochs.isEpoch(first.epoch()) && first.epoch().length() == 8, first.epoch());
        assertTrue(first.publishedMicros() > 1_700_000_000_000_000L, "Unix micros: " + first.publishedMicros());
        assertTrue(second.publishedMicros() >= first.publishedMicros());
        assertArrayEquals("b\nline ü".getBytes(StandardCharsets.UTF_8), second.text());
    }

    @Test
    void feedsAreIndependentOfEachOther() throws Exception {
        String a = feed();
        String b = feed();
        append(a, "a1");
        append(a, "a2");
        assertEquals(1, append(b, "b1").seq());
    }

    @Test
    void aFeedWithoutStateHasNone() throws Exception {
        FeedHistory history = history(feed(), 0, 10);
        assertFalse(history.state().exists());
        assertNull(history.state().epoch());
        assertEquals(0, history.state().firstSeq());
        assertEquals(0, history.state().lastSeq());
        assertEquals(List.of(), history.events());
    }

    @Test
    void historyGivesTheKeptEventsAfterASeqAscendingUpToTheLimit() throws Exception {
        String feed = feed();
        for (int i = 1; i <= 5; i++) {
            append(feed, "e" + i);
        }
        FeedHistory all = history(feed, 0, 100);
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L), all.events().stream().map(FeedEvent::seq).toList());
        assertEquals("e3", new String(all.events().get(2).text(), StandardCharsets.UTF_8));
        assertEquals(1, all.state().firstSeq());
        assertEquals(5, all.state().lastSeq());
        assertEquals(List.of(3L, 4L), history(feed, 2, 2).events().stream().map(FeedEvent::seq).toList());
        assertEquals(List.of(), history(feed, 5, 10).events(), "nothing after the last");
        FeedHistory none = history(feed, 0, 0);
        assertEquals(List.of(), none.events(), "limit 0: the state only");
        assertEquals(5, none.state().lastSeq());
        assertEquals(all.state(), broker.state(feed).toCompletableFuture().get(5, TimeUnit.SECONDS));
    }

    @Test
    void aFeedKeepsAtLeastItsCapAndTrimsTheOldest() throws Exception {
        String feed = feed();
        int appended = 30 * CAP;
        for (int i = 1; i <= appended; i++) {
            append(feed, "e" + i);
        }
        FeedHistory history = history(feed, 0, appended);
        FeedState state = history.state();
        assertEquals(appended, state.lastSeq());
        assertTrue(state.firstSeq() > 1, "trimmed: " + state);
        assertTrue(state.lastSeq() - state.firstSeq() + 1 >= CAP, "keeps at least the cap: " + state);
        List<Long> seqs = history.events().stream().map(FeedEvent::seq).toList();
        assertEquals(state.firstSeq(), seqs.get(0));
        for (int i = 1; i < seqs.size(); i++) {
            assertEquals(seqs.get(i - 1) + 1, seqs.get(i), "contiguous");
        }
        assertEquals(appended, seqs.get(seqs.size() - 1));
        assertFalse(state.continues(state.epoch(), 0), "a cursor before the kept ones cannot be continued");
        assertTrue(state.continues(state.epoch(), state.firstSeq() - 1));
    }

    @Test
    void aSubscribedFeedHandsOverItsStateThenEveryAppend() throws Exception {
        String feed = feed();
        FeedEvent first = append(feed, "a");
        FeedState state = serve(feed);
        assertEquals(new FeedState(feed, first.epoch(), 1, 1), state);
        append(feed, "b");
        append(feed, "c");
        await().atMost(Duration.ofSeconds(5)).until(() -> listener.seqsOf(feed).contains(3L));
        List<Long> seqs = listener.seqsOf(feed);
        assertTrue(seqs.containsAll(List.of(2L, 3L)), seqs.toString());
        FeedEvent third = listener.events.stream().filter(e -> e.feed().equals(feed) && e.seq() == 3).findFirst().orElseThrow();
        assertEquals("c", new String(third.text(), StandardCharsets.UTF_8));
        assertEquals(first.epoch(), third.epoch());
    }

    @Test
    void aSubscribedFeedWithoutStateHandsOverNone() throws Exception {
        String feed = feed();
        FeedState state = serve(feed);
        assertFalse(state.exists());
        assertEquals(FeedState.none(feed), state);
    }

    @Test
    void concurrentAppendsGetEverySeqOnce() throws Exception {
        String feed = feed();
        int threads = 4;
        int each = 25;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<List<Long>>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                results.add(pool.submit(() -> {
                    List<Long> seqs = new ArrayList<>();
                    for (int i = 0; i < each; i++) {
                        seqs.add(append(feed, "x").seq());
                    }
                    return seqs;
                }));
            }
            Set<Long> all = ConcurrentHashMap.newKeySet();
            for (Future<List<Long>> result : results) {
                all.addAll(result.get(30, TimeUnit.SECONDS));
            }
            assertEquals(threads * each, all.size());
            assertEquals(threads * each, all.stream().mapToLong(Long::longValue).max().orElseThrow());
        } finally {
            pool.shutdownNow();
        }
    }
}
