package io.pushgate.http;

import io.pushgate.metrics.HttpErrors;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpResponseStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The slowloris guard, first in the pipeline: a request must arrive whole within the header
 * timeout, counted from the connection's start or the end of the previous response. A connection
 * that sent part of a request gets 408; an idle keep-alive connection is closed quietly. The clock
 * is its loop's {@link RequestTimeouts} tick, not a timer per channel.
 *
 * <p>Thread rules: one per channel, on its loop.
 */
final class RequestDeadline extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(RequestDeadline.class);

    private final RequestTimeouts timeouts;
    private final HttpErrors errors;
    private ChannelHandlerContext ctx;
    private boolean started;
    long deadline;

    RequestDeadline(RequestTimeouts timeouts, HttpErrors errors) {
        this.timeouts = timeouts;
        this.errors = errors;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        arm();
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        started = true;
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        timeouts.remove(this);
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        timeouts.remove(this);
    }

    /** A whole request arrived: stop the clock until the response is out. */
    void disarm() {
        timeouts.remove(this);
    }

    /** The response is out; the next request must arrive within the timeout. */
    void arm() {
        started = false;
        timeouts.add(this);
    }

    void expire() {
        if (!ctx.channel().isActive()) {
            return;
        }
        if (started) {
            errors.count(HttpResponseStatus.REQUEST_TIMEOUT);
            log.debug("408 to {}: request not complete in time", ctx.channel().remoteAddress());
            ctx.writeAndFlush(Responses.raw(HttpResponseStatus.REQUEST_TIMEOUT, "request not complete in time"))
                    .addListener(ChannelFutureListener.CLOSE);
        } else {
            ctx.close();
        }
    }
}
