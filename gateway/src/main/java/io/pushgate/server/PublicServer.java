package io.pushgate.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.pushgate.config.ServerSettings;
import io.pushgate.http.HttpService;
import io.pushgate.loops.Transport;

import java.net.InetSocketAddress;

/**
 * The public port, bound: only bootstraps (the pipeline is in {@link PublicInitializer}).
 *
 * <p>Thread rules: {@link #bind} and {@link #close} from any thread but an event loop.
 */
public final class PublicServer {
    private final Channel channel;

    private PublicServer(Channel channel) {
        this.channel = channel;
    }

    /** Binds {@code settings}' address on {@code transport}; accepts on {@code boss}, serves on {@code workers}. */
    public static PublicServer bind(ServerSettings settings, Transport transport, EventLoopGroup boss,
                                    EventLoopGroup workers, ByteBufAllocator alloc, HttpService http)
            throws InterruptedException {
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(boss, workers)
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, settings.backlog())
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childOption(ChannelOption.ALLOCATOR, alloc)
                // One allocator object for all channels (each still gets its own small handle).
                .childOption(ChannelOption.RCVBUF_ALLOCATOR, new AdaptiveRecvByteBufAllocator())
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK,
                        new WriteBufferWaterMark(settings.writeBufferLow(), settings.writeBufferHigh()))
                .childHandler(new PublicInitializer(http));
        if (settings.sendBuffer() > 0) {
            bootstrap.childOption(ChannelOption.SO_SNDBUF, settings.sendBuffer());
        }
        return new PublicServer(bootstrap.bind(settings.bind(), settings.port()).sync().channel());
    }

    /** The bound port (the real one when 0 was asked for). */
    public int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    /** Stops accepting; open connections stay. */
    public ChannelFuture close() {
        return channel.close();
    }
}
