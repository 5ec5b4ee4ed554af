package io.pushgate.admin;

import io.pushgate.metrics.NodeMetrics;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.pushgate.broker.Broker;
import io.pushgate.model.NodeStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The admin endpoints: {@code GET /metrics} (Prometheus text, or OpenMetrics when {@code Accept}
 * asks for it), {@code GET /healthz} (the process answers), {@code GET /readyz} (503 with a one-line
 * reason while the broker is not connected or the node drains). HEAD works too; other methods get
 * 405, other paths 404.
 *
 * <p>Thread rules: one shared instance, on the admin loop; it holds no per-channel state.
 */
@Sharable
final class AdminHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger log = LoggerFactory.getLogger(AdminHandler.class);
    private static final String TEXT = "text/plain; charset=utf-8";

    private final NodeMetrics metrics;
    private final Broker broker;
    private final NodeStatus status;

    AdminHandler(NodeMetrics metrics, Broker broker, NodeStatus status) {
        this.metrics = metrics;
        this.broker = broker;
        this.status = status;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        if (!request.decoderResult().isSuccess()) {
            respond(ctx, request, text(HttpResponseStatus.BAD_REQUEST, "malformed request"), false);
            return;
        }
        String path = new QueryStringDecoder(request.uri()).path();
        boolean known = path.equals("/metrics") || path.equals("/healthz") || path.equals("/readyz");
        FullHttpResponse response;
        if (!known) {
            response = text(HttpResponseStatus.NOT_FOUND, "no such resource (/metrics, /healthz, /readyz)");
        } else if (!request.method().equals(HttpMethod.GET) && !request.method().equals(HttpMethod.HEAD)) {
            response = text(HttpResponseStatus.METHOD_NOT_ALLOWED, "method not allowed");
            response.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
        } else if (path.equals("/metrics")) {
            response = scrape(ctx, request.headers().get(HttpHeaderNames.ACCEPT));
        } else if (path.equals("/healthz")) {
            response = text(HttpResponseStatus.OK, "ok");
        } else {
            response = readiness();
        }
        respond(ctx, request, response, HttpUtil.isKeepAlive(request));
    }

    private FullHttpResponse scrape(ChannelHandlerContext ctx, String accept) {
        String contentType = NodeMetrics.contentType(accept);
        ByteBuf body = ctx.alloc().buffer(16 * 1024);
        try (ByteBufOutputStream out = new ByteBufOutputStream(body)) {
            metrics.scrape(out, contentType);
        } catch (IOException | RuntimeException e) {
            body.release();
            log.error("scrape failed", e);
            return text(HttpResponseStatus.INTERNAL_SERVER_ERROR, "scrape failed");
        }
        return full(HttpResponseStatus.OK, contentType, body);
    }

    private FullHttpResponse readiness() {
        if (status.draining()) {
            return text(HttpResponseStatus.SERVICE_UNAVAILABLE, "draining");
        }
        if (!broker.connected()) {
            return text(HttpResponseStatus.SERVICE_UNAVAILABLE, "broker " + broker.describe() + " not connected");
        }
        return text(HttpResponseStatus.OK, "ready");
    }

    private static void respond(ChannelHandlerContext ctx, FullHttpRequest request, FullHttpResponse response,
                                boolean keepAlive) {
        if (request.method().equals(HttpMethod.HEAD)) {
            response.content().clear();
        }
        if (keepAlive) {
            if (request.protocolVersion().equals(HttpVersion.HTTP_1_0)) {
                response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            }
            ctx.writeAndFlush(response, ctx.voidPromise());
        } else {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }

    private static FullHttpResponse text(HttpResponseStatus status, String line) {
        return full(status, TEXT, Unpooled.wrappedBuffer((line + "\n").getBytes(StandardCharsets.UTF_8)));
    }

    private static FullHttpResponse full(HttpResponseStatus status, String contentType, ByteBuf body) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, contentType)
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        return response;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException) {
            log.debug("admin connection {} failed: {}", ctx.channel(), cause.toString());
        } else {
            log.error("admin connection {} failed", ctx.channel(), cause);
        }
        ctx.close();
    }
}
