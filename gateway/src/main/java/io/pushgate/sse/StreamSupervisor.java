package io.pushgate.sse;

import io.netty.channel.EventLoop;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.ChannelMatcher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * The one periodic task of an event loop for its streams: heartbeats to every writable stream of
 * the loop, and closing streams that stayed unwritable past the slow-consumer limit. No stream has
 * a timer of its own.
 *
 * <p>Thread rules: everything runs on {@code loop}.
 */
public final class StreamSupervisor {
    private static final Logger log = LoggerFactory.getLogger(StreamSupervisor.class);

    private final EventLoop loop;
    private final ChannelGroup streams;
    private final long heartbeatNanos;
    private final long slowNanos;
    private final ChannelMatcher writableHere;
    private final Set<SseStream> unwritable = new HashSet<>();
    private final LongAdder slowDisconnects;
    private long nextHeartbeat;

    StreamSupervisor(EventLoop loop, ChannelGroup streams, Duration heartbeat, Duration slowConsumerTimeout,
                     LongAdder slowDisconnects) {
        this.loop = loop;
        this.streams = streams;
        this.heartbeatNanos = heartbeat.toNanos();
        this.slowNanos = slowConsumerTimeout.toNanos();
        this.slowDisconnects = slowDisconnects;
        this.writableHere = channel -> channel.eventLoop() == loop && channel.isWritable();
    }

    void start() {
        long tick = Math.max(TimeUnit.MILLISECONDS.toNanos(50),
                Math.min(TimeUnit.SECONDS.toNanos(1), Math.min(heartbeatNanos, slowNanos) / 4));
        nextHeartbeat = System.nanoTime() + heartbeatNanos;
        loop.scheduleAtFixedRate(this::tick, tick, tick, TimeUnit.NANOSECONDS);
    }

    void unwritable(SseStream stream) {
        unwritable.add(stream);
    }

    void writable(SseStream stream) {
        unwritable.remove(stream);
    }

    private void tick() {
        long now = System.nanoTime();
        if (now - nextHeartbeat >= 0) {
            nextHeartbeat = now + heartbeatNanos;
            streams.writeAndFlush(SseFrames.heartbeat(), writableHere, true);
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
