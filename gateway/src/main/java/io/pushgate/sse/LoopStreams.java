package io.pushgate.sse;

import io.netty.channel.EventLoop;
import io.pushgate.config.StreamSettings;
import io.pushgate.loops.LoopTicker;
import io.pushgate.metrics.CloseReason;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Arrays;
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
 * <p>The streams live in an array (swap-remove by index, {@link SseStream#slot}), so a tick walks
 * only this loop's streams. {@link #clock} is a coarse clock set at each tick: a stream notes it
 * on every write (a field read, no {@code nanoTime()} per delivery), so a stream that carries
 * events gets no heartbeats, and an idle one hears one at most an interval plus a tick after its
 * last byte; heartbeats spread over the interval by when each stream last wrote.
 *
 * <p>Thread rules: everything on {@code loop}, except {@link #count()} (any thread).
 */
final class LoopStreams implements LoopTicker.Task {
    private static final Logger log = LoggerFactory.getLogger(LoopStreams.class);
    private static final int INITIAL = 64;

    private final EventLoop loop;
    private final StreamSettings settings;
    private final long heartbeatNanos;
    private final long slowNanos;
    private final StreamCounts counts;
    private final Set<SseStream> unwritable = new HashSet<>();
    /** The loop's started streams in {@code [0, size)}; each knows its index. */
    private SseStream[] streams = new SseStream[INITIAL];
    private int size;
    /** {@link #size} for readers on other threads: written only by the loop. */
    private final AtomicInteger published = new AtomicInteger();
    /** The streams to end, in batches, while the node drains or hands its streams over; null otherwise. */
    private SseStream[] ending;
    /** Why {@link #ending} are ended. */
    private CloseReason endingFor;
    /** System.nanoTime() at the last tick (or at construction): the time a write notes. */
    long clock = System.nanoTime();

    LoopStreams(EventLoop loop, StreamSettings settings, StreamCounts counts) {
        this.loop = loop;
        this.settings = settings;
        this.heartbeatNanos = settings.heartbeat().toNanos();
        this.slowNanos = settings.slowConsumerTimeout().toNanos();
        this.counts = counts;
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
        if (size == streams.length) {
            streams = Arrays.copyOf(streams, size * 2);
        }
        stream.slot = size;
        streams[size++] = stream;
        published.lazySet(size);
    }

    /** A stream of this loop that ended; the last stream takes its place. */
    void remove(SseStream stream) {
        unwritable.remove(stream);
        int slot = stream.slot;
        if (slot < 0) {
            return;
        }
        SseStream last = streams[--size];
        streams[slot] = last;
        last.slot = slot;
        streams[size] = null;
        stream.slot = -1;
        published.lazySet(size);
        // After a storm of streams has gone, give the memory back (hysteresis: grows at full, halves at a quarter).
        if (streams.length > INITIAL && size < streams.length / 4) {
            streams = Arrays.copyOf(streams, streams.length / 2);
        }
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
        long silentSince = now - heartbeatNanos;
        // size and the array are read on every step: a write that fails may close its stream, and
        // should Netty ever run channelInactive at once, the last stream moves into its slot.
        for (int i = 0; i < size; i++) {
            SseStream stream = streams[i];
            if (stream.bearer != null && stream.bearer.expiredAt(now)) {
                stream.endExpired();
            } else if (stream.lastWrite - silentSince <= 0) {
                stream.heartbeat();
            }
        }
        if (!unwritable.isEmpty()) {
            closeSlow(now);
        }
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
        // size is read on every step, as in tick: a stream that ends may leave the array.
        for (int i = 0; i < size; i++) {
            SseStream stream = streams[i];
            if (stream.bearer != null && stream.bearer.is(subject)) {
                stream.endRevoked();
                ended++;
            }
        }
        return ended;
    }

    /** Notes the streams open now as the ones to end for {@code reason}, batch by batch ({@link #endBatch}). */
    void beginEnding(CloseReason reason) {
        ending = Arrays.copyOf(streams, size);
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
        SseStream[] open = Arrays.copyOf(streams, size);
        CompletableFuture<?>[] closed = new CompletableFuture<?>[open.length];
        for (int i = 0; i < open.length; i++) {
            CompletableFuture<Void> one = new CompletableFuture<>();
            open[i].close(CloseReason.DRAIN).addListener(f -> one.complete(null));
            closed[i] = one;
        }
        return CompletableFuture.allOf(closed);
    }
}
