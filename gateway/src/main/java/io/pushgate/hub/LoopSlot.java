package io.pushgate.hub;

import io.pushgate.metrics.FanOutRecorder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;
import io.netty.util.ReferenceCountUtil;
import io.pushgate.model.TopicVersion;
import io.pushgate.wire.SseFrames;

import java.util.Arrays;
import java.util.concurrent.atomic.LongAdder;

/**
 * The subscribers of one topic on one event loop, and the frames of the newest version this loop
 * has seen (kept so that a subscriber that joins or is writable again gets it without a new encoding).
 *
 * <p>Thread rules: everything is touched only on {@code loop}, except the two volatile counts,
 * which publishers read to decide whether this loop needs the update at all. Metrics are told once
 * per task with the number of frames written, never per subscriber.
 */
final class LoopSlot {
    /** Subscribers read before any of them is written ({@link #offerAll}): bits of an int. */
    static final int BATCH = 16;

    final Topic topic;
    final EventLoop loop;
    volatile int plainCount;
    volatile int namedCount;
    volatile int bareCount;
    private final LongAdder conflated;
    private final FanOutRecorder metrics;

    private Subscription[] subs = new Subscription[2];
    private int size;
    private TopicVersion frameVersion;
    private ByteBuf frame;
    private ByteBuf namedFrame;
    private ByteBuf bareFrame;

    LoopSlot(Topic topic, EventLoop loop, LongAdder conflated, FanOutRecorder metrics) {
        this.topic = topic;
        this.loop = loop;
        this.conflated = conflated;
        this.metrics = metrics;
    }

    Subscription add(Subscriber subscriber, Framing framing, String epoch, long version) {
        Subscription sub = new Subscription(this, subscriber, framing, epoch, version);
        if (size == subs.length) {
            subs = Arrays.copyOf(subs, size * 2);
        }
        sub.position = size;
        subs[size++] = sub;
        // Volatile writes: a publisher that sets topic.latest after this point sees the count.
        switch (framing) {
            case PLAIN -> plainCount++;
            case NAMED -> namedCount++;
            case NAMED_WITHOUT_ID -> bareCount++;
        }
        return sub;
    }

    void remove(Subscription sub) {
        int last = --size;
        Subscription moved = subs[last];
        subs[sub.position] = moved;
        moved.position = sub.position;
        subs[last] = null;
        switch (sub.framing) {
            case PLAIN -> plainCount--;
            case NAMED -> namedCount--;
            case NAMED_WITHOUT_ID -> bareCount--;
        }
        if (size == 0) {
            dropFrames();
        }
    }

    /**
     * Delivers {@code v} to every subscriber of this loop; runs on {@code loop}. Takes ownership of
     * one reference of {@code plain}, {@code named} and {@code bare} (any may be {@code null}).
     * {@code fanOutStart} is {@link FanOutRecorder#fanOutStart()} of a live update, else {@link FanOutRecorder#UNTIMED}.
     */
    void deliver(TopicVersion v, ByteBuf plain, ByteBuf named, ByteBuf bare, ByteBufAllocator alloc, long fanOutStart) {
        if (size == 0 || !v.supersedes(frameVersion)) {
            ReferenceCountUtil.release(plain);
            ReferenceCountUtil.release(named);
            ReferenceCountUtil.release(bare);
            return;
        }
        dropFrames();
        frameVersion = v;
        frame = plain;
        namedFrame = named;
        bareFrame = bare;
        int written = offerAll(alloc);
        if (written > 0) {
            if (fanOutStart == FanOutRecorder.UNTIMED) {
                metrics.caughtUp(written);
            } else {
                metrics.delivered(written, v.publishedMicros(), fanOutStart);
            }
        }
    }

    /**
     * Brings {@code sub} to the newest version known, if it is writable: used when a subscriber
     * joins and when a slow one is writable again.
     */
    void catchUp(Subscription sub, ByteBufAllocator alloc) {
        TopicVersion latest = topic.latest;
        if (latest != null && latest.supersedes(frameVersion)) {
            // This loop has not seen the version yet (its task may be on the way, or the slot was
            // empty when it was published): deliver it here to all, the task will find it done.
            dropFrames();
            frameVersion = latest;
            int written = offerAll(alloc);
            if (written > 0) {
                metrics.caughtUp(written);
            }
        } else if (frameVersion != null && offer(sub, alloc)) {
            metrics.caughtUp(1);
        }
    }

