package io.pushgate.broker;

import io.pushgate.config.FeedSettings;
import io.pushgate.config.TopicSettings;
import io.pushgate.model.Epochs;
import io.pushgate.model.FeedEvent;
import io.pushgate.model.FeedHistory;
import io.pushgate.model.FeedState;
import io.pushgate.model.IfMatch;
import io.pushgate.model.PreconditionFailed;
import io.pushgate.model.Revocation;
import io.pushgate.model.TopicDeletion;
import io.pushgate.model.TopicVersion;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * The embedded broker of a single node: topic states live in this process only, so a restart
 * begins every topic in a new epoch.
 *
 * <p>With a topic TTL ({@link TopicSettings}), a topic not published for that long expires: one
 * daemon thread sweeps the states every quarter TTL (at least every second, at most every 10 ms),
 * so memory holds the topics published within about 1.25 TTL however many one-off topics come and
 * go; a publish after the expiry begins a new epoch.
 *
 * <p>Thread rules: any thread. Versions of one topic are handed to the listener inside the map's
 * per-key update, so the listener sees each topic's versions in order; the listener must be quick
 * and non-blocking (the hub only encodes once and hands off to event loops). A conditional publish
 * or delete is checked inside the same update, so it is atomic with the store; an expiry removes
 * a state only if no publish replaced it meanwhile.
 *
 * <p>Feeds ({@link FeedBroker}) live in a bounded ring each ({@link FeedLog}), the last
 * {@code --feed-cap} events; a feed's epoch is chosen at its first append in this process. An
 * append is handed to the feed listener under the feed's lock, so it sees each feed's events in
 * order (the hub keeps order anyway). Feeds never expire.
 */
public final class InMemoryBroker implements Broker {
    private static final Duration MAX_SWEEP = Duration.ofSeconds(1);
    private static final Duration MIN_SWEEP = Duration.ofMillis(10);

    private final ConcurrentHashMap<String, TopicVersion> states = new ConcurrentHashMap<>();
    private final long ttlMicros;
    private final LongSupplier clockMicros;
    private final LongAdder deleted = new LongAdder();
    private final LongAdder expired = new LongAdder();
    private final ConcurrentHashMap<String, FeedLog> feeds = new ConcurrentHashMap<>();
    private final int feedCap;
    private volatile Broker.Listener listener;
    private volatile FeedBroker.Listener feedListener;
    private ScheduledExecutorService sweeper;

    /** Topics that never expire. */
    public InMemoryBroker() {
        this(TopicSettings.NONE);
    }

    public InMemoryBroker(TopicSettings topics) {
        this(topics, FeedSettings.DEFAULT);
    }

    public InMemoryBroker(TopicSettings topics, FeedSettings feeds) {
        this(topics, feeds, InMemoryBroker::nowMicros);
    }

    /** With the wall clock {@code clockMicros} (Unix micros) for publish times and expiry (tests). */
    public InMemoryBroker(TopicSettings topics, LongSupplier clockMicros) {
        this(topics, FeedSettings.DEFAULT, clockMicros);
    }

    /** With the wall clock {@code clockMicros} (Unix micros) for publish and append times and expiry (tests). */
    public InMemoryBroker(TopicSettings topics, FeedSettings feeds, LongSupplier clockMicros) {
        this.ttlMicros = topics.ttl().toNanos() / 1_000;
        this.feedCap = feeds.cap();
        this.clockMicros = clockMicros;
    }

