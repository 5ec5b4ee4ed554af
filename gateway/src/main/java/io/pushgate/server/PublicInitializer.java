package io.pushgate.server;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.pushgate.http.HttpService;

/**
 * The pipeline of a new connection on the public port, top to bottom. When a request opens an SSE
 * stream, every one of these handlers leaves and the stream's own handler stays alone (see
 * {@code Streams.open}).
 *
 * <pre>
 * deadline   RequestDeadline       408 / idle close, clocked by the loop's ticker
 * http       HttpServerCodec       request line and header limits (431)
 * keepalive  HttpServerKeepAliveHandler
 * body       BodyLimit             aggregates, 413 above --max-text
 * cors       CorsHandler           only when --cors-origins is set
 * router     HttpRouter            the routing table: resources, and the hand-over to SSE
 * </pre>
 */
final class PublicInitializer extends ChannelInitializer<SocketChannel> {
    private final HttpService http;

    PublicInitializer(HttpService http) {
        this.http = http;
    }

    @Override
    protected void initChannel(SocketChannel channel) {
        boolean overAcceptRate = !http.admit();
        ChannelPipeline pipeline = channel.pipeline();
        pipeline.addLast("deadline", http.deadline(channel));
        pipeline.addLast("http", http.codec());
        pipeline.addLast("keepalive", new HttpServerKeepAliveHandler());
        pipeline.addLast("body", http.bodyLimit());
        ChannelHandler cors = http.cors();
        if (cors != null) {
            pipeline.addLast("cors", cors);
        }
        pipeline.addLast("router", http.router(overAcceptRate));
    }
}