    /**
     * Offers the current frame to every subscriber, {@link #BATCH} at a time: first each one's
     * state is read and the writable ones that lack the version are noted, then those are written.
     * The reads of a batch do not depend on one another, so the CPU overlaps their cache misses
     * (three objects per subscriber, cold again by the time an update comes back to a stream),
     * where one subscriber after the other, each read behind the previous one's {@code send()},
     * pays each miss in full (bench/RESULTS.md, "Reading a batch of subscribers before writing
     * to them"). Returns how many were written.
     */
    private int offerAll(ByteBufAllocator alloc) {
        int written = 0;
        for (int start = 0; start < size; start += BATCH) {
            int end = Math.min(size, start + BATCH);
            int due = 0; // bit i - start: subs[i] takes the frame
            for (int i = start; i < end; i++) {
                if (due(subs[i])) {
                    due |= 1 << (i - start);
                }
            }
            while (due != 0) {
                int i = start + Integer.numberOfTrailingZeros(due);
                due &= due - 1;
                if (write(subs[i], alloc)) {
                    written++;
                }
            }
        }
        return written;
    }

    /** Writes the current frame to {@code sub} unless it holds it already or is not writable; true if written. */
    private boolean offer(Subscription sub, ByteBufAllocator alloc) {
        return due(sub) && write(sub, alloc);
    }

    /**
     * Whether {@code sub} lacks the current version and can take it now; one that lacks it but is
     * not writable is marked behind (it gets the newest version when it is writable again).
     */
    private boolean due(Subscription sub) {
        if (!lacks(sub)) {
            return false;
        }
        if (!sub.subscriber.isWritable()) {
            sub.behind = true;
            conflated.increment();
            return false;
        }
        return true;
    }

    /**
     * Writes the current frame to {@code sub}, found {@link #due} just before; true if written. The
     * version is checked again: a write to another stream in between may have let that stream
     * catch up, and with it every subscriber of this slot, to a newer version ({@link #catchUp}).
     */
    private boolean write(Subscription sub, ByteBufAllocator alloc) {
        if (!lacks(sub)) {
            return false;
        }
        TopicVersion v = frameVersion;
        sub.subscriber.writeShared(frame(sub.framing, alloc));
        sub.epoch = v.epoch();
        sub.version = v.version();
        sub.behind = false;
        return true;
    }

    /** Whether {@code sub} lacks the current version: it holds an older one, or nothing that the version (not a deletion) would not fill. */
    private boolean lacks(Subscription sub) {
        TopicVersion v = frameVersion;
        // A deletion ends a version held; to a subscriber that holds nothing it has nothing to say.
        return v.supersedes(sub.epoch, sub.version) && (sub.epoch != null || !Topic.isTombstone(v));
    }

    /** The current version's frame for {@code framing}, encoded here if the task did not bring it; the slot owns it. */
    private ByteBuf frame(Framing framing, ByteBufAllocator alloc) {
        return switch (framing) {
            case PLAIN -> frame == null ? frame = encode(alloc, frameVersion, framing) : frame;
            case NAMED -> namedFrame == null ? namedFrame = encode(alloc, frameVersion, framing) : namedFrame;
            case NAMED_WITHOUT_ID -> bareFrame == null ? bareFrame = encode(alloc, frameVersion, framing) : bareFrame;
        };
    }

    /** The frame of {@code v} (a version, or a deletion's tombstone) for {@code framing}; the caller owns it. */
    static ByteBuf encode(ByteBufAllocator alloc, TopicVersion v, Framing framing) {
        if (Topic.isTombstone(v)) {
            return SseFrames.deleted(alloc, v.topic());
        }
        return switch (framing) {
            case PLAIN -> SseFrames.event(alloc, v);
            case NAMED -> SseFrames.namedEvent(alloc, v);
            case NAMED_WITHOUT_ID -> SseFrames.namedEventWithoutId(alloc, v);
        };
    }

    private void dropFrames() {
        ReferenceCountUtil.release(frame);
        ReferenceCountUtil.release(namedFrame);
        ReferenceCountUtil.release(bareFrame);
        frame = null;
        namedFrame = null;
        bareFrame = null;
        frameVersion = null;
    }
}
