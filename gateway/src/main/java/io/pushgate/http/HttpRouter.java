package io.pushgate.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.ReferenceCountUtil;
import io.pushgate.model.TopicVersion;
import io.pushgate.model.TopicNames;
import io.pushgate.wire.LastEventId;
import io.pushgate.sse.Streams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionStage;

/**
 * The REST surface of DESIGN.md: routes one whole request, answers it, or hands the channel over
 * to an SSE stream. Requests are answered in order (HTTP/1.1 pipelining): while a broker call is
 * under way, later requests wait in a small queue.
 *
 * <p>Thread rules: one per channel, on its loop; broker answers are brought back to the loop.
 */
public final class HttpRouter extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger log = LoggerFactory.getLogger(HttpRouter.class);
    private static final String TOPICS = "/topics/";
    private static final String EVENTS_SUFFIX = "/events";
    private static final int MAX_QUEUED = 16;

    private final RouterContext context;
    private final boolean overAcceptRate;
    private final String keepAliveTimeout;
    private final ArrayDeque<FullHttpRequest> queued = new ArrayDeque<>(0);
    private RequestDeadline deadline;
    private boolean inFlight;

    public HttpRouter(RouterContext context, boolean overAcceptRate) {
        super(false);
        this.context = context;
        this.overAcceptRate = overAcceptRate;
        this.keepAliveTimeout = "timeout=" + Math.max(1, context.config().headerTimeout().toSeconds() - 1);
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
            if (cause instanceof TooLongFrameException) {
                fail(ctx, request, HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "request line or headers too large", true);
            } else {
                fail(ctx, request, HttpResponseStatus.BAD_REQUEST, "malformed request", true);
            }
            return;
        }
        if (overAcceptRate) {
            FullHttpResponse response = Responses.text(HttpResponseStatus.TOO_MANY_REQUESTS, "too many new connections, retry later");
            response.headers().set(HttpHeaderNames.RETRY_AFTER, "1");
            fail(ctx, request, response, "over the accept rate", true);
            return;
        }
        QueryStringDecoder uri = new QueryStringDecoder(request.uri());
        String path = uri.path();
        HttpMethod method = request.method();
        if (path.equals("/") || path.equals("/index.html")) {
            if (allowed(ctx, request, "GET, HEAD, OPTIONS")) {
                respond(ctx, request, Responses.full(HttpResponseStatus.OK, "text/html; charset=utf-8",
                        Unpooled.wrappedBuffer(context.demo().html())));
            }
        } else if (path.equals("/events")) {
            if (allowed(ctx, request, "GET, HEAD, OPTIONS")) {
                List<String> topics = uri.parameters().getOrDefault("topic", List.of());
                openStream(ctx, request, uri, topics, true);
            }
        } else if (path.startsWith(TOPICS) && path.endsWith(EVENTS_SUFFIX)
                && path.length() > TOPICS.length() + EVENTS_SUFFIX.length()) {
            if (allowed(ctx, request, "GET, HEAD, OPTIONS")) {
                String topic = path.substring(TOPICS.length(), path.length() - EVENTS_SUFFIX.length());
                openStream(ctx, request, uri, List.of(topic), false);
            }
        } else if (path.startsWith(TOPICS) && path.length() > TOPICS.length()
                && path.indexOf('/', TOPICS.length()) < 0) {
            String topic = path.substring(TOPICS.length());
            if (method.equals(HttpMethod.PUT)) {
                publish(ctx, request, topic);
            } else if (allowed(ctx, request, "GET, HEAD, PUT, OPTIONS")) {
                read(ctx, request, topic);
            }
        } else {
            fail(ctx, request, HttpResponseStatus.NOT_FOUND, "no such resource", false);
        }
    }

    /** Answers OPTIONS and wrong methods; true when the request is a GET or HEAD to go on with. */
    private boolean allowed(ChannelHandlerContext ctx, FullHttpRequest request, String allow) {
        HttpMethod method = request.method();
        if (method.equals(HttpMethod.GET) || method.equals(HttpMethod.HEAD)) {
            return true;
        }
        if (method.equals(HttpMethod.OPTIONS)) {
            FullHttpResponse response = Responses.empty(HttpResponseStatus.NO_CONTENT);
            response.headers().set(HttpHeaderNames.ALLOW, allow);
            respond(ctx, request, response);
            return false;
        }
        FullHttpResponse response = Responses.text(HttpResponseStatus.METHOD_NOT_ALLOWED, "method not allowed");
        response.headers().set(HttpHeaderNames.ALLOW, allow);
        fail(ctx, request, response, "method " + method + " not allowed", false);
        return false;
    }

    private void openStream(ChannelHandlerContext ctx, FullHttpRequest request, QueryStringDecoder uri,
                            List<String> requested, boolean multiTopic) {
        Set<String> topics = new LinkedHashSet<>(requested);
        if (topics.isEmpty()) {
            fail(ctx, request, HttpResponseStatus.BAD_REQUEST, "name at least one topic: /events?topic=a&topic=b", false);
            return;
        }
        if (topics.size() > context.config().maxTopicsPerStream()) {
            fail(ctx, request, HttpResponseStatus.BAD_REQUEST,
                    "too many topics (at most " + context.config().maxTopicsPerStream() + ")", false);
            return;
        }
        for (String topic : topics) {
            if (!TopicNames.isValid(topic)) {
                fail(ctx, request, HttpResponseStatus.BAD_REQUEST, "invalid topic name (allowed: [A-Za-z0-9._:-]{1,128})", false);
                return;
            }
        }
        if (request.method().equals(HttpMethod.HEAD)) {
            HttpResponse head = Streams.head();
            head.headers().remove(HttpHeaderNames.TRANSFER_ENCODING).setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
            FullHttpResponse response = Responses.empty(HttpResponseStatus.OK);
            response.headers().set(head.headers());
            respond(ctx, request, response);
            return;
        }
        Streams streams = context.streams();
        if (streams.atCapacity()) {
            FullHttpResponse response = Responses.text(HttpResponseStatus.SERVICE_UNAVAILABLE, "node at its stream limit, retry later");
            response.headers().set(HttpHeaderNames.RETRY_AFTER, Long.toString(Math.max(1, streams.retryMillis() / 1000)));
            fail(ctx, request, response, "stream limit reached", false);
            return;
        }
        String lastEventId = request.headers().get("Last-Event-ID");
        if (lastEventId == null) {
            List<String> fromQuery = uri.parameters().get("lastEventId");
            lastEventId = fromQuery == null || fromQuery.isEmpty() ? null : fromQuery.get(0);
        }
        streams.open(ctx, new ArrayList<>(topics), multiTopic, LastEventId.parse(lastEventId),
                context.draining().getAsBoolean());
        // This handler has left the pipeline: requests queued behind the stream are dropped.
        queued.forEach(ReferenceCountUtil::release);
        queued.clear();
    }

    private void read(ChannelHandlerContext ctx, FullHttpRequest request, String topic) {
        if (!TopicNames.isValid(topic)) {
            fail(ctx, request, HttpResponseStatus.BAD_REQUEST, "invalid topic name (allowed: [A-Za-z0-9._:-]{1,128})", false);
            return;
        }
        TopicVersion served = context.hub().latestServed(topic);
        if (served != null) {
            answerRead(ctx, request, served);
            return;
        }
        request.retain();
        await(ctx, context.broker().latest(topic), (latest, failure) -> {
            try {
                if (failure != null) {
                    brokerDown(ctx, request, failure);
                } else {
                    answerRead(ctx, request, latest);
                }
            } finally {
                request.release();
            }
        });
    }

    private void answerRead(ChannelHandlerContext ctx, FullHttpRequest request, TopicVersion latest) {
        if (latest == null) {
            fail(ctx, request, HttpResponseStatus.NOT_FOUND, "topic has no version yet", false);
            return;
        }
        String etag = "\"" + latest.id() + "\"";
        String ifNoneMatch = request.headers().get(HttpHeaderNames.IF_NONE_MATCH);
        FullHttpResponse response;
        if (ifNoneMatch != null && matches(ifNoneMatch, etag)) {
            response = Responses.empty(HttpResponseStatus.NOT_MODIFIED);
            response.headers().remove(HttpHeaderNames.CONTENT_LENGTH);
        } else {
            response = Responses.full(HttpResponseStatus.OK, "text/plain; charset=utf-8",
                    Unpooled.wrappedBuffer(latest.text()));
        }
        response.headers().set(HttpHeaderNames.ETAG, etag).set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE);
        respond(ctx, request, response);
    }

    /** RFC 9110 If-None-Match: "*" or a list of entity tags, compared weakly. */
    static boolean matches(String ifNoneMatch, String etag) {
        for (String candidate : ifNoneMatch.split(",")) {
            String tag = candidate.trim();
            if (tag.startsWith("W/")) {
                tag = tag.substring(2);
            }
            if (tag.equals("*") || tag.equals(etag)) {
                return true;
            }
        }
        return false;
    }

    private void publish(ChannelHandlerContext ctx, FullHttpRequest request, String topic) {
        if (!TopicNames.isValid(topic)) {
            fail(ctx, request, HttpResponseStatus.BAD_REQUEST, "invalid topic name (allowed: [A-Za-z0-9._:-]{1,128})", false);
            return;
        }
        ByteBuf body = request.content();
        if (!ByteBufUtil.isText(body, StandardCharsets.UTF_8)) {
            fail(ctx, request, HttpResponseStatus.BAD_REQUEST, "text is not valid UTF-8", false);
            return;
        }
        byte[] text = ByteBufUtil.getBytes(body);
        request.retain();
        await(ctx, context.broker().publish(topic, text), (published, failure) -> {
            try {
                if (failure != null) {
                    brokerDown(ctx, request, failure);
                    return;
                }
                String json = "{\"topic\":\"" + published.topic() + "\",\"version\":" + published.version()
                        + ",\"epoch\":\"" + published.epoch() + "\"}";
                FullHttpResponse response = Responses.full(HttpResponseStatus.OK, "application/json",
                        Unpooled.wrappedBuffer(json.getBytes(StandardCharsets.UTF_8)));
                response.headers().set(HttpHeaderNames.ETAG, "\"" + published.id() + "\"");
                respond(ctx, request, response);
            } finally {
                request.release();
            }
        });
    }

    private void brokerDown(ChannelHandlerContext ctx, FullHttpRequest request, Throwable failure) {
        log.warn("broker call for {} {} failed: {}", request.method(), request.uri(), failure.toString());
        FullHttpResponse response = Responses.text(HttpResponseStatus.SERVICE_UNAVAILABLE, "broker unavailable, retry later");
        response.headers().set(HttpHeaderNames.RETRY_AFTER, "1");
        fail(ctx, request, response, "broker unavailable", false);
    }

    /** Waits for a broker answer on this channel's loop; later requests queue until it is in. */
    private <T> void await(ChannelHandlerContext ctx, CompletionStage<T> stage, java.util.function.BiConsumer<T, Throwable> then) {
        inFlight = true;
        stage.whenComplete((value, failure) -> ctx.executor().execute(() -> {
            inFlight = false;
            then.accept(value, failure);
            drainQueue(ctx);
        }));
    }

    private void drainQueue(ChannelHandlerContext ctx) {
        while (!inFlight && !queued.isEmpty() && ctx.channel().isActive()) {
            handle(ctx, queued.poll());
        }
        if (queued.isEmpty() && ctx.channel().isActive() && !ctx.channel().config().isAutoRead()) {
            ctx.channel().config().setAutoRead(true);
        }
    }

    private void fail(ChannelHandlerContext ctx, FullHttpRequest request, HttpResponseStatus status, String reason,
                      boolean close) {
        fail(ctx, request, Responses.text(status, reason), reason, close);
    }

    private void fail(ChannelHandlerContext ctx, FullHttpRequest request, FullHttpResponse response, String reason,
                      boolean close) {
        context.errors().count(response.status());
        log.debug("{} to {} {} from {}: {}", response.status().code(), request.method(), request.uri(),
                ctx.channel().remoteAddress(), reason);
        if (close) {
            Responses.closing(response);
        }
        respond(ctx, request, response);
    }

    /** Writes a response; HttpServerKeepAliveHandler closes the connection when either side asked. */
    private void respond(ChannelHandlerContext ctx, FullHttpRequest request, FullHttpResponse response) {
        if (context.draining().getAsBoolean()) {
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
        if (keepAlive) {
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
        queued.forEach(ReferenceCountUtil::release);
        queued.clear();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof java.io.IOException) {
            log.debug("connection {} failed: {}", ctx.channel(), cause.toString());
        } else {
            log.error("connection {} failed", ctx.channel(), cause);
        }
        ctx.close();
    }
}
