package io.pushgate.admin;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.pushgate.auth.Access;
import io.pushgate.broker.Broker;
import io.pushgate.config.AdminSettings;
import io.pushgate.loops.FarDeadline;
import io.pushgate.loops.Transport;
import io.pushgate.metrics.AuthFailures;
import io.pushgate.metrics.NodeMetrics;
import io.pushgate.model.NodeStatus;
import io.pushgate.topics.Topics;

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
 * admin  AdminHandler           /metrics, /healthz, /readyz, /revocations
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

    /**
     * Binds {@code settings}' address (port 0: any free port) with the transport of the public port:
     * {@code /metrics} from {@code metrics}, {@code /readyz} from {@code status} and the broker's
     * health, {@code /revocations} through {@code topics} for a token that {@code access} lets revoke
     * (refused tokens counted in {@code authFailures}).
     */
    public static AdminServer start(AdminSettings settings, Transport transport, NodeMetrics metrics, Broker broker,
                                    Topics topics, NodeStatus status, Access access, AuthFailures authFailures)
            throws InterruptedException {
        AdminHandler handler = new AdminHandler(metrics, broker, topics, status, access, authFailures);
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("pushgate-admin"),
                transport.ioHandlers());
        FarDeadline.keepAsleep(group);
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channel(transport.serverChannel())
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
            return new AdminServer(group, bootstrap.bind(settings.bind(), settings.port()).sync().channel());
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
