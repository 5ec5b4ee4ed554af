package io.pushgate.metrics;

/** What the node counts of feeds, read at scrape time. Any thread. */
public interface FeedStats {
    /** Feeds with local subscribers now. */
    int feedCount();

    /** Events appended through this node. */
    long appends();

    /** Events written to streams from a catch-up rather than the live fan-out (a resume, {@code ?last}, a slow stream, a reset). */
    long replayed();

    /** {@code pushgate.reset} events written to streams. */
    long resets();
}
