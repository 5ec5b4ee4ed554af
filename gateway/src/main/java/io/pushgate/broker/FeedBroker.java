package io.pushgate.broker;

import io.pushgate.model.FeedEvent;
import io.pushgate.model.FeedHistory;
import io.pushgate.model.FeedState;

import java.util.Collection;
import java.util.concurrent.CompletionStage;

/**
 * Where the events of feeds are kept and where appends go (README "Feeds"). A feed keeps its
 * recent events (at most the configured cap, oldest trimmed first), each with a seq that goes up
 * by one per append within the feed's epoch.
 *
 * <p>Both brokers implement it beside {@link Broker}. Every method may be called from any thread
 * and must not block. The broker keeps no order for the node: it hands over live events as it
 * receives them (pub/sub may drop some across a disconnect) and the stored state whenever its
 * subscription to a feed (re)begins; the node fills holes with {@link #history}.
 */
public interface FeedBroker {

    /** Receives the events and states of the feeds this node subscribed to. */
    interface Listener {
        /** A newly appended event (a live message). On a broker or appender thread; must not block. */
        void onFeedEvent(FeedEvent event);

        /**
         * The stored state of a feed, read after the broker's subscription to it began or began
         * again (a reconnect, a failover): events up to {@link FeedState#lastSeq()} may have been
         * appended while this node was not listening. Must not block.
         */
        void onFeedState(FeedState state);

        /** Whether the node serves {@code feed} now. */
        boolean servesFeed(String feed);

        /** The feeds the node serves now (a snapshot), for a broker that (re)subscribes from scratch. */
        Collection<String> servedFeeds();
    }

    /** Starts delivering feed events to {@code listener}; called once, before {@link Broker#start}. */
    void startFeeds(Listener listener);

    /**
     * Appends {@code text} to {@code feed} (beginning a new epoch at seq 1 when the feed has no
     * state), trims the feed to its cap and delivers the event to every node, in one atomic step.
     * Fails as {@link Broker#publish} does: with {@link io.pushgate.model.PublishOutcomeUnknown}
     * when the broker cannot tell whether it was appended (it then never will be).
     */
    CompletionStage<FeedEvent> append(String feed, byte[] text);

    /**
     * The state of {@code feed} and its kept events with a seq above {@code afterSeq} (of the
     * current epoch), ascending, at most {@code limit}; read atomically.
     */
    CompletionStage<FeedHistory> history(String feed, long afterSeq, int limit);

    /**
     * The node's demand for {@code feed} may have begun: if {@link Listener#servesFeed} says so,
     * hand its stored state to {@link Listener#onFeedState} once subscribed, and every later event
     * to {@link Listener#onFeedEvent}.
     */
    void subscribeFeed(String feed);

    /** The node's demand for {@code feed} may have ended (the broker checks {@link Listener#servesFeed}). */
    void unsubscribeFeed(String feed);

    /** A feed's state, without events. */
    default CompletionStage<FeedState> state(String feed) {
        return history(feed, Long.MAX_VALUE, 0).thenApply(FeedHistory::state);
    }
}
