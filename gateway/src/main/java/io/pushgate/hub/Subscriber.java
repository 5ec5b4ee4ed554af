package io.pushgate.hub;

import io.netty.buffer.ByteBuf;

/**
 * The receiving end of subscriptions: one SSE stream. Called only on the stream's event loop.
 */
public interface Subscriber {

    /** Whether a frame written now would be queued below the channel's high-water mark. */
    boolean isWritable();

    /**
     * Writes {@code frame} and takes ownership of it (the channel releases it once written).
     * Flushed at once, or at the end of the subscriber's current batch when it is writing several
     * frames in a row (a stream's start, its catch-up).
     */
    void writeAndRelease(ByteBuf frame);
}
