package io.pushgate.sse;

import io.netty.channel.EventLoop;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * The one periodic task of an event loop for its streams: a heartbeat to each writable stream that
 * has sent nothing for a heartbeat interval, and closing streams that stayed unwritable past the
 * slow-consumer limit. No stream has a timer of its own.
 *
 * <p>The supervisor keeps its loop's streams in an array of its own, so a tick walks only them
 * (not every stream of the node), and a coarse clock, {@link #clock}, read at each tick: a stream
 * notes it on every write (a field read, no {@code nanoTime()} per delivery), so a stream that
 * carries events gets no heartbeats, and an idle one hears a heartbeat at most one interval plus
 * one tick after its last byte. Heartbeats of a loop spread over the interval by when each stream
 * last wrote instead of leaving in one burst.
 *
 * <p>Thread rules: everything runs on {@code loop}.
 */
public final class StreamSupervisor {
    private static final Logger log = LoggerFactory.getLogger(StreamSupervisor.class);

    private final EventLoop loop;
    private final long heartbeatNanos;
    private final long slowNanos;
    private final Set<SseStream> unwritable = new HashSet<>();
    private final LongAdder slowDisconnects;
    /** The loop's started streams in {@code [0, count)}; each knows its index ({@link SseStream#slot}). */
    private SseStream[] streams = new SseStream[64];
    private int count;
    /** System.nanoTime() at the last tick (or at start): the time a write notes. */
    long clock = System.nanoTime();

    StreamSupervisor(EventLoop loop, Duration heartbeat, Duration slowConsumerTimeout, LongAdder slowDisconnects) {
        this.loop = loop;
        this.heartbeatNanos = heartbeat.toNanos();
        this.slowNanos = slowConsumerTimeout.toNanos();
        this.slowDisconnects = slowDisconnects;
    }

    void start() {
        long tick = Math.max(TimeUnit.MILLISECONDS.toNanos(50),
                Math.min(TimeUnit.SECONDS.toNanos(1), Math.min(heartbeatNanos, slowNanos) / 4));
        clock = System.nanoTime();
        loop.scheduleAtFixedRate(this::tick, tick, tick, TimeUnit.NANOSECONDS);
    }

    /** A stream that began on this loop. */
    void add(SseStream stream) {
        if (count == streams.length) {
            streams = Arrays.copyOf(streams, count * 2);
        }
        stream.slot = count;
        streams[count++] = stream;
    }

    /** A stream of this loop that ended; the last stream takes its place. */
    void remove(SseStream stream) {
        int slot = stream.slot;
        if (slot < 0) {
            return;
        }
        SseStream last = streams[--count];
        streams[slot] = last;
        last.slot = slot;
        streams[count] = null;
        stream.slot = -1;
        // After a storm of streams has gone, give the memory back (hysteresis: grows at full, halves at a quarter).
        if (streams.length > 64 && count < streams.length / 4) {
            streams = Arrays.copyOf(streams, streams.length / 2);
        }
    }

    void unwritable(SseStream stream) {
        unwritable.add(stream);
    }

    void writable(SseStream stream) {
        unwritable.remove(stream);
    }

    private void tick() {
        long now = System.nanoTime();
        clock = now;
        long silentSince = now - heartbeatNanos;
        // count and the array are read on every step: a write that fails may close its stream, and
        // should Netty ever run channelInactive at once, the last stream moves into its slot.
        for (int i = 0; i < count; i++) {
            SseStream stream = streams[i];
            if (stream.lastWrite - silentSince <= 0) {
                stream.heartbeat();
            }
        }
        if (!unwritable.isEmpty()) {
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
                    slowDisconnects.increment();
                    stream.closeSlow();
                }
                log.debug("closed {} streams unwritable for more than {} ms", expired.size(),
                        TimeUnit.NANOSECONDS.toMillis(slowNanos));
            }
        }
    }

    EventLoop loop() {
        return loop;
    }
}
