package io.pushgate.admin;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * The admin port, apart from the public one: its own single event loop, so that scrapes and
 * readiness checks are answered while the workers are busy, and a scrape (which walks every meter)
 * never delays a fan-out. It only bootstraps; the endpoints are in {@link AdminHandler}.
 *
 * <pre>
 * http   HttpServerCodec
 * body   HttpObjectAggregator   8 KiB: admin requests carry no body
 * admin  AdminHandler           /metrics, /healthz, /readyz
 * </pre>
 *
 * <p>Thread rules: {@link #start} and {@link #close} from any thread.
 */
public final class AdminServer implements AutoCloseable {
    private final EventLoopGroup group;
    private final Channel channel;

    private AdminServer(EventLoopGroup group, Channel channel) {
        this.group = group;
        this.channel = channel;
    }

    /** Binds {@code bind:port} (0: any free port) with the transport of the public port. */
    public static AdminServer start(String bind, int port, IoHandlerFactory ioHandlers,
                                    Class<? extends ServerChannel> serverChannel, AdminHandler handler)
            throws InterruptedException {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("pushgate-admin"), ioHandlers);
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channel(serverChannel)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline()
                                .addLast("http", new HttpServerCodec())
                                .addLast("body", new HttpObjectAggregator(8 * 1024))
                                .addLast("admin", handler);
                    }
                });
        try {
            return new AdminServer(group, bootstrap.bind(bind, port).sync().channel());
        } catch (RuntimeException | InterruptedException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
            throw e;
        }
    }

    /** The bound port (the real one when 0 was asked for). */
    public int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
    }
}
