package io.pushgate.sse;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.unix.Socket;
import io.netty.util.ReferenceCountUtil;
import io.pushgate.hub.FeedSubscriber;
import io.pushgate.hub.FeedSubscription;
import io.pushgate.hub.Framing;
import io.pushgate.hub.Subscriber;
import io.pushgate.hub.Subscription;
import io.pushgate.metrics.CloseReason;
import io.pushgate.topics.Feeds;
import io.pushgate.topics.Topics;
import io.pushgate.wire.LastEventId;
import io.pushgate.wire.SseFrames;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * An open SSE stream: after its response head it is the only handler of its channel. It holds one
 * {@link Subscription} per topic and one {@link FeedSubscription} per feed, takes frames from the
 * hubs, tells its loop's {@link LoopStreams} when it stops being writable, and when it is writable
 * again catches up: with the newest version of each topic, and with every feed event after its cursor.
 *
 * <p>A stream of two or more feeds follows each feed event with an id-only frame that names every
 * feed's cursor ({@link SseFrames#cursors}): the browser sends that back as its {@code Last-Event-ID},
 * so a reconnect resumes all feeds. It is the one frame written per subscriber.
 *
 * <p>Thread rules: one per channel, touched only on the channel's event loop.
 */
final class SseStream extends ChannelInboundHandlerAdapter implements Subscriber, FeedSubscriber {
    private static final Logger log = LoggerFactory.getLogger(SseStream.class);

    private static final FeedSubscription[] NO_FEEDS = new FeedSubscription[0];

    private final Topics topics;
    private final Feeds feeds;
    private final LoopStreams loopStreams;
    private final StreamCounts counts;
    /** The body is the events as they are, ended by the close (HTTP/1.0), not chunks. */
    private final boolean closeDelimited;
    /** Needed only until {@link #start}: dropped then, an idle stream keeps only what it uses. */
    private StreamPlan plan;
    private ChannelHandlerContext ctx;
    /** Where a frame can skip the channel's queue ({@link DirectSend}), from the start on; null where it cannot (other transports, close-delimited bodies). */
    private Socket socket;
    /**
     * Whether the channel's queue may hold bytes: set by every write through the pipeline, cleared
     * when a frame for the socket finds the queue empty. While clear, a delivery reads this stream
     * and its socket, not the channel, its context, unsafe and queue: four objects fewer per
     * subscriber, each a likely cache miss by the time its topic's next update comes
     * (bench/RESULTS.md, "Reading a batch of subscribers before writing to them").
     */
    private boolean queued = true;
    private Subscription[] subs;
    private FeedSubscription[] feedSubs = NO_FEEDS;
    /** A stream of several feeds: each feed's name, and room for the cursors of its cursor frame; else null. */
    private byte[][] cursorNames;
    private String[] cursorEpochs;
    private long[] cursorSeqs;
    private boolean batching;
    /** Feeds whose start is not answered yet: until then nothing is flushed, not even the head. */
    private int unstartedFeeds;
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

