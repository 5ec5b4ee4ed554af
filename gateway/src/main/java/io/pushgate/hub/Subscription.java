package io.pushgate.hub;

/**
 * One stream's interest in one topic, with the version it holds. Owned by the stream's event loop.
 */
public final class Subscription {
    final LoopSlot slot;
    final Subscriber subscriber;
    final Framing framing;
    /** The state the client holds: nothing ({@code null}) or this epoch and version. */
    String epoch;
    long version;
    /** Set when a version was skipped because the channel was not writable. */
    boolean behind;
    /** Position in {@link LoopSlot}'s array, for O(1) removal. */
    int position;

    Subscription(LoopSlot slot, Subscriber subscriber, Framing framing, String epoch, long version) {
        this.slot = slot;
        this.subscriber = subscriber;
        this.framing = framing;
        this.epoch = epoch;
        this.version = version;
    }
}
