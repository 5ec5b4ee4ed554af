package io.pushgate.sse;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.pushgate.config.StreamSettings;
import io.pushgate.loops.LoopIndex;
import io.pushgate.loops.LoopTicker;
import io.pushgate.metrics.CloseReason;
import io.pushgate.metrics.StreamStats;
import io.pushgate.model.NodeStatus;
import io.pushgate.topics.Feeds;
import io.pushgate.topics.Topics;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The node's open SSE streams: the hand-over of a channel from its HTTP request to a stream (the
 * response head, then the pipeline stripped to the stream alone), and the one registry of open
 * streams, kept per event loop ({@link LoopStreams}), which counts them, heartbeats them, closes
 * slow consumers and ends them batch by batch when the node drains.
 *
 * <p>Thread rules: {@link #open} on the channel's loop; the rest on any thread.
 */
public final class Streams implements StreamStats {
    /** The content type of a stream, and of a stream refused for now. */
    public static final String CONTENT_TYPE = "text/event-stream; charset=utf-8";
    private final StreamSettings settings;
    private final Topics topics;
    private final Feeds feeds;
    private final LoopIndex loops;
    private final NodeStatus status;
    private final LoopStreams[] perLoop;
    private final StreamCounts counts = new StreamCounts();

    /** {@code tickers[i]} is the ticker of {@code loops.loop(i)}; each loop's streams tick with it. */
    public Streams(StreamSettings settings, Topics topics, Feeds feeds, LoopIndex loops, LoopTicker[] tickers,
                   NodeStatus status) {
        this.settings = settings;
        this.topics = topics;
        this.feeds = feeds;
        this.loops = loops;
        this.status = status;
        this.perLoop = new LoopStreams[loops.size()];
        for (int i = 0; i < perLoop.length; i++) {
            perLoop[i] = new LoopStreams(loops.loop(i), settings, counts, tickers[i].periodNanos());
            tickers[i].add(perLoop[i]);
        }
    }

    /** Open streams. The check against the limit may overshoot by the number of loops. */
    @Override
    public int count() {
        int open = 0;
        for (LoopStreams streams : perLoop) {
            open += streams.count();
        }
        return open;
    }

    public boolean atCapacity() {
        return count() >= settings.maxStreams();
    }

    @Override
    public long opened() {
        return counts.openedCount();
    }

    @Override
    public long closed(CloseReason reason) {
        return counts.closedCount(reason);
    }

    @Override
    public long slowDisconnects() {
        return counts.slowDisconnectCount();
    }

    /** A reconnect delay for one client: the base plus a random jitter, so reconnects spread. */
    public long retryMillis() {
        return settings.retryMillis();
    }

    /**
     * Answers {@code ctx}'s request with a stream head and turns the channel into an SSE stream of
     * what {@code plan} says (topics and feeds, events named when it says so). Every other handler leaves the
     * pipeline. A stream opened while the node drains is ended at once with a {@code retry:}; one
     * whose token is valid {@code until} a time (null: no end) is ended then, with an event that
     * says so; one opened with a token of {@code subject} (null: no token, or a token without
     * {@code sub}) is ended when the subject is revoked ({@link #endSubject}). A {@code closeDelimited}
     * stream (the request was HTTP/1.0, which knows no chunked coding) sends its events as they are
     * and ends by closing the connection. On the channel's loop.
     */
    public void open(ChannelHandlerContext ctx, StreamPlan plan, String subject, Instant until, boolean closeDelimited) {
        ctx.write(head(closeDelimited), ctx.voidPromise());
        ChannelPipeline pipeline = ctx.pipeline();
        SseStream stream = new SseStream(topics, feeds, perLoop[loops.of(ctx.channel().eventLoop())], counts, plan,
                bearer(subject, until), closeDelimited);
        pipeline.addLast("sse", stream);
        for (String name : new ArrayList<>(pipeline.names())) {
            if (!"sse".equals(name) && pipeline.context(name) != null) {
                pipeline.remove(name);
            }
        }
        stream.start(retryMillis());
        if (status.draining()) {
            stream.endWithRetry(retryMillis(), CloseReason.DRAIN);
        }
    }

    /** What a stream keeps of its token; null without one, so a stream opened without a token keeps nothing. */
    private static Bearer bearer(String subject, Instant until) {
        if (subject == null && until == null) {
            return null;
        }
        // The loop's tick compares nanoTime deadlines: the wall-clock expiry becomes one here.
        long expires = until == null ? 0
                : Math.max(1, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.max(0, until.toEpochMilli() - System.currentTimeMillis())));
        return new Bearer(subject, expires);
    }

    /**
     * Ends, on every loop, the streams opened with a token of {@code subject}, each with a last
     * event {@code pushgate.closed: revoked}; completes with how many were ended.
     */
    public CompletableFuture<Integer> endSubject(String subject) {
        AtomicInteger ended = new AtomicInteger();
        return forEveryLoop(streams -> ended.addAndGet(streams.endSubject(subject))).thenApply(done -> ended.get());
    }

    /**
     * The response head of a stream; also what a HEAD request gets. Chunked, or, when
     * {@code closeDelimited}, a body that the close of the connection ends: a server may answer an
     * HTTP/1.0 client with an HTTP/1.1 status line but must not send it chunked (RFC 9112, 6.1).
     */
    public static HttpResponse head(boolean closeDelimited) {
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, CONTENT_TYPE)
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE)
                .set("X-Accel-Buffering", "no");
        if (closeDelimited) {
            head.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else {
            head.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        }
        return head;
    }

    /**
     * Notes, on every loop, the streams open now as the ones to end for {@code reason} (a drain,
     * a hand-over after the broker was lost); completes when every loop has. During a drain,
     * streams opened later are ended as they open ({@link #open}).
     */
    public CompletableFuture<Void> beginEnding(CloseReason reason) {
        return forEveryLoop(streams -> streams.beginEnding(reason));
    }

    /** Ends batch {@code batch} of {@code batches} of each loop's noted streams, each with a jittered {@code retry:}. */
    public void endBatch(int batch, int batches) {
        forEveryLoop(streams -> streams.endBatch(batch, batches));
    }

    /** Closes every stream at once (the end of a drain, or a hard stop); completes when all are closed. */
    public CompletableFuture<Void> closeAll() {
        return onEveryLoop(LoopStreams::closeAll);
    }

    /** Runs {@code task} on every loop; completes when every loop has run it. */
    private CompletableFuture<Void> forEveryLoop(Consumer<LoopStreams> task) {
        return onEveryLoop(streams -> {
            task.accept(streams);
            return CompletableFuture.completedFuture(null);
        });
    }

    /** Runs {@code task} on every loop; completes when each loop's result has (a loop already shut down has no streams). */
    private CompletableFuture<Void> onEveryLoop(Function<LoopStreams, CompletableFuture<Void>> task) {
        CompletableFuture<?>[] done = new CompletableFuture<?>[perLoop.length];
        for (int i = 0; i < perLoop.length; i++) {
            LoopStreams streams = perLoop[i];
            CompletableFuture<Void> loopDone = new CompletableFuture<>();
            done[i] = loopDone;
            try {
                streams.loop().execute(() -> task.apply(streams).whenComplete((ok, failure) -> loopDone.complete(null)));
            } catch (RejectedExecutionException rejected) {
                loopDone.complete(null);
            }
        }
        return CompletableFuture.allOf(done);
    }
}
