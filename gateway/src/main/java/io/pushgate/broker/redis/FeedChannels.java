package io.pushgate.broker.redis;

import io.pushgate.broker.FeedBroker;
import io.pushgate.broker.redis.SessionKeeper.Session;

import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Feeds' channels, {@code <prefix>:{f}:log:ch}, for {@link Demand}: wanted while
 * {@link FeedBroker.Listener#servesFeed} says the node serves the feed; after a subscription the
 * feed's state is read ({@code pushgate_history} without events) and handed to
 * {@link FeedBroker.Listener#onFeedState}, a feed without state too, so that the node learns of
 * events appended, or of a log lost, while it was not listening.
 *
 * <p>Thread rules: as {@link Demand}'s; {@link #start} before the first session. Until then (a node
 * that serves no feeds) it wants no channel.
 */
final class FeedChannels implements Demand.Channels {
    private final RedisLayout layout;
    private final FeedCalls calls;
    private volatile FeedBroker.Listener listener;

    FeedChannels(RedisLayout layout, FeedCalls calls) {
        this.layout = layout;
        this.calls = calls;
    }

    void start(FeedBroker.Listener listener) {
        this.listener = listener;
    }

    @Override
    public boolean wanted(String feed) {
        FeedBroker.Listener l = listener;
        return l != null && l.servesFeed(feed);
    }

    @Override
    public Collection<String> wanted() {
        FeedBroker.Listener l = listener;
        return l == null ? List.of() : l.servedFeeds();
    }

    @Override
    public List<byte[]> channels(List<String> feeds) {
        return layout.feedChannels(feeds);
    }

    @Override
    public Set<String> subscribed(Session s) {
        return s.subscribedFeeds;
    }

    @Override
    public CompletableFuture<?> read(RedisLink link, String feed) {
        return calls.history(link, feed, Long.MAX_VALUE, 0).thenAccept(history -> listener.onFeedState(history.state()));
    }
}
