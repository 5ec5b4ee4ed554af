package io.pushgate.broker;

import io.pushgate.model.Epochs;
import io.pushgate.model.FeedEvent;
import io.pushgate.model.FeedHistory;
import io.pushgate.model.FeedState;

import java.util.ArrayList;
import java.util.List;

/**
 * One feed of the {@link InMemoryBroker}: a ring of its last {@code cap} events, seq contiguous
 * within the epoch chosen at its first append.
 *
 * <p>Thread rules: any thread; every method holds the feed's lock (one feed's appends are serial
 * anyway, and a read must see the head and the events together).
 */
final class FeedLog {
    private final String feed;
    private final FeedEvent[] ring;
    private final String epoch = Epochs.next();
    /** The seq of the newest event; 0 before the first append. */
    private long lastSeq;

    FeedLog(String feed, int cap) {
        this.feed = feed;
        this.ring = new FeedEvent[cap];
    }

    /** Appends {@code text} as the next event and hands it to {@code listener} (null: nobody), in order. */
    synchronized FeedEvent append(byte[] text, long micros, FeedBroker.Listener listener) {
        FeedEvent event = new FeedEvent(feed, epoch, lastSeq + 1, micros, text);
        ring[(int) (event.seq() % ring.length)] = event;
        lastSeq = event.seq();
        if (listener != null) {
            listener.onFeedEvent(event);
        }
        return event;
    }

    /** The state and the kept events after {@code afterSeq}, at most {@code limit}. */
    synchronized FeedHistory read(long afterSeq, int limit) {
        long firstSeq = Math.max(1, lastSeq - ring.length + 1);
        FeedState state = new FeedState(feed, epoch, firstSeq, lastSeq);
        List<FeedEvent> events = new ArrayList<>();
        long from = afterSeq >= lastSeq ? lastSeq + 1 : Math.max(firstSeq, afterSeq + 1);
        for (long seq = from; seq <= lastSeq && events.size() < limit; seq++) {
            events.add(ring[(int) (seq % ring.length)]);
        }
        return new FeedHistory(state, events);
    }
}
