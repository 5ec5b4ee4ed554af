package io.pushgate.broker.redis;

import io.pushgate.broker.Broker;
import io.pushgate.broker.redis.SessionKeeper.Session;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;

/**
 * Topics' channels, {@code <prefix>:{t}:ch}, for {@link Demand}: wanted while
 * {@link Broker.Listener#serves} says the node serves the topic, but for topics followed from an
 * application's keys ({@link Follower}), whose versions never come from a channel; after a
 * subscription the topic's hash is read and handed to {@link Broker.Listener#onState}.
 *
 * <p>Thread rules: as {@link Demand}'s; {@link #follow} before the first session.
 */
final class TopicChannels implements Demand.Channels {
    private final RedisLayout layout;
    private final Duration commandTimeout;
    private volatile Broker.Listener listener;
    private volatile Predicate<String> followed = topic -> false;

    TopicChannels(RedisLayout layout, Duration commandTimeout) {
        this.layout = layout;
        this.commandTimeout = commandTimeout;
    }

    /** Takes the demand of {@code listener}, but for the topics {@code followed} names. */
    void follow(Broker.Listener listener, Predicate<String> followed) {
        this.listener = listener;
        this.followed = followed;
    }

    @Override
    public boolean wanted(String topic) {
        return listener.serves(topic) && !followed.test(topic);
    }

    @Override
    public Collection<String> wanted() {
        List<String> all = new ArrayList<>(listener.served());
        all.removeIf(followed);
        return all;
    }

    @Override
    public List<byte[]> channels(List<String> topics) {
        return layout.channels(topics);
    }

    @Override
    public Set<String> subscribed(Session s) {
        return s.subscribed;
    }

    @Override
    public CompletableFuture<?> read(RedisLink link, String topic) {
        return layout.read(link.commands(), topic, commandTimeout).thenAccept(v -> {
            if (v != null) {
                listener.onState(v);
            }
        });
    }
}
