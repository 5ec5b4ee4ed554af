package io.pushgate.sse;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.pushgate.hub.Subscriber;
import io.pushgate.hub.Subscription;
import io.pushgate.metrics.CloseReason;
import io.pushgate.topics.Topics;
import io.pushgate.wire.LastEventId;
import io.pushgate.wire.SseFrames;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;

/**
 * An open SSE stream: after its response head it is the only handler of its channel. It holds one
 * {@link Subscription} per topic, takes frames from the hub, tells its loop's {@link LoopStreams}
 * when it stops being writable, and catches up with the newest versions when it is writable again.
 *
 * <p>Thread rules: one per channel, touched only on the channel's event loop.
 */
final class SseStream extends ChannelInboundHandlerAdapter implements Subscriber {
    private static final Logger log = LoggerFactory.getLogger(SseStream.class);

    private final Topics topics;
    private final LoopStreams loopStreams;
    private final StreamCounts counts;
    /** Events named by their topic ({@code /events?topic=…}), or unnamed (one topic). */
    private final boolean named;
    /** The body is the events as they are, ended by the close (HTTP/1.0), not chunks. */
    private final boolean closeDelimited;
    /** Needed only until {@link #start}: dropped then, an idle stream keeps only what it uses. */
    private String[] names;
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
    /** {@link LoopStreams#clock} at this stream's last write. */
    long lastWrite;
    /** Its slot in its {@link LoopStreams}' wheel while started and open, and its neighbours there. */
    int wheelSlot = LoopStreams.UNFILED;
    SseStream wheelPrev;
    SseStream wheelNext;
    /** What it keeps of its token; null when it was opened without one. */
    final Bearer bearer;

    SseStream(Topics topics, LoopStreams loopStreams, StreamCounts counts, String[] names, boolean named,
              LastEventId resume, Bearer bearer, boolean closeDelimited) {
        this.bearer = bearer;
        this.closeDelimited = closeDelimited;
        this.topics = topics;
        this.loopStreams = loopStreams;
        this.counts = counts;
        this.names = names;
        this.named = named;
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
        counts.opened();
        lastWrite = loopStreams.clock;
        loopStreams.add(this);
        batching = true;
        write(SseFrames.retry(ctx.alloc(), retryMillis));
        subs = new Subscription[names.length];
        for (int i = 0; i < names.length; i++) {
            boolean resumes = resume != null && resume.describes(names[i], named);
            subs[i] = topics.subscribe(ctx.channel().eventLoop(), names[i], this, named,
                    resumes ? resume.epoch() : null, resumes ? resume.version() : 0);
        }
        names = null;
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
    public void writeAndRelease(ByteBuf frame) {
        lastWrite = loopStreams.clock;
        write(frame);
        if (!batching) {
            ctx.flush();
        }
    }

    /**
     * Writes {@code chunk}, one of {@link SseFrames}' chunks, taking ownership: as it is, or on a
     * close-delimited stream its events alone (a slice of the same buffer, so the hub's frame stays
     * encoded once and shared).
     */
    private void write(ByteBuf chunk) {
        ctx.write(closeDelimited ? SseFrames.unchunked(chunk) : chunk, ctx.voidPromise());
    }

    /**
     * A comment heartbeat, from the loop's tick to a stream silent for an interval. An unwritable
     * stream has bytes queued that will reach the client; it gets none.
     */
    void heartbeat() {
        if (isWritable()) {
            lastWrite = loopStreams.clock;
            ByteBuf chunk = loopStreams.heartbeatChunk();
            write(chunk);
            ctx.flush();
            loopStreams.heartbeatWritten(ctx.channel());
        }
    }

    /**
     * Ends the stream politely, to be taken up by another node (the node drains, or has lost its
     * broker): a reconnect hint, the last chunk, then close; counted for {@code reason}.
     */
    void endWithRetry(long retryMillis, CloseReason reason) {
        if (endable()) {
            end(reason, SseFrames.retry(ctx.alloc(), retryMillis));
        }
    }

    /** Ends the stream whose token expired: an event that says so, the last chunk, then close. */
    void endExpired() {
        if (endable()) {
            end(CloseReason.TOKEN_EXPIRED, SseFrames.closed(ctx.alloc(), "token expired"));
        }
    }

    /** Ends the stream of a revoked subject: an event that says so, the last chunk, then close. */
    void endRevoked() {
        if (endable()) {
            end(CloseReason.REVOKED, SseFrames.closed(ctx.alloc(), "revoked"));
        }
    }

    /** Whether nobody has begun to close the stream yet. */
    private boolean endable() {
        return !closing && ctx.channel().isActive();
    }

    /** Writes {@code lastWords} (taking ownership), the last chunk, then closes; counted for {@code reason}. */
    private void end(CloseReason reason, ByteBuf lastWords) {
        closing = true;
        closeReason = reason;
        write(lastWords);
        // A close-delimited body has no last chunk: the close itself ends it.
        ctx.writeAndFlush(closeDelimited ? Unpooled.EMPTY_BUFFER : SseFrames.end()).addListener(f -> ctx.close());
    }

    /**
     * Closes a stream that stayed unwritable at once with a reset (SO_LINGER 0): what it had queued,
     * in the node and in the kernel, is dropped now instead of waiting for a reader that is not
     * reading; counted as closed for {@code reason}.
     */
    ChannelFuture abort(CloseReason reason) {
        ctx.channel().config().setOption(ChannelOption.SO_LINGER, 0);
        return close(reason);
    }

    /** Closes the stream at once, counted as closed for {@code reason}. */
    ChannelFuture close(CloseReason reason) {
        closing = true;
        if (closeReason == null) {
            closeReason = reason;
        }
        return ctx.close();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            unwritableSince = 0;
            loopStreams.writable(this);
            if (subs != null) {
                batching = true;
                for (Subscription sub : subs) {
                    topics.catchUp(sub);
                }
                batching = false;
                ctx.flush();
            }
        } else if (unwritableSince == 0) {
            unwritableSince = Math.max(1, System.nanoTime());
            loopStreams.unwritable(this);
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
                    topics.unsubscribe(sub);
                }
            }
            subs = null;
        }
        loopStreams.remove(this);
        if (started) {
            counts.closed(closeReason != null ? closeReason : CloseReason.CLIENT);
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
