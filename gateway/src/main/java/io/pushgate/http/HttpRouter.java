package io.pushgate.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.PrematureChannelClosureException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.ReferenceCountUtil;
import io.pushgate.metrics.AuthFailures;
import io.pushgate.metrics.StreamRefusal;
import io.pushgate.metrics.HttpErrors;
import io.pushgate.model.NodeStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;
import java.util.function.LongSupplier;

/**
 * Takes each whole request of a connection to its {@link Resource} through the {@link Routes}
 * table, and writes the answers in request order (HTTP/1.1 pipelining): while a resource waits
 * for the broker, later requests wait in a small queue. It also answers what no resource sees: a
 * request the decoder refused (400, 431), a connection over the accept rate (429), OPTIONS, a
 * method the resource does not take (405), a path no route has (404).
 *
 * <p>Thread rules: one per channel, on its loop; broker answers are brought back to the loop.
 */
final class HttpRouter extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger log = LoggerFactory.getLogger(HttpRouter.class);
    private static final int MAX_QUEUED = 16;
    static final String MALFORMED_ESCAPE = "malformed percent-encoding in the URL";

    private final Routes routes;
    private final HttpErrors errors;
    private final AuthFailures authFailures;
    private final NodeStatus status;
    private final boolean overAcceptRate;
    /** The {@code retry:} of a refused stream: the streams' base plus a jitter. */
    private final LongSupplier retryMillis;
    /** The Keep-Alive header's value, or null when none is sent. */
    private final String keepAliveTimeout;
    private final ArrayDeque<FullHttpRequest> queued = new ArrayDeque<>(0);
    private RequestDeadline deadline;
    private boolean inFlight;
    /** The client went away and that was logged: a reset and the cut-off request it leaves are one event. */
    private boolean gone;

    /** {@code keepAliveSeconds}: how long an idle kept-alive connection stays, told to clients; 0 tells nothing. */
    HttpRouter(Routes routes, HttpErrors errors, AuthFailures authFailures, NodeStatus status, boolean overAcceptRate,
               long keepAliveSeconds, LongSupplier retryMillis) {
        super(false);
        this.retryMillis = retryMillis;
        this.routes = routes;
        this.errors = errors;
        this.authFailures = authFailures;
        this.status = status;
        this.overAcceptRate = overAcceptRate;
        this.keepAliveTimeout = keepAliveSeconds > 0 ? "timeout=" + keepAliveSeconds : null;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        deadline = ctx.pipeline().get(RequestDeadline.class);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        if (deadline != null) {
            deadline.disarm();
        }
        if (inFlight) {
            queued.add(request);
            if (queued.size() >= MAX_QUEUED) {
                ctx.channel().config().setAutoRead(false);
            }
            return;
        }
        handle(ctx, request);
    }

    private void handle(ChannelHandlerContext ctx, FullHttpRequest request) {
        try {
            route(ctx, request);
        } finally {
            request.release();
        }
    }

    private void route(ChannelHandlerContext ctx, FullHttpRequest request) {
        if (!request.decoderResult().isSuccess()) {
            Throwable cause = request.decoderResult().cause();
            if (cause instanceof PrematureChannelClosureException) {
                clientGone(ctx, cause);
            } else if (cause instanceof TooLongFrameException) {
                fail(ctx, request, Responses.text(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
                        "request line or headers too large"), "request line or headers too large", true);
            } else {
                fail(ctx, request, Responses.text(HttpResponseStatus.BAD_REQUEST, "malformed request"),
                        "malformed request", true);
            }
            return;
        }
        QueryStringDecoder uri = new QueryStringDecoder(request.uri());
        Routes.Match match;
        try {
            // Decoded here, once, so that a malformed escape (%zz, a lone %) is this request's 400,
            // not an exception out of whichever resource first reads the query.
            uri.parameters();
            match = routes.match(uri.rawPath());
        } catch (IllegalArgumentException malformed) {
            fail(ctx, request, Responses.text(HttpResponseStatus.BAD_REQUEST, MALFORMED_ESCAPE), MALFORMED_ESCAPE, false);
            return;
        }
        if (overAcceptRate) {
            if (match != null && match.resource().streams() && request.method().equals(HttpMethod.GET)) {
                refuseStream(ctx, request, StreamRefusal.ACCEPT_RATE, "too many new connections, retry later");
            } else {
                FullHttpResponse response = Responses.text(HttpResponseStatus.TOO_MANY_REQUESTS,
                        "too many new connections, retry later");
                response.headers().set(HttpHeaderNames.RETRY_AFTER, "1");
                fail(ctx, request, response, "over the accept rate", true);
            }
            return;
        }
        if (match == null) {
            fail(ctx, request, Responses.text(HttpResponseStatus.NOT_FOUND, "no such resource"), "no such resource", false);
            return;
        }
        HttpMethod method = request.method();
        Resource resource = match.resource();
        if (method.equals(HttpMethod.OPTIONS)) {
            FullHttpResponse response = Responses.empty(HttpResponseStatus.NO_CONTENT);
            response.headers().set(HttpHeaderNames.ALLOW, Responses.allow(resource.methods()));
            respond(ctx, request, response);
        } else if (!resource.methods().contains(method)) {
            FullHttpResponse response = Responses.text(HttpResponseStatus.METHOD_NOT_ALLOWED, "method not allowed");
            response.headers().set(HttpHeaderNames.ALLOW, Responses.allow(resource.methods()));
            fail(ctx, request, response, "method " + method + " not allowed", false);
        } else {
            resource.handle(new Exchange(this, ctx, request, uri), match.param());
        }
    }

    /** See {@link Exchange#await}. */
    <T> void await(ChannelHandlerContext ctx, FullHttpRequest request, CompletionStage<T> stage,
                   BiConsumer<T, Throwable> then) {
        CompletableFuture<T> future = stage.toCompletableFuture();
        if (future.isDone()) {
            // Answered already (the embedded broker, a topic this node serves): no hop through the loop's queue.
            Throwable failure = future.isCompletedExceptionally() ? future.handle((value, e) -> e).join() : null;
            then.accept(failure == null ? future.join() : null, failure);
            return;
        }
        inFlight = true;
        request.retain();
        future.whenComplete((value, failure) -> ctx.executor().execute(() -> {
            inFlight = false;
            try {
                then.accept(value, failure);
            } finally {
                request.release();
            }
            answerQueued(ctx);
        }));
    }

    /** Answers the requests that waited behind a broker call, in order. */
    private void answerQueued(ChannelHandlerContext ctx) {
        while (!inFlight && !queued.isEmpty() && ctx.channel().isActive()) {
            handle(ctx, queued.poll());
        }
        if (queued.isEmpty() && ctx.channel().isActive() && !ctx.channel().config().isAutoRead()) {
            ctx.channel().config().setAutoRead(true);
        }
    }

    /** The connection became an SSE stream and this handler left the pipeline: requests queued behind it are dropped. */
    void handedOver() {
        dropQueued();
    }

    private void dropQueued() {
        queued.forEach(ReferenceCountUtil::release);
        queued.clear();
    }

    /** Counts and logs an error answer once, then sends it; {@code close} ends the connection after it. */
    void fail(ChannelHandlerContext ctx, FullHttpRequest request, FullHttpResponse response, String reason,
              boolean close) {
        errors.count(response.status());
        // The path only: a query may carry a token (access_token), and no token is ever logged.
        log.debug("{} to {} {} from {}: {}", response.status().code(), request.method(), pathOf(request.uri()),
                ctx.channel().remoteAddress(), reason);
        if (close) {
            Responses.closing(response);
        }
        respond(ctx, request, response);
    }

    /** Refuses a stream for now (see {@link Exchange#refuseStream}): counted by reason, logged at DEBUG, connection closed. */
    void refuseStream(ChannelHandlerContext ctx, FullHttpRequest request, StreamRefusal reason, String why) {
        errors.refused(reason);
        log.debug("stream {} from {} refused for now: {}", pathOf(request.uri()), ctx.channel().remoteAddress(), why);
        respond(ctx, request, Responses.streamRefusal(why, retryMillis.getAsLong()));
    }

    /** Counts a request refused for its token. */
    void authFailure(String reason) {
        authFailures.count(reason);
    }

    private static String pathOf(String uri) {
        int query = uri.indexOf('?');
        return query < 0 ? uri : uri.substring(0, query);
    }

    /** Writes a response; HttpServerKeepAliveHandler closes the connection when either side asked. */
    void respond(ChannelHandlerContext ctx, FullHttpRequest request, FullHttpResponse response) {
        if (status.draining()) {
            Responses.closing(response);
        }
        if (request.method().equals(HttpMethod.HEAD)) {
            int length = response.content().readableBytes();
            response.content().clear();
            if (response.status().code() != 304) {
                response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, length);
            }
        }
        boolean keepAlive = HttpUtil.isKeepAlive(request) && HttpUtil.isKeepAlive(response);
        if (keepAlive && keepAliveTimeout != null) {
            // An idle keep-alive connection is closed after --header-timeout: say so (RFC 9112
            // Keep-Alive), so clients stop reusing it before, not race the close with a request.
            response.headers().set(HttpHeaderNames.KEEP_ALIVE, keepAliveTimeout);
        }
        ctx.writeAndFlush(response, ctx.voidPromise());
        if (keepAlive && deadline != null) {
            deadline.arm();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        dropQueued();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A reset, a broken pipe, a body cut off by the close (the aggregator's premature closure):
        // what a client that goes away leaves behind, no fault of the node.
        if (cause instanceof IOException || cause instanceof PrematureChannelClosureException) {
            clientGone(ctx, cause);
        } else {
            log.error("connection {} failed", ctx.channel(), cause);
        }
        ctx.close();
    }

    /** The client went away: nobody to answer, nothing for an operator to do; one DEBUG line per connection. */
    private void clientGone(ChannelHandlerContext ctx, Throwable cause) {
        if (!gone) {
            gone = true;
            log.debug("connection {} ended by the client: {}", ctx.channel(), cause.toString());
        }
        ctx.close();
    }
}
