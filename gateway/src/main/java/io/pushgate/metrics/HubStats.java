package io.pushgate.metrics;

/** What the fan-out hub counts, read at scrape time. Any thread. */
public interface HubStats {
    /** Topics with local subscribers now. */
    int topicCount();

    /** Versions skipped for subscribers that were not writable (they got a newer one later). */
    long conflated();
}
