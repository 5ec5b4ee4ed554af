package io.pushgate.hub;

/**
 * The last events of a served feed that the node keeps, at most the cap, contiguous by seq: a ring
 * of {@link FeedEntry}, each owning its frames, released when it falls out. {@link #last()} is the
 * seq the feed is at for this node even when the window is empty.
 *
 * <p>Thread rules: the feed's home loop only.
 */
final class FeedWindow {
    private final FeedEntry[] ring;
    /** The seq of the oldest entry held; {@code last + 1} when empty. */
    private long first = 1;
    private long last;

    FeedWindow(int cap) {
        this.ring = new FeedEntry[cap];
    }

    long first() {
        return first;
    }

    long last() {
        return last;
    }

    /** Whether the events after {@code seq} up to {@link #last()} are all held (or none are wanted). */
    boolean covers(long seq) {
        return seq >= first - 1;
    }

    /** The entry of {@code seq}, which must be held. */
    FeedEntry get(long seq) {
        return ring[(int) (seq % ring.length)];
    }

    /** Appends the entry of seq {@link #last()} + 1, dropping the oldest when full. */
    void append(FeedEntry entry) {
        if (entry.seq() != last + 1) {
            throw new IllegalArgumentException("seq " + entry.seq() + " after " + last);
        }
        if (last - first + 1 == ring.length) {
            int oldest = (int) (first % ring.length);
            ring[oldest].release();
            ring[oldest] = null;
            first++;
        }
        ring[(int) (entry.seq() % ring.length)] = entry;
        last = entry.seq();
    }

    /** Drops every entry; the window is empty, at {@code base} (the next entry is {@code base + 1}). */
    void clear(long base) {
        for (long seq = first; seq <= last; seq++) {
            int i = (int) (seq % ring.length);
            ring[i].release();
            ring[i] = null;
        }
        first = base + 1;
        last = base;
    }
}
