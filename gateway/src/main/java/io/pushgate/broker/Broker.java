package io.pushgate.broker;

import io.pushgate.metrics.BrokerStats;
import io.pushgate.model.IfMatch;
import io.pushgate.model.PreconditionFailed;
import io.pushgate.model.PublishOutcomeUnknown;
import io.pushgate.model.Revocation;
import io.pushgate.model.TopicDeletion;
import io.pushgate.model.TopicVersion;
import java.util.concurrent.CompletionStage;

/**
 * Where versions of topics come from and where publishes go.
 *
 * <p>Two implementations: {@link InMemoryBroker} for a single node, and a Redis broker for many nodes.
 * Each keeps feeds too ({@link FeedBroker}), on the same connections.
 * Every method may be called from any thread and must not block; results arrive through the
 * returned stages and the {@link Listener}. Its health ({@link BrokerStats}: connected, reconnects,
 * resyncs, malformed messages) is what {@code /readyz} and the metrics read; a node is not ready
 * while {@link #connected()} is false (the embedded broker always is connected).
 */
public interface Broker extends BrokerStats, FeedBroker, AutoCloseable {

    /** Receives every version the broker learns of, for topics this node subscribed to. */
    interface Listener {
        /** A new version was published (a live message). On a broker or publisher thread; must not block. */
        void onVersion(TopicVersion version);

        /** The stored state of a topic, read on subscribe or resync (not a new publish); must not block. */
        void onState(TopicVersion version);

        /**
         * A topic's stored state was deleted (on this node or another); on a broker or publisher
         * thread; must not block. Not stored either: a node that was away does not hear it (its
         * streams keep the last text until a new publish).
         */
        void onDeleted(TopicDeletion deletion);

        /** Whether the node serves {@code topic} now: the truth a broker reconciles its subscriptions with. */
        boolean serves(String topic);

        /** The topics the node serves now (a snapshot), for a broker that (re)subscribes from scratch. */
        java.util.Collection<String> served();

        /** A subject was revoked, on this node or another; on a broker thread; must not block. */
        void onRevoked(Revocation revocation);
    }

    /**
     * Whether {@link #connected()} can ever turn false: not for the embedded broker, so a node on it
     * keeps no watch for a lost broker.
     */
    default boolean canDisconnect() {
        return true;
    }

    /** Starts delivering to {@code listener}; called once, before any other method. */
    void start(Listener listener);

    /** Stores {@code text} as the next version of {@code topic} and delivers it to all nodes. */
    default CompletionStage<TopicVersion> publish(String topic, byte[] text) {
        return publish(topic, text, null);
    }

    /**
     * Stores {@code text} as the next version of {@code topic} and delivers it to all nodes, if the
     * topic's state is what {@code ifMatch} requires (null: any state or none), checked atomically
     * with the store. The stage fails with {@link PreconditionFailed} when it is not (nothing
     * stored), with {@link PublishOutcomeUnknown} when the broker cannot tell whether the text was
     * stored (it then never will be), and with anything else when it was not stored.
     */
    CompletionStage<TopicVersion> publish(String topic, byte[] text, IfMatch ifMatch);

    /**
     * Deletes the stored state of {@code topic}, if it is what {@code ifMatch} requires (null: any),
     * and tells every node ({@link Listener#onDeleted}); a later publish begins a new epoch. The
     * stage holds what was deleted, {@code null} when the topic had no state; it fails as
     * {@link #publish} does ({@link PreconditionFailed}, a refusal for a topic not published this way).
     */
    CompletionStage<TopicDeletion> delete(String topic, IfMatch ifMatch);

    /**
     * Hands {@code revocation} to the listener of every node, this one's included. Completes with
     * the number of nodes it was handed to (what Redis counts as receivers; 1 for the embedded
     * broker). Like a version, it is not stored: a node that was disconnected from the broker then
     * does not hear it.
     */
    CompletionStage<Long> revoke(Revocation revocation);

    /**
     * The node saw {@code stale}, a version of the broker's (a message, a read or a publish's
     * answer), go back within its epoch below {@code delivered}, which the node delivered: an
     * acknowledged publish was lost (a Redis failover). The broker moves the topic to a new epoch
     * if its stored state is still {@code stale}, so that every node and client takes it as the
     * latest. Any thread; must not block. The embedded broker never loses a version: nothing to do.
     */
    default void regressed(TopicVersion stale, TopicVersion delivered) {
    }

    /** The latest version of {@code topic}, or {@code null} inside the stage when it has none. */
    CompletionStage<TopicVersion> latest(String topic);

    /**
     * The node's demand for {@code topic} may have begun: if {@link Listener#serves} says so,
     * hand its current version (if any) to {@link Listener#onState} and every later one to
     * {@link Listener#onVersion}.
     */
    void subscribe(String topic);

    /** The node's demand for {@code topic} may have ended (the broker checks {@link Listener#serves}). */
    void unsubscribe(String topic);

    /** A short name for logs, e.g. {@code embedded}. */
    String describe();

    @Override
    void close();
}
