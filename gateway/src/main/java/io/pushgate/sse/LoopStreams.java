package io.pushgate.sse;

import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.pushgate.config.StreamSettings;
import io.pushgate.loops.LoopTicker;
import io.pushgate.metrics.CloseReason;
import io.pushgate.wire.SseFrames;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The open streams of one event loop: the node's registry of streams is one of these per loop
 * (no node-wide set beside it). It counts them, and its tick on the loop's {@link LoopTicker}
 * sends a heartbeat to each writable stream silent for a heartbeat interval, ends streams whose
 * token expired, and closes streams that stayed unwritable past the slow-consumer limit. No
 * stream has a timer of its own.
 *
 * <p>The streams are filed in a wheel of one slot per tick, each in the slot of the tick at which
 * it may next need a heartbeat (or its token expires), so a tick touches only the streams of its
 * slot: an idle stream once per interval, not once per tick (15,000 idle streams with a 1 s tick
 * were 15,000 visits a second for about 375 heartbeats). A write does not move its stream: it
 * only notes {@link #clock}, a coarse clock set at each tick (a field read, no {@code nanoTime()}
 * per delivery), and the visit files a stream that wrote since where its silence will end. So a
 * stream that carries events gets no heartbeats, and an idle one hears one at most an interval
 * plus a tick after its last byte; heartbeats spread over the interval by when each stream last
 * wrote.
 *
 * <p>Thread rules: everything on {@code loop}, except {@link #count()} (any thread).
 */
final class LoopStreams implements LoopTicker.Task {
    /**
     * The heartbeat chunk every stream is sent: never handed to a channel ({@link SseStream#writeShared}
     * sends it from its memory, or queues a slice of it), so one view serves every loop.
     */
    static final ByteBuf HEARTBEAT = SseFrames.heartbeat();
    private static final Logger log = LoggerFactory.getLogger(LoopStreams.class);
    /** {@link SseStream#wheelSlot} of a stream taken out of its slot for its visit. */
    private static final int VISITING = -2;
    /** {@link SseStream#wheelSlot} of a stream not (or no longer) registered. */
    static final int UNFILED = -1;

    private final EventLoop loop;
    private final StreamSettings settings;
    private final long heartbeatNanos;
    private final long slowNanos;
    private final long tickNanos;
    private final StreamCounts counts;
    private final Set<SseStream> unwritable = new HashSet<>();
    /**
     * Slot i holds, as a list linked through {@link SseStream#wheelNext}/{@link SseStream#wheelPrev},
     * the streams to visit when {@link #cursor} reaches i. Enough slots for an interval and a tick.
     */
    private final SseStream[] wheel;
    /** The slot of the last tick. */
    private int cursor;
    private int size;
    /** {@link #size} for readers on other threads: written only by the loop. */
    private final AtomicInteger published = new AtomicInteger();
    /** The streams to end, in batches, while the node drains or hands its streams over; null otherwise. */
    private SseStream[] ending;
    /** Why {@link #ending} are ended. */
    private CloseReason endingFor;
    /** System.nanoTime() at the last tick (or at construction): the time a write notes. */
    long clock = System.nanoTime();

    LoopStreams(EventLoop loop, StreamSettings settings, StreamCounts counts, long tickNanos) {
        this.loop = loop;
        this.settings = settings;
        this.heartbeatNanos = settings.heartbeat().toNanos();
        this.slowNanos = settings.slowConsumerTimeout().toNanos();
        this.tickNanos = tickNanos;
        this.counts = counts;
        this.wheel = new SseStream[(int) Math.min(1 << 16, heartbeatNanos / tickNanos + 2)];
    }

    EventLoop loop() {
        return loop;
    }

    /** Open streams of this loop; any thread. */
    int count() {
        return published.get();
    }

    /** A stream that began on this loop. */
    void add(SseStream stream) {
        file(stream);
        published.lazySet(++size);
    }

    /** A stream of this loop that ended. */
    void remove(SseStream stream) {
        unwritable.remove(stream);
        if (stream.wheelSlot == UNFILED) {
            return;
        }
        if (stream.wheelSlot != VISITING) {
            unlink(stream);
        }
        stream.wheelSlot = UNFILED;
        published.lazySet(--size);
    }

    void unwritable(SseStream stream) {
        unwritable.add(stream);
    }

    void writable(SseStream stream) {
        unwritable.remove(stream);
    }

    @Override
    public void tick(long now) {
        clock = now;
        cursor = cursor + 1 == wheel.length ? 0 : cursor + 1;
        long silentSince = now - heartbeatNanos;
        // A visit files its stream in a later slot, never this one, so this ends; a stream that
        // ends during its visit (a failed write) is left unfiled by remove.
        SseStream stream;
        while ((stream = wheel[cursor]) != null) {
            unlink(stream);
            stream.wheelSlot = VISITING;
            if (stream.bearer != null && stream.bearer.expiredAt(now)) {
                stream.endExpired();
            } else if (stream.lastWrite - silentSince <= 0) {
                stream.heartbeat();
            }
            if (stream.wheelSlot == VISITING) {
                file(stream);
            }
        }
        if (!unwritable.isEmpty()) {
            closeSlow(now);
        }
    }

    /**
     * Files {@code stream} in the slot of the first tick at which its silence reaches an interval
     * or its token expires; a stream that could not take its heartbeat (unwritable, or closing)
     * is looked at again next tick.
     */
    private void file(SseStream stream) {
        long due = stream.lastWrite + heartbeatNanos;
        if (stream.bearer != null && stream.bearer.expires() != 0 && stream.bearer.expires() - due < 0) {
            due = stream.bearer.expires();
        }
        long ticks = (due - clock + tickNanos - 1) / tickNanos;
        int ahead = (int) Math.max(1, Math.min(wheel.length - 1, ticks));
        int slot = cursor + ahead;
        if (slot >= wheel.length) {
            slot -= wheel.length;
        }
        SseStream first = wheel[slot];
        stream.wheelNext = first;
        stream.wheelPrev = null;
        if (first != null) {
            first.wheelPrev = stream;
        }
        wheel[slot] = stream;
        stream.wheelSlot = slot;
    }

    private void unlink(SseStream stream) {
        SseStream prev = stream.wheelPrev;
        SseStream next = stream.wheelNext;
        if (prev == null) {
            wheel[stream.wheelSlot] = next;
        } else {
            prev.wheelNext = next;
        }
        if (next != null) {
            next.wheelPrev = prev;
        }
        stream.wheelNext = null;
        stream.wheelPrev = null;
    }

    /** Every stream of this loop now, in no particular order: a copy, so that ending them may change the wheel. */
    private SseStream[] all() {
        List<SseStream> all = new ArrayList<>(size);
        for (SseStream first : wheel) {
            for (SseStream stream = first; stream != null; stream = stream.wheelNext) {
                all.add(stream);
            }
        }
        return all.toArray(new SseStream[0]);
    }

    private void closeSlow(long now) {
        List<SseStream> expired = null;
        for (SseStream stream : unwritable) {
            if (now - stream.unwritableSince > slowNanos) {
                if (expired == null) {
                    expired = new ArrayList<>();
                }
                expired.add(stream);
            }
        }
        if (expired != null) {
            for (SseStream stream : expired) {
                unwritable.remove(stream);
                counts.slowDisconnect();
                stream.abort(CloseReason.SLOW_CONSUMER);
            }
            log.debug("closed {} streams unwritable for more than {} ms", expired.size(),
                    TimeUnit.NANOSECONDS.toMillis(slowNanos));
        }
    }

    /** Ends every stream of this loop opened with a token of {@code subject}; returns how many. */
    int endSubject(String subject) {
        int ended = 0;
        for (SseStream stream : all()) {
            if (stream.bearer != null && stream.bearer.is(subject)) {
                stream.endRevoked();
                ended++;
            }
        }
        return ended;
    }

    /** Notes the streams open now as the ones to end for {@code reason}, batch by batch ({@link #endBatch}). */
    void beginEnding(CloseReason reason) {
        ending = all();
        endingFor = reason;
    }

    /**
     * Ends batch {@code batch} of {@code batches} of the streams noted by {@link #beginEnding},
     * each with a jittered {@code retry:}.
     */
    void endBatch(int batch, int batches) {
        if (ending == null) {
            return;
        }
        int from = (int) ((long) ending.length * batch / batches);
        int to = (int) ((long) ending.length * (batch + 1) / batches);
        for (int i = from; i < to; i++) {
            ending[i].endWithRetry(settings.retryMillis(), endingFor);
        }
        if (batch + 1 >= batches) {
            ending = null;
        }
    }

    /** Closes every stream of this loop at once; completes when all are closed. */
    CompletableFuture<Void> closeAll() {
        SseStream[] open = all();
        CompletableFuture<?>[] closed = new CompletableFuture<?>[open.length];
        for (int i = 0; i < open.length; i++) {
            CompletableFuture<Void> one = new CompletableFuture<>();
            open[i].close(CloseReason.DRAIN).addListener(f -> one.complete(null));
            closed[i] = one;
        }
        return CompletableFuture.allOf(closed);
    }
}
