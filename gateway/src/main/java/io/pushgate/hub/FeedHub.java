package io.pushgate.hub;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;
import io.pushgate.loops.LoopIndex;
import io.pushgate.metrics.FanOutRecorder;
import io.pushgate.model.FeedEvent;
import io.pushgate.model.FeedHistory;
import io.pushgate.model.FeedState;

import java.util.ArrayList;
import java.util.Collection;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The feeds this node serves and the fan-out of their events (README "Feeds"): beside
 * {@link TopicHub}, with its patterns (encode once into one pooled chunk per variant, one task per
 * event loop with subscribers, {@code retainedDuplicate()} per subscriber), but nothing is
 * conflated: each subscription has a cursor and gets every event after it exactly once, in order,
 * from the live fan-out, from the node's window of the last {@code cap} events, or from the
 * broker's history; when that is not possible, a reset first.
 *
 * <p>The hub knows neither the broker nor HTTP: its {@link Source} is told when a feed gets its first
 * local subscriber and loses its last, and reads history.
 *
 * <p>Thread rules: {@link #onFeedEvent} and {@link #onFeedState} on any thread; {@link #subscribe},
 * {@link #unsubscribe} and {@link #catchUp} on the subscriber's own event loop. Each feed keeps its
 * order on one loop, its home ({@link Feed}); no lock per subscriber.
 */
public final class FeedHub {

    /** Where a feed's events come from: demand (first/last local subscriber) and history reads. */
    public interface Source {
        /** {@code feed} got its first local subscriber: its stored state should come to {@link #onFeedState}. */
        void began(String feed);

        /** {@code feed} lost its last local subscriber. */
        void ended(String feed);

        /** The state of {@code feed} and its kept events after {@code afterSeq}, at most {@code limit}; must not block. */
        CompletionStage<FeedHistory> history(String feed, long afterSeq, int limit);
    }

    /** The most events one history read asks for. */
    static final int READ_LIMIT = 1000;

    private final LoopIndex loops;
    private final ByteBufAllocator alloc;
    private final FanOutRecorder metrics;
    private final Source source;
    private final int cap;
    private final FeedCounts counts = new FeedCounts();
    private final ConcurrentHashMap<String, Feed> feeds = new ConcurrentHashMap<>();

    /** {@code cap}: the most events the node keeps per served feed ({@code --feed-cap}). */
    public FeedHub(LoopIndex loops, ByteBufAllocator alloc, FanOutRecorder metrics, Source source, int cap) {
        this.loops = loops;
        this.alloc = alloc;
        this.metrics = metrics;
        this.source = source;
        this.cap = cap;
    }

    /**
     * Adds a subscriber of {@code name} on {@code loop} (the caller's) that begins at {@code start};
     * what it is owed comes to it on its loop as soon as the feed's home loop has answered.
     * {@code named}: events named by their feed, with {@code <feed>/} ids.
     */
    public FeedSubscription subscribe(EventLoop loop, String name, FeedSubscriber subscriber, boolean named,
                                      FeedStart start) {
        boolean[] created = new boolean[1];
        Feed feed = feeds.compute(name, (key, current) -> {
            Feed f = current;
            if (f == null) {
                f = new Feed(key, loops, alloc, metrics, counts, source, cap, Math.min(cap, READ_LIMIT));
                created[0] = true;
            }
            f.refs++;
            return f;
        });
        if (created[0]) {
            source.began(name); // its state comes back through onFeedState
        }
        FeedSlot slot = feed.slots[loops.of(loop)];
        FeedSubscription sub = slot.add(subscriber, named);
        slot.ask(sub, start);
        return sub;
    }

    /** Removes a subscription; on the subscriber's loop. */
    public void unsubscribe(FeedSubscription sub) {
        FeedSlot slot = sub.slot;
        slot.remove(sub);
        Feed feed = slot.feed;
        boolean[] last = new boolean[1];
        feeds.computeIfPresent(feed.name, (key, f) -> {
            if (f != feed || --f.refs > 0) {
                return f;
            }
            last[0] = true;
            return null;
        });
        if (last[0]) {
            feed.close();
            source.ended(feed.name);
        }
    }

    /** A subscriber writable again catches up from its cursor if it skipped events; on its loop. */
    public void catchUp(FeedSubscription sub) {
        sub.slot.catchUp(sub);
    }

    /** A live event (any thread): put in order on the feed's home loop, then fanned out, counted and timed. */
    public void onFeedEvent(FeedEvent event) {
        long fanOutStart = metrics.fanOutStart();
        Feed feed = feeds.get(event.feed());
        if (feed != null) {
            feed.onEvent(event, fanOutStart);
        }
    }

    /** A feed's stored state (on subscribe, after a resubscribe); any thread. */
    public void onFeedState(FeedState state) {
        Feed feed = feeds.get(state.feed());
        if (feed != null) {
            feed.onState(state);
        }
    }

    /** Whether a feed has local subscribers now. */
    public boolean serves(String feed) {
        return feeds.containsKey(feed);
    }

    /** The feeds with local subscribers now (a snapshot). */
    public Collection<String> served() {
        return new ArrayList<>(feeds.keySet());
    }

    /** Feeds with local subscribers now. */
    public int feedCount() {
        return feeds.size();
    }

    /** Events written to streams from a catch-up (a start after a cursor, {@code ?last}, a slow stream, a reset). */
    public long replayed() {
        return counts.replayed();
    }

    /** {@code pushgate.reset} frames written. */
    public long resets() {
        return counts.resets();
    }
}
