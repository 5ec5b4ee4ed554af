package io.pushgate.http;

import io.pushgate.metrics.HttpErrors;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The request aggregator, answering an oversized body with 413 and a reason. Per channel. */
final class BodyLimit extends HttpObjectAggregator {
    private static final Logger log = LoggerFactory.getLogger(BodyLimit.class);
    private final HttpErrors errors;

    BodyLimit(int maxText, HttpErrors errors) {
        super(maxText);
        this.errors = errors;
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
        errors.count(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE);
        log.debug("413 from {}: body above {} bytes", ctx.channel().remoteAddress(), maxContentLength());
        ctx.writeAndFlush(Responses.closing(Responses.text(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
                        "text larger than " + maxContentLength() + " bytes")))
                .addListener(ChannelFutureListener.CLOSE);
    }
}
