package io.pushgate.sse;

import io.pushgate.wire.LastEventId;
import io.pushgate.metrics.CloseReason;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.ChannelGroupFuture;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.pushgate.config.Config;
import io.pushgate.loops.LoopIndex;
import io.pushgate.hub.TopicHub;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;

/**
 * All SSE streams of a node: opens them (the response head, then the pipeline stripped to the
 * stream alone), keeps them in one {@link ChannelGroup} (counting, drain, shutdown), and runs one
 * {@link StreamSupervisor} per event loop (its own streams: heartbeats, slow consumers).
 *
 * <p>Thread rules: {@link #open} on the channel's loop; the rest on any thread.
 */
public final class Streams {
    private final Config config;
    private final TopicHub hub;
    private final LoopIndex loops;
    private final ChannelGroup group = new DefaultChannelGroup("sse-streams", GlobalEventExecutor.INSTANCE);
    private final StreamSupervisor[] supervisors;
    private final LongAdder slowDisconnects = new LongAdder();
    private final LongAdder opened = new LongAdder();
    private final LongAdder[] closed = new LongAdder[CloseReason.values().length];
    private volatile boolean stopping;

    public Streams(Config config, TopicHub hub, LoopIndex loops) {
        this.config = config;
        this.hub = hub;
        this.loops = loops;
        for (int i = 0; i < closed.length; i++) {
            closed[i] = new LongAdder();
        }
        this.supervisors = new StreamSupervisor[loops.size()];
        for (int i = 0; i < supervisors.length; i++) {
            supervisors[i] = new StreamSupervisor(loops.loop(i), config.heartbeat(), config.slowConsumerTimeout(),
                    slowDisconnects);
        }
    }

    /** Starts the per-loop supervisors. */
    public void start() {
        for (StreamSupervisor supervisor : supervisors) {
            supervisor.loop().execute(supervisor::start);
        }
    }

    /** Open streams. The check against the limit may overshoot by the number of loops. */
    public int count() {
        return group.size();
    }

    public boolean atCapacity() {
        return group.size() >= config.maxStreams();
    }

    /** Streams closed because they stayed unwritable past the limit. */
    public long slowDisconnects() {
        return slowDisconnects.sum();
    }

    /** Streams that began (their response head went out on an open connection). */
    public long opened() {
        return opened.sum();
    }

    /** Streams that ended for {@code reason}. */
    public long closed(CloseReason reason) {
        return closed[reason.ordinal()].sum();
    }

    /** Counts a stream that began; on its loop. */
    void countOpened() {
        opened.increment();
    }

    /** Counts a stream that ended; {@code reason} is null when nobody on this side closed it. */
    void countClosed(CloseReason reason) {
        CloseReason counted = reason != null ? reason : stopping ? CloseReason.DRAIN : CloseReason.CLIENT;
        closed[counted.ordinal()].increment();
    }

    /**
     * Answers {@code ctx}'s request with a stream head and turns the channel into an SSE stream of
     * {@code topics}. Every other handler leaves the pipeline. On the channel's loop.
     */
    public void open(ChannelHandlerContext ctx, List<String> topics, boolean multiTopic, LastEventId resume,
                     boolean draining) {
        ctx.write(head(), ctx.voidPromise());
        Channel channel = ctx.channel();
        ChannelPipeline pipeline = ctx.pipeline();
        SseStream stream = new SseStream(this, hub, supervisors[loops.of(channel.eventLoop())],
                topics.toArray(new String[0]), multiTopic, resume);
        pipeline.addLast("sse", stream);
        for (String name : new ArrayList<>(pipeline.names())) {
            if (!"sse".equals(name) && pipeline.context(name) != null) {
                pipeline.remove(name);
            }
        }
        group.add(channel);
        stream.start(retryMillis());
        if (draining) {
            stream.drain(retryMillis());
        }
    }

    /** The response head of a stream; also what a HEAD request gets. */
    public static HttpResponse head() {
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8")
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE)
                .set("X-Accel-Buffering", "no")
                .set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        return head;
    }

    /** A reconnect delay for one client: the base plus a random jitter, so reconnects spread. */
    public long retryMillis() {
        long base = config.retry().toMillis();
        long jitter = config.retryJitter().toMillis();
        return base + (jitter > 0 ? ThreadLocalRandom.current().nextLong(jitter + 1) : 0);
    }

    /** A snapshot of the open streams' channels. */
    public List<Channel> channels() {
        return new ArrayList<>(group);
    }

    /** Closes {@code channel}'s stream with a jittered {@code retry:} and the last chunk; any thread. */
    public void drain(Channel channel) {
        channel.eventLoop().execute(() -> {
            SseStream stream = channel.pipeline().get(SseStream.class);
            if (stream != null) {
                stream.drain(retryMillis());
            } else {
                channel.close();
            }
        });
    }

    /** Closes every stream at once (the end of a drain, or a hard stop). */
    public ChannelGroupFuture closeAll() {
        stopping = true;
        return group.close();
    }
}
