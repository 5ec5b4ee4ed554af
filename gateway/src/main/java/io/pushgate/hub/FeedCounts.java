package io.pushgate.hub;

import java.util.concurrent.atomic.LongAdder;

/** What the feed subscriptions count: events replayed (written from a catch-up), resets written. Any thread. */
final class FeedCounts {
    private final LongAdder replayed = new LongAdder();
    private final LongAdder resets = new LongAdder();

    void replayed(int events) {
        replayed.add(events);
    }

    void reset() {
        resets.increment();
    }

    long replayed() {
        return replayed.sum();
    }

    long resets() {
        return resets.sum();
    }
}
