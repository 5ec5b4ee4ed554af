package io.pushgate.hub;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.ReferenceCountUtil;
import io.pushgate.model.FeedEvent;
import io.pushgate.wire.SseFrames;

/**
 * A feed event with its frames, each encoded once when first wanted: unnamed (streams of one feed)
 * and named (streams of several topics and feeds). The entry owns one reference of each frame;
 * whoever hands a frame to another loop retains it for that loop.
 *
 * <p>Thread rules: owned by the feed's home loop (the frames are shared read-only with the loops it
 * hands them to).
 */
final class FeedEntry {
    final FeedEvent event;
    private ByteBuf plain;
    private ByteBuf named;

    FeedEntry(FeedEvent event) {
        this.event = event;
    }

    long seq() {
        return event.seq();
    }

    /** The frame of the {@code named} or unnamed variant, encoded now if not yet; the entry keeps owning it. */
    ByteBuf frame(boolean named, ByteBufAllocator alloc) {
        if (named) {
            if (this.named == null) {
                this.named = SseFrames.namedFeedEvent(alloc, event);
            }
            return this.named;
        }
        if (plain == null) {
            plain = SseFrames.feedEvent(alloc, event);
        }
        return plain;
    }

    void release() {
        ReferenceCountUtil.release(plain);
        ReferenceCountUtil.release(named);
        plain = null;
        named = null;
    }
}
