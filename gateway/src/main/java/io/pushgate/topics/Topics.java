package io.pushgate.topics;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;
import io.pushgate.broker.Broker;
import io.pushgate.hub.Framing;
import io.pushgate.hub.Subscriber;
import io.pushgate.hub.Subscription;
import io.pushgate.hub.TopicHub;
import io.pushgate.loops.LoopIndex;
import io.pushgate.metrics.FanOutRecorder;
import io.pushgate.model.IfMatch;
import io.pushgate.model.Revocation;
import io.pushgate.model.TopicDeletion;
import io.pushgate.model.TopicVersion;

import java.util.Collection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The one service that the HTTP resources and the streams call: publish, read the latest version,
 * subscribe and unsubscribe. It wires the {@link TopicHub} (local subscribers, fan-out) to the
 * {@link Broker} (where versions come from): versions the broker hears go to the hub, and the
 * broker is told when a topic gets its first local subscriber and loses its last one, so a node
 * receives only the topics it serves. Revocations travel the same way: sent through the broker to
 * every node, each hands them to whoever asked to hear them (the streams, the token checks). A
 * version that the hub sees go back within its epoch goes to the broker, which moves the topic to a
 * new epoch (a write lost in a failover).
 *
 * <p>Thread rules: {@link #publish} and {@link #latest} on any thread; {@link #subscribe},
 * {@link #unsubscribe} and {@link #catchUp} on the subscriber's event loop; the listener methods
 * on the broker's threads.
 */
public final class Topics implements Broker.Listener, TopicHub.Demand, TopicHub.Regressions {
    private final Broker broker;
    private final TopicHub hub;
    private final List<Consumer<Revocation>> revoked = new CopyOnWriteArrayList<>();

    public Topics(Broker broker, LoopIndex loops, ByteBufAllocator alloc, FanOutRecorder recorder) {
        this.broker = broker;
        this.hub = new TopicHub(loops, alloc, recorder, this, this);
    }

    /** The hub, for its counts (metrics) and for tests. */
    public TopicHub hub() {
        return hub;
    }

    /**
     * Stores {@code text} as the next version of {@code topic} on every node, if the topic's state
     * is what {@code ifMatch} requires (null: unconditionally); see {@link Broker#publish} for how it fails.
     */
    public CompletionStage<TopicVersion> publish(String topic, byte[] text, IfMatch ifMatch) {
        return broker.publish(topic, text, ifMatch).thenApply(published -> {
            hub.checkPublished(published);
            return published;
        });
    }

    /**
     * Deletes the stored state of {@code topic} on every node, if it is what {@code ifMatch}
     * requires; what was deleted, {@code null} inside the stage when there was nothing (see
     * {@link Broker#delete}). Its streams are told and stay open.
     */
    public CompletionStage<TopicDeletion> delete(String topic, IfMatch ifMatch) {
        return broker.delete(topic, ifMatch);
    }

    /**
     * The latest version of {@code topic}, {@code null} inside the stage when it has none: at once
     * (a completed stage) when this node serves the topic, else from the broker.
     */
    public CompletionStage<TopicVersion> latest(String topic) {
        TopicVersion served = hub.latestServed(topic);
        return served != null ? CompletableFuture.completedFuture(served) : broker.latest(topic);
    }

    /** Revokes a subject on every node (this one's too); completes with the number of nodes it reached. */
    public CompletionStage<Long> revoke(Revocation revocation) {
        return broker.revoke(revocation);
    }

    /** {@code handler} hears every revocation from now on, on a broker thread; it must not block. */
    public void onRevoked(Consumer<Revocation> handler) {
        revoked.add(handler);
    }

    /**
     * Adds a subscriber of {@code topic} on {@code loop} (the caller's) that holds ({@code epoch},
     * {@code version}) already, or nothing when {@code epoch} is null; it gets the latest version
     * at once unless it holds it. {@code named}: the subscriber wants events named by their topic.
     */
    public Subscription subscribe(EventLoop loop, String topic, Subscriber subscriber, boolean named, String epoch,
                                  long version) {
        return hub.subscribe(loop, topic, subscriber, named, epoch, version);
    }

    /** As {@link #subscribe(EventLoop, String, Subscriber, boolean, String, long)}, with the frames of {@code framing}. */
    public Subscription subscribe(EventLoop loop, String topic, Subscriber subscriber, Framing framing, String epoch,
                                  long version) {
        return hub.subscribe(loop, topic, subscriber, framing, epoch, version);
    }

    public void unsubscribe(Subscription sub) {
        hub.unsubscribe(sub);
    }

    /** A subscriber writable again after versions were skipped gets the newest one. */
    public void catchUp(Subscription sub) {
        hub.catchUp(sub);
    }

    @Override
    public void began(String topic) {
        broker.subscribe(topic);
    }

    @Override
    public void ended(String topic) {
        broker.unsubscribe(topic);
    }

    @Override
    public void regressed(TopicVersion stale, TopicVersion delivered) {
        broker.regressed(stale, delivered);
    }

    @Override
    public void onVersion(TopicVersion version) {
        hub.onVersion(version);
    }

    @Override
    public void onState(TopicVersion version) {
        hub.onState(version);
    }

    @Override
    public void onDeleted(TopicDeletion deletion) {
        hub.onDeleted(deletion);
    }

    @Override
    public void onRevoked(Revocation revocation) {
        for (Consumer<Revocation> handler : revoked) {
            handler.accept(revocation);
        }
    }

    @Override
    public boolean serves(String topic) {
        return hub.serves(topic);
    }

    @Override
    public Collection<String> served() {
        return hub.served();
    }
}
