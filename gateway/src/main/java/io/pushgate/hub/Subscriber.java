package io.pushgate.hub;

import io.netty.buffer.ByteBuf;

/**
 * The receiving end of subscriptions: one SSE stream. Called only on the stream's event loop.
 */
public interface Subscriber {

    /** Whether a frame written now would be queued below the channel's high-water mark. */
    boolean isWritable();

    /** Writes {@code frame} (ownership passes to the subscriber) and flushes unless batching. */
    void writeAndFlush(ByteBuf frame);
}
