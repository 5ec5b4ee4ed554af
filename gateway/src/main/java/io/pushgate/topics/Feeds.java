package io.pushgate.topics;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;
import io.pushgate.broker.FeedBroker;
import io.pushgate.hub.FeedHub;
import io.pushgate.hub.FeedStart;
import io.pushgate.hub.FeedSubscriber;
import io.pushgate.hub.FeedSubscription;
import io.pushgate.loops.LoopIndex;
import io.pushgate.metrics.FanOutRecorder;
import io.pushgate.metrics.FeedStats;
import io.pushgate.model.FeedEvent;
import io.pushgate.model.FeedHistory;
import io.pushgate.model.FeedState;

import java.util.Collection;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.LongAdder;

/**
 * The one service for feeds that the HTTP resources and the streams call: append, history,
 * subscribe, unsubscribe, catch up. It wires the {@link FeedHub} (local subscribers, order, replay,
 * fan-out) to the {@link FeedBroker} (where events are kept): events and states the broker hears go
 * to the hub, the broker is told when a feed gets its first local subscriber and loses its last,
 * and the hub reads history through it.
 *
 * <p>Thread rules: {@link #append} and {@link #history} on any thread; {@link #subscribe},
 * {@link #unsubscribe} and {@link #catchUp} on the subscriber's event loop; the listener methods on
 * the broker's threads.
 */
public final class Feeds implements FeedBroker.Listener, FeedHub.Source, FeedStats {
    private final FeedBroker broker;
    private final FeedHub hub;
    private final int cap;
    private final LongAdder appends = new LongAdder();

    /** {@code cap}: {@code --feed-cap}, the most events a feed keeps and the node holds per served feed. */
    public Feeds(FeedBroker broker, LoopIndex loops, ByteBufAllocator alloc, FanOutRecorder recorder, int cap) {
        this.broker = broker;
        this.cap = cap;
        this.hub = new FeedHub(loops, alloc, recorder, this, cap);
    }

    /** The hub, for tests. */
    public FeedHub hub() {
        return hub;
    }

    /** The most events a feed keeps: the bound of {@code ?last=N} and of a history read's limit. */
    public int cap() {
        return cap;
    }

    /** Appends {@code text} to {@code feed} on every node; fails as {@link FeedBroker#append} does. */
    public CompletionStage<FeedEvent> append(String feed, byte[] text) {
        return broker.append(feed, text).thenApply(event -> {
            appends.increment();
            return event;
        });
    }

    /** The state of {@code feed} and its kept events after {@code afterSeq}, at most {@code limit}. */
    @Override
    public CompletionStage<FeedHistory> history(String feed, long afterSeq, int limit) {
        return broker.history(feed, afterSeq, limit);
    }

    /**
     * Adds a subscriber of {@code feed} on {@code loop} (the caller's) that begins at {@code start}.
     * {@code named}: events named by their feed.
     */
    public FeedSubscription subscribe(EventLoop loop, String feed, FeedSubscriber subscriber, boolean named,
                                      FeedStart start) {
        return hub.subscribe(loop, feed, subscriber, named, start);
    }

    public void unsubscribe(FeedSubscription sub) {
        hub.unsubscribe(sub);
    }

    /** A subscriber writable again catches up from its cursor. */
    public void catchUp(FeedSubscription sub) {
        hub.catchUp(sub);
    }

    @Override
    public void began(String feed) {
        broker.subscribeFeed(feed);
    }

    @Override
    public void ended(String feed) {
        broker.unsubscribeFeed(feed);
    }

    @Override
    public void onFeedEvent(FeedEvent event) {
        hub.onFeedEvent(event);
    }

    @Override
    public void onFeedState(FeedState state) {
        hub.onFeedState(state);
    }

    @Override
    public boolean servesFeed(String feed) {
        return hub.serves(feed);
    }

    @Override
    public Collection<String> servedFeeds() {
        return hub.served();
    }

    @Override
    public int feedCount() {
        return hub.feedCount();
    }

    @Override
    public long appends() {
        return appends.sum();
    }

    @Override
    public long replayed() {
        return hub.replayed();
    }

    @Override
    public long resets() {
        return hub.resets();
    }
}
