package io.pushgate.hub;

import io.netty.buffer.ByteBuf;

/**
 * The receiving end of feed subscriptions: one SSE stream. Called only on the stream's event loop.
 */
public interface FeedSubscriber {

    /** Whether a frame written now would be queued below the channel's high-water mark. */
    boolean isWritable();

    /**
     * Writes the frame of a feed event, taking ownership, after the subscription's cursor moved to
     * it (a stream of several feeds follows it with its cursor frame); not flushed.
     */
    void writeFeedEvent(ByteBuf frame);

    /** Writes a frame that is not a feed event (a reset), taking ownership; not flushed. */
    void writeControl(ByteBuf frame);

    /** Flushes what was written. */
    void flush();

    /**
     * The first answer of one of its subscriptions was written: the subscription's start is fixed
     * (for a live-only start, the events after this moment). A stream holds its head back until
     * each of its feeds started, so that whatever is appended after the client saw the head reaches it.
     */
    void feedStarted();
}