    @Override
    public void start(Broker.Listener listener) {
        this.listener = listener;
        if (ttlMicros > 0) {
            long period = Math.max(MIN_SWEEP.toNanos(), Math.min(MAX_SWEEP.toNanos(), ttlMicros * 1_000 / 4));
            sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "pushgate-expiry");
                t.setDaemon(true);
                return t;
            });
            sweeper.scheduleWithFixedDelay(this::expire, period, period, TimeUnit.NANOSECONDS);
        }
    }

    @Override
    public CompletionStage<TopicVersion> publish(String topic, byte[] text, IfMatch ifMatch) {
        long micros = clockMicros.getAsLong();
        PreconditionFailed[] failed = new PreconditionFailed[1];
        TopicVersion published = states.compute(topic, (name, stored) -> {
            TopicVersion current = expired(stored, micros) ? null : stored;
            if (ifMatch != null && !ifMatch.matches(current)) {
                // Checked inside the key's update: no publish can come between the check and the store.
                failed[0] = PreconditionFailed.against(current);
                return stored;
            }
            TopicVersion next = current == null
                    ? new TopicVersion(name, Epochs.next(), 1, micros, text)
                    : new TopicVersion(name, current.epoch(), current.version() + 1, micros, text);
            Broker.Listener l = listener;
            if (l != null) {
                l.onVersion(next);
            }
            return next;
        });
        if (failed[0] != null) {
            return CompletableFuture.failedFuture(failed[0]);
        }
        return CompletableFuture.completedFuture(published);
    }

    @Override
    public CompletionStage<TopicDeletion> delete(String topic, IfMatch ifMatch) {
        long micros = clockMicros.getAsLong();
        PreconditionFailed[] failed = new PreconditionFailed[1];
        TopicDeletion[] done = new TopicDeletion[1];
        states.compute(topic, (name, stored) -> {
            TopicVersion current = expired(stored, micros) ? null : stored;
            if (ifMatch != null && !ifMatch.matches(current)) {
                failed[0] = PreconditionFailed.against(current);
                return stored;
            }
            if (current != null) {
                done[0] = new TopicDeletion(name, current.epoch(), current.version(), micros);
                Broker.Listener l = listener;
                if (l != null) {
                    l.onDeleted(done[0]);
                }
            }
            return null;
        });
        if (failed[0] != null) {
            return CompletableFuture.failedFuture(failed[0]);
        }
        if (done[0] != null) {
            deleted.increment();
        }
        return CompletableFuture.completedFuture(done[0]);
    }

    /**
     * Removes the states not published for the TTL; returns how many. The sweeper thread calls it;
     * tests may too. A state a publish replaced meanwhile stays (removal only of the same value).
     */
    public int expire() {
        if (ttlMicros <= 0) {
            return 0;
        }
        long now = clockMicros.getAsLong();
        int[] removed = new int[1];
        states.values().removeIf(v -> {
            boolean gone = expired(v, now);
            if (gone) {
                removed[0]++;
            }
            return gone;
        });
        expired.add(removed[0]);
        return removed[0];
    }

    /** The number of topics with a stored state (expired ones not yet swept included). */
    public int stored() {
        return states.size();
    }

    private boolean expired(TopicVersion v, long nowMicros) {
        return v != null && ttlMicros > 0 && nowMicros - v.publishedMicros() >= ttlMicros;
    }

    @Override
    public CompletionStage<Long> revoke(Revocation revocation) {
        listener.onRevoked(revocation);
        return CompletableFuture.completedFuture(1L);
    }

    @Override
    public CompletionStage<TopicVersion> latest(String topic) {
        TopicVersion v = states.get(topic);
        return CompletableFuture.completedFuture(expired(v, clockMicros.getAsLong()) ? null : v);
    }

    @Override
    public void subscribe(String topic) {
        // Every later version reaches the listener anyway (it ignores topics it does not serve).
        TopicVersion current = states.get(topic);
        if (current != null && !expired(current, clockMicros.getAsLong())) {
            listener.onState(current);
        }
    }

    @Override
    public void unsubscribe(String topic) {
    }

    @Override
    public void startFeeds(FeedBroker.Listener listener) {
        this.feedListener = listener;
    }

    @Override
    public CompletionStage<FeedEvent> append(String feed, byte[] text) {
        FeedLog log = feeds.computeIfAbsent(feed, name -> new FeedLog(name, feedCap));
        return CompletableFuture.completedFuture(log.append(text, clockMicros.getAsLong(), feedListener));
    }

    @Override
    public CompletionStage<FeedHistory> history(String feed, long afterSeq, int limit) {
        FeedLog log = feeds.get(feed);
        return CompletableFuture.completedFuture(log == null
                ? new FeedHistory(FeedState.none(feed), List.of()) : log.read(afterSeq, limit));
    }

    @Override
    public void subscribeFeed(String feed) {
        // Every later append reaches the listener anyway (the hub drops the feeds it does not serve).
        FeedBroker.Listener l = feedListener;
        if (l != null && l.servesFeed(feed)) {
            FeedLog log = feeds.get(feed);
            l.onFeedState(log == null ? FeedState.none(feed) : log.read(Long.MAX_VALUE, 0).state());
        }
    }

    @Override
    public void unsubscribeFeed(String feed) {
    }

    /** The number of feeds with a stored state. */
    public int storedFeeds() {
        return feeds.size();
    }

    @Override
    public boolean connected() {
        return true;
    }

    @Override
    public boolean canDisconnect() {
        return false;
    }

    @Override
    public long reconnects() {
        return 0;
    }

    @Override
    public long resyncs() {
        return 0;
    }

    @Override
    public long malformed() {
        return 0;
    }

    @Override
    public long deleted() {
        return deleted.sum();
    }

    @Override
    public long expired() {
        return expired.sum();
    }

    @Override
    public String describe() {
        return ttlMicros > 0 ? "embedded, topic ttl " + Duration.ofNanos(ttlMicros * 1_000) : "embedded";
    }

    @Override
    public void close() {
        if (sweeper != null) {
            sweeper.shutdownNow();
        }
    }

    static long nowMicros() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    }
}
