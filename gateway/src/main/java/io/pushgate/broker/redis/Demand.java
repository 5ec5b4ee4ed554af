package io.pushgate.broker.redis;

import io.pushgate.broker.redis.SessionKeeper.Session;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The node's subscriptions of one kind of channel follow its demand (README, "Redis mode", "No lost
 * update"): a topic's or a feed's channel ({@link Channels}) is subscribed while the node serves it.
 * Changes are coalesced: one reconciliation handles every change since the last,
 * {@value #SUBSCRIBE_BATCH} channels a command, so thousands of new topics are a handful of
 * SUBSCRIBEs. Each subscription is followed by a read of what Redis stores for those names, which is
 * also how a new session resyncs.
 *
 * <p>Thread rules: {@link #changed} from any thread; the rest on {@link SessionKeeper}'s control
 * thread, except the reads, which complete on Lettuce's threads and hand the states straight to the
 * listener.
 */
final class Demand implements SessionKeeper.Opening {
    private static final int SUBSCRIBE_BATCH = 512;

    /** One kind of channel whose subscriptions follow the node's demand. */
    interface Channels {
        /** Whether the node wants the channel of {@code name} now. Any thread. */
        boolean wanted(String name);

        /** Every name whose channel the node wants now (a snapshot), for a new session. */
        Collection<String> wanted();

        /** The channels of {@code names}. */
        List<byte[]> channels(List<String> names);

        /** The names whose channels session {@code s} has subscribed (each kind has its own set). */
        Set<String> subscribed(Session s);

        /**
         * Reads what Redis stores for {@code name} and hands it to the node's listener; called once
         * the channel's subscription was taken, so that what is published in between arrives as a
         * message or in the read, never neither.
         */
        CompletableFuture<?> read(RedisLink link, String name);
    }

    private final SessionKeeper sessions;
    private final Channels kind;
    /** Channels every session subscribes to, whatever the node serves (revocations), or none. */
    private final List<byte[]> always;
    private final Duration commandTimeout;
    private final ConcurrentLinkedQueue<String> changes = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean flushQueued = new AtomicBoolean();

    // Control thread only: changes not reconciled yet (they wait here while there is no session).
    private final Set<String> dirty = new HashSet<>();

    Demand(SessionKeeper sessions, Channels kind, List<byte[]> always, Duration commandTimeout) {
        this.sessions = sessions;
        this.kind = kind;
        this.always = List.copyOf(always);
        this.commandTimeout = commandTimeout;
    }

    /** Records that the demand for {@code name} changed; one flush handles many changes. */
    void changed(String name) {
        changes.add(name);
        if (flushQueued.compareAndSet(false, true)) {
            sessions.onControl(this::flush);
        }
    }

    @Override
    public CompletableFuture<Void> subscribeAll(Session s) {
        // Everything the node serves, in one go: the pending changes are in it.
        changes.clear();
        dirty.clear();
        List<String> all = new ArrayList<>(kind.wanted());
        kind.subscribed(s).addAll(all);
        CompletableFuture<Void> fixed = always.isEmpty() ? CompletableFuture.completedFuture(null)
                : s.link.subscribe(always)
                .orTimeout(commandTimeout.toMillis(), TimeUnit.MILLISECONDS)
                .whenCompleteAsync((ok, failure) -> {
                    if (failure != null) {
                        sessions.lost(s, "subscribe failed: " + SessionKeeper.rootMessage(failure));
                    }
                }, sessions.control());
        return subscribeThenRead(s, all).thenCombine(fixed, (read, subscribed) -> null);
    }

    @Override
    public void ready() {
        flush();
    }

    /** Reconciles the subscribed channels with what the node serves now. */
    private void flush() {
        flushQueued.set(false);
        for (String name; (name = changes.poll()) != null; ) {
            dirty.add(name);
        }
        Session s = sessions.current();
        if (s == null || dirty.isEmpty()) {
            return; // a new session subscribes to everything the node serves
        }
        Set<String> subscribed = kind.subscribed(s);
        List<String> add = new ArrayList<>();
        List<String> remove = new ArrayList<>();
        for (String name : dirty) {
            boolean wanted = kind.wanted(name);
            if (wanted && subscribed.add(name)) {
                add.add(name);
            } else if (!wanted && subscribed.remove(name)) {
                remove.add(name);
            }
        }
        dirty.clear();
        if (!remove.isEmpty()) {
            for (List<String> batch : batches(remove)) {
                s.link.unsubscribe(kind.channels(batch));
            }
        }
        if (!add.isEmpty()) {
            subscribeThenRead(s, add);
        }
    }

    /**
     * Subscribes to the channels of {@code names}, waits until Redis has taken them (a PING answered
     * after them on the same connection), then reads their state. Completes on the control thread;
     * a failure ends the session.
     */
    private CompletableFuture<Void> subscribeThenRead(Session s, List<String> names) {
        List<CompletableFuture<Void>> taken = new ArrayList<>();
        try {
            for (List<String> batch : batches(names)) {
                taken.add(s.link.subscribe(kind.channels(batch)));
            }
        } catch (RuntimeException e) {
            taken.add(CompletableFuture.failedFuture(e));
        }
        return CompletableFuture.allOf(taken.toArray(new CompletableFuture[0]))
                .orTimeout(commandTimeout.toMillis(), TimeUnit.MILLISECONDS)
                .thenCompose(pong -> {
                    List<CompletableFuture<?>> reads = new ArrayList<>(names.size());
                    for (String name : names) {
                        reads.add(kind.read(s.link, name));
                    }
                    return CompletableFuture.allOf(reads.toArray(new CompletableFuture[0]));
                })
                .whenCompleteAsync((ok, failure) -> {
                    if (failure != null) {
                        sessions.lost(s, "subscribe or read failed: " + SessionKeeper.rootMessage(failure));
                    }
                }, sessions.control());
    }

    private static List<List<String>> batches(List<String> names) {
        List<List<String>> out = new ArrayList<>();
        for (int i = 0; i < names.size(); i += SUBSCRIBE_BATCH) {
            out.add(names.subList(i, Math.min(names.size(), i + SUBSCRIBE_BATCH)));
        }
        return out;
    }
}
