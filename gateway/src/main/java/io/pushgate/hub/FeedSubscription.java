package io.pushgate.hub;

/**
 * One stream's interest in one feed, with its cursor: the (epoch, seq) of the last event the client
 * holds. A frame is written only when its seq is the cursor's plus one in the cursor's epoch (or
 * after a reset), so nothing is written twice or skipped. Owned by the stream's event loop.
 */
public final class FeedSubscription {
    final FeedSlot slot;
    final FeedSubscriber subscriber;
    final boolean named;
    /** The cursor: nothing of any epoch yet ({@code null}, seq 0), or this epoch and seq. */
    String epoch;
    long seq;
    /** A catch-up (or the start) was asked of the feed's home loop and is not answered yet. */
    boolean asked;
    /** Events were skipped (not writable, or a hole): it asks for a catch-up when writable again. */
    boolean behind;
    /** Its first answer came: its start is fixed. */
    boolean started;
    /** Left the slot: answers that still arrive are dropped. */
    boolean removed;
    /** Position in {@link FeedSlot}'s array, for O(1) removal. */
    int position;

    FeedSubscription(FeedSlot slot, FeedSubscriber subscriber, boolean named) {
        this.slot = slot;
        this.subscriber = subscriber;
        this.named = named;
    }

    /** The feed's name. */
    public String feed() {
        return slot.feed.name;
    }

    /** The epoch of the cursor, {@code null} while the client holds no event. */
    public String epoch() {
        return epoch;
    }

    /** The seq of the cursor. */
    public long seq() {
        return seq;
    }
}
