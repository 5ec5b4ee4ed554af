package io.pushgate.admin;

import io.pushgate.metrics.AuthFailures;
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
import com.nimbusds.jose.util.JSONObjectUtils;
import io.pushgate.auth.Access;
import io.pushgate.broker.Broker;
import io.pushgate.model.NodeStatus;
import io.pushgate.model.Revocation;
import io.pushgate.topics.Topics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The admin endpoints: {@code GET /metrics} (Prometheus text, or OpenMetrics when {@code Accept}
 * asks for it), {@code GET /healthz} (the process answers), {@code GET /readyz} (503 with a one-line
 * reason while the broker is not connected or the node drains), HEAD on each of them; and
 * {@code POST /revocations?subject=…}, which revokes a subject on every node (its streams end, its
 * tokens issued until now are refused) and answers {@code {"subject":…,"at":…,"nodes":N}} once the
 * broker has handed it on, 503 when the broker cannot. With auth on, a revocation needs
 * {@code Authorization: Bearer} with a token that grants {@code "revoke": true} (401/403 else): the
 * admin port is reachable from outside in a container. Other methods get 405, other paths 404.
 *
 * <p>Thread rules: one shared instance, on the admin loop; it holds no per-channel state. A
 * revocation is answered from the broker's thread.
 */
@Sharable
final class AdminHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger log = LoggerFactory.getLogger(AdminHandler.class);
    private static final String TEXT = "text/plain; charset=utf-8";

    private static final Set<HttpMethod> READ = Set.of(HttpMethod.GET, HttpMethod.HEAD);
    private static final Map<String, Set<HttpMethod>> PATHS = Map.of("/metrics", READ, "/healthz", READ,
            "/readyz", READ, "/revocations", Set.of(HttpMethod.POST));

    private final NodeMetrics metrics;
    private final Broker broker;
    private final Topics topics;
    private final NodeStatus status;
    private final Access access;
    private final AuthFailures authFailures;

    AdminHandler(NodeMetrics metrics, Broker broker, Topics topics, NodeStatus status, Access access,
                 AuthFailures authFailures) {
        this.metrics = metrics;
        this.broker = broker;
        this.topics = topics;
        this.status = status;
        this.access = access;
        this.authFailures = authFailures;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        if (!request.decoderResult().isSuccess()) {
            respond(ctx, request, text(HttpResponseStatus.BAD_REQUEST, "malformed request"), false);
            return;
        }
        QueryStringDecoder uri = new QueryStringDecoder(request.uri());
        List<String> subjects;
        try {
            // Decoded here, so that a malformed escape is a 400 and not an exception out of the handler.
            subjects = uri.parameters().getOrDefault("subject", List.of());
        } catch (IllegalArgumentException malformed) {
            respond(ctx, request, text(HttpResponseStatus.BAD_REQUEST, "malformed percent-encoding in the URL"), false);
            return;
        }
        String path = uri.rawPath();
        Set<HttpMethod> methods = PATHS.get(path);
        FullHttpResponse response;
        if (methods == null) {
            response = text(HttpResponseStatus.NOT_FOUND, "no such resource (/metrics, /healthz, /readyz, /revocations)");
        } else if (!methods.contains(request.method())) {
            response = text(HttpResponseStatus.METHOD_NOT_ALLOWED, "method not allowed");
            response.headers().set(HttpHeaderNames.ALLOW, methods.contains(HttpMethod.POST) ? "POST" : "GET, HEAD");
        } else if (path.equals("/revocations")) {
            revoke(ctx, request, subjects);
            return;
        } else if (path.equals("/metrics")) {
            response = scrape(ctx, request.headers().get(HttpHeaderNames.ACCEPT));
        } else if (path.equals("/healthz")) {
            response = text(HttpResponseStatus.OK, "ok");
        } else {
            response = readiness();
        }
        respond(ctx, request, response, HttpUtil.isKeepAlive(request));
    }

    /** Revokes the one {@code subjects} named, answering once the broker has handed it to the nodes. */
    private void revoke(ChannelHandlerContext ctx, FullHttpRequest request, List<String> subjects) {
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        // The admin port takes a token from the Authorization header only (no query, no cookie).
        Access.Decision decision = access.revoke(Access.bearerToken(request.headers().get(HttpHeaderNames.AUTHORIZATION)));
        if (!decision.allowed()) {
            FullHttpResponse refused = text(HttpResponseStatus.valueOf(decision.status()), decision.reason());
            if (decision.status() == 401) {
                refused.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer error=\"invalid_token\"");
                authFailures.count(decision.failure().name());
            }
            log.debug("revocation refused: {} {}", decision.status(), decision.reason());
            respond(ctx, request, refused, keepAlive);
            return;
        }
        if (subjects.size() != 1 || subjects.get(0).isEmpty()) {
            respond(ctx, request, text(HttpResponseStatus.BAD_REQUEST, "name one subject: POST /revocations?subject=…"),
                    keepAlive);
            return;
        }
        Revocation revocation = new Revocation(subjects.get(0), Instant.ofEpochMilli(System.currentTimeMillis()));
        // The request is released when this method returns: the answer needs only its method and version.
        HttpMethod method = request.method();
        HttpVersion version = request.protocolVersion();
        topics.revoke(revocation).whenComplete((nodes, failure) -> {
            FullHttpResponse response;
            if (failure != null) {
                log.warn("revocation not sent: {}", failure.toString());
                response = text(HttpResponseStatus.SERVICE_UNAVAILABLE, "revocation not sent: broker unavailable");
            } else {
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("subject", revocation.subject());
                body.put("at", revocation.at().toString());
                body.put("nodes", nodes);
                response = full(HttpResponseStatus.OK, "application/json",
                        Unpooled.wrappedBuffer((JSONObjectUtils.toJSONString(body) + "\n").getBytes(StandardCharsets.UTF_8)));
            }
            respond(ctx, method, version, response, keepAlive);
        });
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
        if (status.starting()) {
            return text(HttpResponseStatus.SERVICE_UNAVAILABLE, "starting");
        }
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
        respond(ctx, request.method(), request.protocolVersion(), response, keepAlive);
    }

    private static void respond(ChannelHandlerContext ctx, HttpMethod method, HttpVersion version,
                                FullHttpResponse response, boolean keepAlive) {
        if (method.equals(HttpMethod.HEAD)) {
            response.content().clear();
        }
        if (keepAlive) {
            if (version.equals(HttpVersion.HTTP_1_0)) {
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