    SseStream(Topics topics, Feeds feeds, LoopStreams loopStreams, StreamCounts counts, StreamPlan plan, Bearer bearer,
              boolean closeDelimited) {
        this.bearer = bearer;
        this.closeDelimited = closeDelimited;
        this.topics = topics;
        this.feeds = feeds;
        this.loopStreams = loopStreams;
        this.counts = counts;
        this.plan = plan;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    /**
     * Sends the retry hint and subscribes: the latest versions go out at once, in one flush; the
     * feeds' events follow as soon as each feed's home loop has answered.
     */
    void start(long retryMillis) {
        if (!ctx.channel().isActive()) {
            return;
        }
        // Straight to the socket only as the channel's one handler (no handler would miss the bytes), and
        // only for chunked bodies: a close-delimited one sends a slice of each frame (SseFrames.unchunked).
        socket = !closeDelimited && ctx.pipeline().first() == this && ctx.pipeline().last() == this
                ? DirectSend.socketOf(ctx.channel()) : null;
        // Counted here, not at open: only a stream that began on an open channel sees its channelInactive.
        started = true;
        counts.opened();
        lastWrite = loopStreams.clock;
        loopStreams.add(this);
        batching = true;
        write(SseFrames.retry(ctx.alloc(), retryMillis));
        List<String> names = plan.topics();
        LastEventId resume = plan.topicResume();
        Framing framing = plan.feeds().isEmpty() ? Framing.of(plan.named()) : Framing.NAMED_WITHOUT_ID;
        subs = new Subscription[names.size()];
        for (int i = 0; i < subs.length; i++) {
            String name = names.get(i);
            boolean resumes = resume != null && resume.describes(name, plan.named());
            subs[i] = topics.subscribe(ctx.channel().eventLoop(), name, this, framing,
                    resumes ? resume.epoch() : null, resumes ? resume.version() : 0);
        }
        List<String> feedNames = plan.feeds();
        if (feedNames.size() > 1) {
            cursorNames = new byte[feedNames.size()][];
            for (int i = 0; i < cursorNames.length; i++) {
                cursorNames[i] = feedNames.get(i).getBytes(StandardCharsets.US_ASCII);
            }
            cursorEpochs = new String[cursorNames.length];
            cursorSeqs = new long[cursorNames.length];
        }
        if (!feedNames.isEmpty()) {
            unstartedFeeds = feedNames.size();
            feedSubs = new FeedSubscription[feedNames.size()];
            for (int i = 0; i < feedSubs.length; i++) {
                feedSubs[i] = feeds.subscribe(ctx.channel().eventLoop(), feedNames.get(i), this, plan.named(),
                        plan.feedStarts().get(i));
            }
        }
        plan = null;
        batching = false;
        flush();
        if (!ctx.channel().isWritable()) {
            channelWritabilityChanged(ctx);
        }
    }

    @Override
    public boolean isWritable() {
        // Nothing queued: writable while open (the write-buffer marks count queued bytes only).
        return !closing && (queued ? ctx.channel().isWritable() : socket.isOpen());
    }

    @Override
    public void writeShared(ByteBuf frame) {
        lastWrite = loopStreams.clock;
        int sent = DirectSend.QUEUE;
        if (socket != null && !batching && unstartedFeeds == 0 && !closing) {
            if (queued) {
                queued = !DirectSend.queueEmpty(ctx.channel());
            }
            if (!queued) {
                sent = DirectSend.send(socket, frame);
            }
        }
        // Queued: what the kernel did not take, all of it when nothing was sent.
        int from = Math.max(0, sent);
        int length = frame.readableBytes();
        if (from < length) {
            write(frame.retainedSlice(frame.readerIndex() + from, length - from));
            flush();
        }
    }

    @Override
    public void writeFeedEvent(ByteBuf frame) {
        lastWrite = loopStreams.clock;
        write(frame);
        if (cursorNames != null) {
            for (int i = 0; i < feedSubs.length; i++) {
                FeedSubscription sub = feedSubs[i];
                cursorEpochs[i] = sub == null ? null : sub.epoch();
                cursorSeqs[i] = sub == null ? 0 : sub.seq();
            }
            ByteBuf cursors = SseFrames.cursors(ctx.alloc(), cursorNames, cursorEpochs, cursorSeqs);
            if (cursors != null) {
                write(cursors);
            }
        }
    }

    @Override
    public void writeControl(ByteBuf frame) {
        lastWrite = loopStreams.clock;
        write(frame);
    }

    @Override
    public void flush() {
        if (!batching && unstartedFeeds == 0) {
            ctx.flush();
        }
    }

    @Override
    public void feedStarted() {
        if (--unstartedFeeds == 0) {
            flush();
        }
    }

    /**
     * Writes {@code chunk}, one of {@link SseFrames}' chunks, taking ownership: as it is, or on a
     * close-delimited stream its events alone (a slice of the same buffer, so the hub's frame stays
     * encoded once and shared).
     */
    private void write(ByteBuf chunk) {
        queued = true;
        ctx.write(closeDelimited ? SseFrames.unchunked(chunk) : chunk, ctx.voidPromise());
    }

    /**
     * A comment heartbeat, from the loop's tick to a stream silent for an interval: the shared
     * chunk, sent as a version's frame is ({@link #writeShared}: one {@code send()} from its memory
     * while nothing is queued). An unwritable stream has bytes queued that will reach the client;
     * it gets none.
     */
    void heartbeat() {
        if (isWritable()) {
            writeShared(LoopStreams.HEARTBEAT);
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
                for (FeedSubscription sub : feedSubs) {
                    feeds.catchUp(sub);
                }
                batching = false;
                flush();
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
        for (FeedSubscription sub : feedSubs) {
            if (sub != null) {
                feeds.unsubscribe(sub);
            }
        }
        feedSubs = NO_FEEDS;
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
