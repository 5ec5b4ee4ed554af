package io.pushgate.sse;

import io.pushgate.wire.SseFrames;
import io.pushgate.wire.LastEventId;
import io.pushgate.metrics.CloseReason;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.pushgate.hub.Subscriber;
import io.pushgate.hub.Subscription;
import io.pushgate.hub.TopicHub;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;

/**
 * An open SSE stream: after its response head it is the only handler of its channel. It holds one
 * {@link Subscription} per topic, takes frames from the hub, tells its loop's
 * {@link StreamSupervisor} when it stops being writable and catches up when it drains.
 *
 * <p>Thread rules: one per channel, touched only on the channel's event loop.
 */
public final class SseStream extends ChannelInboundHandlerAdapter implements Subscriber {
    private static final Logger log = LoggerFactory.getLogger(SseStream.class);

    private final Streams streams;
    private final TopicHub hub;
    private final StreamSupervisor supervisor;
    private final boolean multiTopic;
    /** Needed only until {@link #start}: dropped then, an idle stream keeps only what it uses. */
    private String[] topics;
    private LastEventId resume;
    private ChannelHandlerContext ctx;
    private Subscription[] subs;
    private boolean batching;
    private boolean closing;
    private boolean started;
    /** Why this side closed the stream; null while nobody here did. */
    private CloseReason closeReason;
    /** System.nanoTime() when the channel became unwritable; 0 while writable. */
    long unwritableSince;
    /** The supervisor's {@link StreamSupervisor#clock} at this stream's last write. */
    long lastWrite;
    /** Index in the supervisor's streams while started and open; -1 otherwise. */
    int slot = -1;

    SseStream(Streams streams, TopicHub hub, StreamSupervisor supervisor, String[] topics, boolean multiTopic,
              LastEventId resume) {
        this.streams = streams;
        this.hub = hub;
        this.supervisor = supervisor;
        this.topics = topics;
        this.multiTopic = multiTopic;
        this.resume = resume;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    /** Sends the retry hint and subscribes: the latest versions go out at once, in one flush. */
    void start(long retryMillis) {
        if (!ctx.channel().isActive()) {
            return;
        }
        // Counted here, not at open: only a stream that began on an open channel sees its channelInactive.
        started = true;
        streams.countOpened();
        lastWrite = supervisor.clock;
        supervisor.add(this);
        batching = true;
        ctx.write(SseFrames.retry(ctx.alloc(), retryMillis), ctx.voidPromise());
        subs = new Subscription[topics.length];
        for (int i = 0; i < topics.length; i++) {
            boolean resumes = resume != null && resume.describes(topics[i], multiTopic);
            subs[i] = hub.subscribe(ctx.channel().eventLoop(), topics[i], this, multiTopic,
                    resumes ? resume.epoch() : null, resumes ? resume.version() : 0);
        }
        topics = null;
        resume = null;
        batching = false;
        ctx.flush();
        if (!ctx.channel().isWritable()) {
            channelWritabilityChanged(ctx);
        }
    }

    @Override
    public boolean isWritable() {
        return !closing && ctx.channel().isWritable();
    }

    @Override
    public void writeAndFlush(ByteBuf frame) {
        lastWrite = supervisor.clock;
        ctx.write(frame, ctx.voidPromise());
        if (!batching) {
            ctx.flush();
        }
    }

    /**
     * A comment heartbeat, from the supervisor's tick to a stream silent for an interval. An
     * unwritable stream has bytes queued that will reach the client; it gets none.
     */
    void heartbeat() {
        if (isWritable()) {
            lastWrite = supervisor.clock;
            ctx.writeAndFlush(SseFrames.heartbeat(), ctx.voidPromise());
        }
    }

    /** Ends the stream politely: a reconnect hint, the last chunk, then close. */
    void drain(long retryMillis) {
        if (closing || !ctx.channel().isActive()) {
            return;
        }
        closing = true;
        closeReason = CloseReason.DRAIN;
        ctx.write(SseFrames.retry(ctx.alloc(), retryMillis), ctx.voidPromise());
        ctx.writeAndFlush(SseFrames.end()).addListener(f -> ctx.close());
    }

    /** Closes a stream that could not take data for too long. */
    void closeSlow() {
        closing = true;
        closeReason = CloseReason.SLOW_CONSUMER;
        ctx.close();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            unwritableSince = 0;
            supervisor.writable(this);
            if (subs != null) {
                batching = true;
                for (Subscription sub : subs) {
                    hub.catchUp(sub);
                }
                batching = false;
                ctx.flush();
            }
        } else if (unwritableSince == 0) {
            unwritableSince = Math.max(1, System.nanoTime());
            supervisor.unwritable(this);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        // A stream's client has nothing to say; whatever it sends is dropped.
        ReferenceCountUtil.release(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (subs != null) {
            for (Subscription sub : subs) {
                if (sub != null) {
                    hub.unsubscribe(sub);
                }
            }
            subs = null;
        }
        supervisor.writable(this);
        supervisor.remove(this);
        if (started) {
            streams.countClosed(closeReason);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException) {
            log.debug("stream {} failed: {}", ctx.channel(), cause.toString());
        } else {
            log.error("stream {} failed", ctx.channel(), cause);
            if (closeReason == null) {
                closeReason = CloseReason.ERROR;
            }
        }
        ctx.close();
    }
}
