package io.pushgate.server;

import io.pushgate.sse.Streams;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.codec.http.cors.CorsConfig;
import io.netty.handler.codec.http.cors.CorsHandler;
import io.pushgate.http.AcceptRate;
import io.pushgate.http.HttpRouter;
import io.pushgate.http.RequestDeadline;
import io.pushgate.http.RequestTimeouts;
import io.pushgate.http.RouterContext;
import io.pushgate.loops.LoopIndex;
import io.pushgate.http.BodyLimit;

/**
 * The pipeline of a new connection, top to bottom. When a request opens an SSE stream, every one of
 * these handlers leaves and the stream's own handler stays alone (see {@code Streams.open}).
 *
 * <pre>
 * deadline   RequestDeadline       408 / idle close, clocked by the loop's RequestTimeouts
 * http       HttpServerCodec       request line and header limits (431)
 * keepalive  HttpServerKeepAliveHandler
 * body       BodyLimit             aggregates, 413 above --max-text
 * cors       CorsHandler           only when --cors-origins is set
 * router     HttpRouter            the REST surface and the hand-over to SSE
 * </pre>
 */
public final class GatewayInitializer extends ChannelInitializer<SocketChannel> {
    private final RouterContext context;
    private final LoopIndex loops;
    private final RequestTimeouts[] timeouts;
    private final AcceptRate acceptRate;
    private final CorsConfig cors;

    public GatewayInitializer(RouterContext context, LoopIndex loops, RequestTimeouts[] timeouts, AcceptRate acceptRate,
                       CorsConfig cors) {
        this.context = context;
        this.loops = loops;
        this.timeouts = timeouts;
        this.acceptRate = acceptRate;
        this.cors = cors;
    }

    @Override
    protected void initChannel(SocketChannel channel) {
        boolean overRate = !acceptRate.tryAcquire();
        var config = context.config();
        ChannelPipeline pipeline = channel.pipeline();
        pipeline.addLast("deadline", new RequestDeadline(timeouts[loops.of(channel.eventLoop())], context.errors()));
        pipeline.addLast("http", new HttpServerCodec(config.maxInitialLine(), config.maxHeaderSize(), 8192));
        pipeline.addLast("keepalive", new HttpServerKeepAliveHandler());
        pipeline.addLast("body", new BodyLimit(config.maxText(), context.errors()));
        if (cors != null) {
            pipeline.addLast("cors", new CorsHandler(cors));
        }
        pipeline.addLast("router", new HttpRouter(context, overRate));
    }
}
