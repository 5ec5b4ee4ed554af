package io.pushgate.broker.redis;

import io.pushgate.broker.Broker;
import io.pushgate.broker.FeedBroker;
import io.lettuce.core.RedisURI;
import io.pushgate.config.FeedSettings;
import io.pushgate.config.FollowSettings;
import io.pushgate.config.RedisSettings;
import io.pushgate.config.TopicSettings;
import io.pushgate.model.FeedEvent;
import io.pushgate.model.FeedHistory;
import io.pushgate.model.IfMatch;
import io.pushgate.model.PublishRefused;
import io.pushgate.model.Revocation;
import io.pushgate.model.TopicDeletion;
import io.pushgate.model.TopicVersion;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * Topics shared by many nodes through Redis (README, "Redis mode"): publishes are one atomic
 * {@code FCALL pushgate_publish}, versions arrive on one pub/sub connection per node, which
 * subscribes to a topic's channel only while the node serves the topic.
 *
 * <p>Pub/sub is at-most-once, so the node closes every gap itself: after each (re)subscribe it
 * re-reads the hash of every topic it serves and hands over what is newer; the hub drops versions it
 * already has, so a message and a re-read of the same version never reach a client twice.
 *
 * <p>This class wires the parts and does latest: {@link SessionKeeper} keeps a session
 * (connections, backoff, PING watchdog) up, {@link Demand} makes its subscriptions follow what the
 * node serves, {@link RedisLayout} names the keys and decodes what Redis holds,
 * {@link PublishLibrary} is the publish function the session loads, and {@link Publisher} calls it
 * (with a deadline, so a publish the node stopped waiting for is never stored later);
 * {@link EpochRenewal} moves a topic whose stored version went back (a write lost in a failover)
 * to a new epoch.
 * {@link Follower} serves the topics followed from an application's own keys (README, "Following an
 * application's keys"): their versions come from those keys, never from a publish or a channel.
 *
 * <p>Feeds (README, "Feeds in Redis") go the same way: {@link FeedCalls} appends ({@code FCALL
 * pushgate_append}, with a deadline) and reads ({@code FCALL_RO pushgate_history}), a second
 * {@link Demand} subscribes the channels of the feeds the node serves ({@link FeedChannels}) and
 * hands each feed's stored state to the listener after every (re)subscription; the node, not the
 * broker, puts events in order and fills gaps.
 *
 * <p>Thread rules: session state lives on the single {@code pushgate-redis} thread; messages are
 * parsed on Lettuce's I/O threads and handed straight to the listeners; {@link #publish},
 * {@link #latest}, {@link #subscribe}, {@link #unsubscribe} and the feed methods may be called from
 * any thread.
 */
public final class RedisBroker implements Broker {
    private final RedisSettings settings;
    private final RedisLayout layout;
    private final SessionKeeper sessions;
    private final TopicChannels topicChannels;
    private final Demand topicDemand;
    private final FeedCalls feedCalls;
    private final FeedChannels feedChannels;
    private final Demand feedDemand;
    private final Publisher publisher;
    private final EpochRenewal renewal;
    private final FollowReads followReads;
    private final Follower follower;
    private final CompletableFuture<Void> firstReady = new CompletableFuture<>();
    private volatile Broker.Listener listener;
    private volatile FeedBroker.Listener feedListener;

    /** A broker that follows no application keys. */
    public RedisBroker(RedisSettings settings) {
        this(settings, FollowSettings.NONE);
    }

    /** Follows {@code follows}; topics never expire. */
    public RedisBroker(RedisSettings settings, FollowSettings follows) {
        this(settings, follows, TopicSettings.NONE);
    }

    /** Feeds keep the default number of events ({@link FeedSettings#DEFAULT}). */
    public RedisBroker(RedisSettings settings, FollowSettings follows, TopicSettings topics) {
        this(settings, follows, topics, FeedSettings.DEFAULT);
    }

    /**
     * Feeds keep about {@code feeds.cap()} events ({@code MAXLEN ~}: at least that many, and up to a
     * stream node more): the cap is part of the function library, one per Redis, so every node of a
     * deployment must give the same. Throws when a follow cannot be served (an invalid topic name;
     * keys in two slots of a cluster). The client does its I/O on its own threads.
     */
    public RedisBroker(RedisSettings settings, FollowSettings follows, TopicSettings topics, FeedSettings feeds) {
        this(settings, follows, topics, feeds, RedisIo.own());
    }

    /**
     * As above, with the client's I/O on {@code io} (a node's: {@link RedisIo#on}); a broker on a
     * node's loops is closed before they are.
     */
    public RedisBroker(RedisSettings settings, FollowSettings follows, TopicSettings topics, FeedSettings feeds,
                       RedisIo io) {
        this.settings = settings;
        this.layout = new RedisLayout(settings.keyPrefix());
        // Checked before anything is opened: a refused follow leaves nothing to close.
        List<FollowedKeys> followed = FollowedKeys.all(follows, layout, settings.cluster());
        this.sessions = new SessionKeeper(settings, io, PublishLibrary.source(settings, feeds.cap()), this::deliver, this::keyChanged);
        this.topicChannels = new TopicChannels(layout, settings.commandTimeout());
        // Revocations are heard by every node, whatever it serves, for the whole session.
        this.topicDemand = new Demand(sessions, topicChannels, List.of(layout.revocations()), settings.commandTimeout());
        FunctionCalls calls = new FunctionCalls(sessions);
        this.feedCalls = new FeedCalls(settings, layout, sessions, calls);
        this.feedChannels = new FeedChannels(layout, feedCalls);
        this.feedDemand = new Demand(sessions, feedChannels, List.of(), settings.commandTimeout());
        this.publisher = new Publisher(settings, topics, layout, sessions, calls);
        this.renewal = new EpochRenewal(layout, sessions, calls);
        this.followReads = new FollowReads(sessions, settings.commandTimeout(), follows.safetyPoll());
        int db = settings.cluster() ? 0 : RedisURI.create(settings.uri()).getDatabase();
        this.follower = new Follower(sessions, followReads, followed, follows, settings.commandTimeout(), db);
    }

    @Override
    public void start(Broker.Listener listener) {
        this.listener = listener;
        topicChannels.follow(listener, follower::follows);
        follower.start(listener);
        sessions.start(new SessionKeeper.Opening() {
            @Override
            public CompletableFuture<Void> subscribeAll(SessionKeeper.Session s) {
                return CompletableFuture.allOf(topicDemand.subscribeAll(s), feedDemand.subscribeAll(s));
            }

            @Override
            public void ready() {
                topicDemand.ready();
                feedDemand.ready();
                renewal.sessionReady();
                firstReady.complete(null);
            }
        });
    }

    /** Completes when the first session after {@link #start} is up (subscribed and resynced); never if none comes. */
    public CompletionStage<Void> firstConnected() {
        return firstReady;
    }

    @Override
    public void startFeeds(FeedBroker.Listener listener) {
        this.feedListener = listener;
        feedChannels.start(listener);
    }

    @Override
    public CompletionStage<FeedEvent> append(String feed, byte[] text) {
        return feedCalls.append(feed, text);
    }

    @Override
    public CompletionStage<FeedHistory> history(String feed, long afterSeq, int limit) {
        return feedCalls.history(feed, afterSeq, limit);
    }

    @Override
    public void subscribeFeed(String feed) {
        feedDemand.changed(feed);
    }

    @Override
    public void unsubscribeFeed(String feed) {
        feedDemand.changed(feed);
    }

    @Override
    public CompletionStage<TopicVersion> publish(String topic, byte[] text, IfMatch ifMatch) {
        FollowedKeys followed = follower.keys(topic);
        if (followed != null) {
            return CompletableFuture.failedFuture(new PublishRefused("topic " + topic + " follows the Redis keys "
                    + followed.textKeyName() + " (text) and " + followed.seqKeyName() + " (counter): change them to publish"));
        }
        return publisher.publish(topic, text, ifMatch);
    }

    @Override
    public CompletionStage<TopicDeletion> delete(String topic, IfMatch ifMatch) {
        FollowedKeys followed = follower.keys(topic);
        if (followed != null) {
            return CompletableFuture.failedFuture(new PublishRefused("topic " + topic + " follows the Redis keys "
                    + followed.textKeyName() + " (text) and " + followed.seqKeyName() + " (counter): delete them instead"));
        }
        return publisher.delete(topic, ifMatch);
    }

    @Override
    public CompletionStage<Long> revoke(Revocation revocation) {
        RedisLink link = sessions.active();
        if (link == null) {
            return unavailable();
        }
        return link.broadcast(layout.revocations(), layout.message(revocation))
                .orTimeout(settings.commandTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public CompletionStage<TopicVersion> latest(String topic) {
        RedisLink link = sessions.active();
        if (link == null) {
            return unavailable();
        }
        FollowedKeys followed = follower.keys(topic);
        if (followed != null) {
            return followReads.latest(link, followed);
        }
        return layout.read(link.commands(), topic, settings.commandTimeout());
    }

    @Override
    public void regressed(TopicVersion stale, TopicVersion delivered) {
        if (!follower.follows(stale.topic())) {
            // A followed topic's epoch is pushgate_follow_read's business (it renews on a counter reset).
            renewal.regressed(stale, delivered);
        }
    }

    /** A keyspace notification, on a Lettuce I/O thread. */
    private void keyChanged(byte[] channel) {
        follower.keyChanged(channel);
    }

    private static <T> CompletionStage<T> unavailable() {
        return CompletableFuture.failedFuture(new IllegalStateException("redis unavailable"));
    }

    /** A pub/sub message, on a Lettuce I/O thread. */
    private void deliver(byte[] message) {
        if (RedisLayout.isRevocation(message)) {
            Revocation r = layout.revocation(message);
            if (r != null) {
                listener.onRevoked(r);
            }
            return;
        }
        if (RedisLayout.isDeletion(message)) {
            TopicDeletion d = layout.deletion(message);
            if (d != null) {
                listener.onDeleted(d);
            }
            return;
        }
        if (RedisLayout.isFeedEvent(message)) {
            FeedEvent e = layout.feedEvent(message);
            FeedBroker.Listener feeds = feedListener;
            if (e != null && feeds != null) {
                feeds.onFeedEvent(e);
            }
            return;
        }
        TopicVersion v = layout.message(message);
        if (v != null) {
            listener.onVersion(v);
        }
    }

    @Override
    public void subscribe(String topic) {
        if (follower.follows(topic)) {
            follower.began(topic);
        } else {
            topicDemand.changed(topic);
        }
    }

    @Override
    public void unsubscribe(String topic) {
        if (!follower.follows(topic)) {
            topicDemand.changed(topic);
        }
    }

    @Override
    public long deleted() {
        return publisher.deleted();
    }

    @Override
    public long epochsRenewed() {
        return renewal.renewed();
    }

    @Override
    public long followReadFailures() {
        return followReads.failures();
    }

    @Override
    public boolean followNotified() {
        return follower.notified();
    }

    @Override
    public boolean connected() {
        return sessions.connected();
    }

    @Override
    public long reconnects() {
        return sessions.reconnects();
    }

    @Override
    public long resyncs() {
        return sessions.resyncs();
    }

    @Override
    public long malformed() {
        return layout.malformed();
    }

    @Override
    public String describe() {
        return "redis " + sessions.where() + " prefix " + settings.keyPrefix();
    }

    @Override
    public void close() {
        sessions.close();
    }
}
