package io.pushgate.hub;

import io.netty.buffer.ByteBuf;

/**
 * The receiving end of subscriptions: one SSE stream. Called only on the stream's event loop.
 */
public interface Subscriber {

    /** Whether a frame written now would be queued below the channel's high-water mark. */
    boolean isWritable();

    /**
     * Writes the readable bytes of {@code frame}, one version's frame shared by every subscriber of
     * this loop: it stays the caller's, and its indexes are not moved. Whatever the subscriber has
     * to keep beyond this call (bytes queued behind a slow socket) it keeps as a retained duplicate
     * or slice. Flushed at once, or at the end of the subscriber's current batch when it is writing
     * several frames in a row (a stream's start, its catch-up).
     */
    void writeShared(ByteBuf frame);
}
