package io.pushgate.hub;

import io.pushgate.loops.LoopIndex;
import io.pushgate.metrics.FanOutRecorder;
import io.netty.channel.EventLoop;
import io.pushgate.model.TopicDeletion;
import io.pushgate.model.TopicVersion;

import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;
import java.util.concurrent.atomic.LongAdder;

/**
 * A topic with local subscribers: its latest version and one {@link LoopSlot} per event loop.
 *
 * <p>Thread rules: {@code latest} is set by CAS from broker/publisher threads and read anywhere;
 * {@code refs} is guarded by the hub map's per-key update; each slot belongs to its loop.
 */
final class Topic {
    private static final AtomicReferenceFieldUpdater<Topic, TopicVersion> LATEST =
            AtomicReferenceFieldUpdater.newUpdater(Topic.class, TopicVersion.class, "latest");

    private static final byte[] NO_TEXT = new byte[0];

    final String name;
    final LoopSlot[] slots;
    volatile TopicVersion latest;
    int refs;

    Topic(String name, LoopIndex loops, LongAdder conflated, FanOutRecorder metrics) {
        this.name = name;
        this.slots = new LoopSlot[loops.size()];
        for (int i = 0; i < slots.length; i++) {
            EventLoop loop = loops.loop(i);
            slots[i] = new LoopSlot(this, loop, conflated, metrics);
        }
    }

    /**
     * What the hub keeps as a topic's latest after its state was deleted: the deleted epoch at a
     * version no publish reaches, so that a late message or read of the deleted state is dropped,
     * while a later publish (a new epoch, a later publish time) supersedes it.
     */
    static TopicVersion tombstone(TopicDeletion d) {
        return new TopicVersion(d.topic(), d.epoch(), Long.MAX_VALUE, d.deletedMicros(), NO_TEXT);
    }

    static boolean isTombstone(TopicVersion v) {
        return v != null && v.version() == Long.MAX_VALUE;
    }

    /** Makes {@code v} the latest version unless a newer one is already known; true if it did. */
    boolean advance(TopicVersion v) {
        for (;;) {
            TopicVersion current = latest;
            if (!v.supersedes(current)) {
                return false;
            }
            if (LATEST.compareAndSet(this, current, v)) {
                return true;
            }
        }
    }
}
