package io.pushgate.metrics;

/** The health of a broker as metrics read it at scrape time. Any thread, non-blocking. */
public interface BrokerStats {
    /** Whether the broker can deliver right now (connected and subscribed). */
    boolean connected();

    /** Times the broker's connection was re-established after a loss. */
    long reconnects();

    /** Times the node re-read the state of its topics to catch up after a gap. */
    long resyncs();

    /** Messages on a topic channel that were not pushgate versions, skipped. */
    long malformed();

    /** Topics this node moved to a new epoch after such a regression (the other nodes found it done). */
    default long epochsRenewed() {
        return 0;
    }

    /** Topics whose stored state was deleted through this node. */
    default long deleted() {
        return 0;
    }

    /**
     * Topics that expired (not published for the topic TTL) and were removed by this node: the
     * embedded broker's; Redis expires its keys itself, uncounted here.
     */
    default long expired() {
        return 0;
    }

    /** Reads of topics followed from an application's Redis keys that failed (none where nothing is followed). */
    default long followReadFailures() {
        return 0;
    }

    /** Whether changes of followed keys arrive as keyspace notifications now (false: polled, or nothing followed). */
    default boolean followNotified() {
        return false;
    }
}
