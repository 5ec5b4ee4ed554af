package io.pushgate.broker.redis;

import io.pushgate.broker.Broker;
import io.pushgate.broker.redis.SessionKeeper.Session;
import io.pushgate.model.TopicVersion;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;

/**
 * The node's subscriptions follow its demand (README, "Redis mode", "No lost update"): a topic's
 * channel is subscribed while {@link Broker.Listener#serves} says the node serves it. Changes are
 * coalesced: one reconciliation handles every change since the last, {@value #SUBSCRIBE_BATCH}
 * channels a command, so thousands of new topics are a handful of SUBSCRIBEs. Each subscription is
 * followed by a read of the topics' hashes, which is also how a new session resyncs.
 *
 * <p>Thread rules: {@link #changed} from any thread; the rest on {@link SessionKeeper}'s control
 * thread, except the hash reads, which complete on Lettuce's threads and hand the states straight
 * to the listener.
 */
final class Demand implements SessionKeeper.Opening {
    private static final int SUBSCRIBE_BATCH = 512;

    private final SessionKeeper sessions;
    private final RedisLayout layout;
    private final Duration commandTimeout;
    private final ConcurrentLinkedQueue<String> changes = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean flushQueued = new AtomicBoolean();
    private volatile Broker.Listener listener;
    private volatile Predicate<String> followed = topic -> false;

    // Control thread only: changes not reconciled yet (they wait here while there is no session).
    private final Set<String> dirty = new HashSet<>();

    Demand(SessionKeeper sessions, RedisLayout layout, Duration commandTimeout) {
        this.sessions = sessions;
        this.layout = layout;
        this.commandTimeout = commandTimeout;
    }

    /**
     * Takes the demand of {@code listener}, but for the topics {@code followed} names, whose versions
     * come from an application's keys ({@link Follower}), not from their channels; before the first session.
     */
    void follow(Broker.Listener listener, Predicate<String> followed) {
        this.listener = listener;
        this.followed = followed;
    }

    /** Records that the demand for {@code topic} changed; one flush handles many changes. */
    void changed(String topic) {
        changes.add(topic);
        if (flushQueued.compareAndSet(false, true)) {
            sessions.onControl(this::flush);
        }
    }

    @Override
    public CompletableFuture<Void> subscribeAll(Session s) {
        // Everything the node serves, in one go: the pending changes are in it.
        changes.clear();
        dirty.clear();
        List<String> all = new ArrayList<>(listener.served());
        all.removeIf(followed);
        s.subscribed.addAll(all);
        // Revocations are heard by every node, whatever it serves, for the whole session.
        CompletableFuture<Void> revocations = s.link.subscribe(List.of(layout.revocations()))
                .orTimeout(commandTimeout.toMillis(), TimeUnit.MILLISECONDS)
                .whenCompleteAsync((ok, failure) -> {
                    if (failure != null) {
                        sessions.lost(s, "subscribe to revocations failed: " + SessionKeeper.rootMessage(failure));
                    }
                }, sessions.control());
        return subscribeThenRead(s, all).thenCombine(revocations, (read, subscribed) -> null);
    }

    @Override
    public void ready() {
        flush();
    }

    /** Reconciles the subscribed channels with what the node serves now. */
    private void flush() {
        flushQueued.set(false);
        for (String topic; (topic = changes.poll()) != null; ) {
            dirty.add(topic);
        }
        Session s = sessions.current();
        if (s == null || dirty.isEmpty()) {
            return; // a new session subscribes to everything the node serves
        }
        List<String> add = new ArrayList<>();
        List<String> remove = new ArrayList<>();
        for (String topic : dirty) {
            boolean wanted = listener.serves(topic) && !followed.test(topic);
            if (wanted && s.subscribed.add(topic)) {
                add.add(topic);
            } else if (!wanted && s.subscribed.remove(topic)) {
                remove.add(topic);
            }
        }
        dirty.clear();
        if (!remove.isEmpty()) {
            for (List<String> batch : batches(remove)) {
                s.link.unsubscribe(layout.channels(batch));
            }
        }
        if (!add.isEmpty()) {
            subscribeThenRead(s, add);
        }
    }

    /**
     * SUBSCRIBEs to {@code topics}, waits until Redis has taken them (a PING answered after them on
     * the same connection), then reads their hashes: a version published in between arrives as a
     * message or in the hash, never neither. Completes on the control thread; a failure ends the
     * session.
     */
    private CompletableFuture<Void> subscribeThenRead(Session s, List<String> topics) {
        List<CompletableFuture<Void>> taken = new ArrayList<>();
        try {
            for (List<String> batch : batches(topics)) {
                taken.add(s.link.subscribe(layout.channels(batch)));
            }
        } catch (RuntimeException e) {
            taken.add(CompletableFuture.failedFuture(e));
        }
        return CompletableFuture.allOf(taken.toArray(new CompletableFuture[0]))
                .orTimeout(commandTimeout.toMillis(), TimeUnit.MILLISECONDS)
                .thenCompose(pong -> {
                    List<CompletableFuture<TopicVersion>> reads = new ArrayList<>(topics.size());
                    for (String topic : topics) {
                        reads.add(layout.read(s.link.commands(), topic, commandTimeout).thenApply(v -> {
                            if (v != null) {
                                listener.onState(v);
                            }
                            return v;
                        }));
                    }
                    return CompletableFuture.allOf(reads.toArray(new CompletableFuture[0]));
                })
                .whenCompleteAsync((ok, failure) -> {
                    if (failure != null) {
                        sessions.lost(s, "subscribe or read failed: " + SessionKeeper.rootMessage(failure));
                    }
                }, sessions.control());
    }

    private static List<List<String>> batches(List<String> topics) {
        List<List<String>> out = new ArrayList<>();
        for (int i = 0; i < topics.size(); i += SUBSCRIBE_BATCH) {
            out.add(topics.subList(i, Math.min(topics.size(), i + SUBSCRIBE_BATCH)));
        }
        return out;
    }
}
