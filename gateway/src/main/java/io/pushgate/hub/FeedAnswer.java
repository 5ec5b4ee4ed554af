package io.pushgate.hub;

import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCountUtil;
import io.pushgate.model.FeedEvent;

/**
 * The home loop's answer to one subscription's start or catch-up: set the cursor to ({@code epoch},
 * {@code base}) (after a {@code reset} frame when not null), then write {@code events} in order
 * with their {@code frames}; {@code last} is what the feed held then, so a subscription still below
 * it asks again. Owns one reference of each frame and of {@code reset} until the subscription's loop
 * writes or releases them.
 */
record FeedAnswer(FeedSubscription sub, ByteBuf reset, String epoch, long base, FeedEvent[] events, ByteBuf[] frames,
                  long last) {

    static final FeedEvent[] NO_EVENTS = new FeedEvent[0];
    static final ByteBuf[] NO_FRAMES = new ByteBuf[0];

    /** Releases everything it owns: nothing of it was written. */
    void release() {
        ReferenceCountUtil.release(reset);
        releaseFrames(0);
    }

    /** Releases the frames from {@code from} on: those before were written (handed to the channel). */
    void releaseFrames(int from) {
        for (int i = from; i < frames.length; i++) {
            frames[i].release();
        }
    }
}
