package io.pushgate.node;

import io.pushgate.loops.Transport;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.cors.CorsConfig;
import io.netty.handler.codec.http.cors.CorsConfigBuilder;
import io.pushgate.broker.Broker;
import io.pushgate.config.Config;
import io.pushgate.http.AcceptRate;
import io.pushgate.http.DemoPage;
import io.pushgate.metrics.HttpErrors;
import io.pushgate.http.RequestTimeouts;
import io.pushgate.http.RouterContext;
import io.pushgate.loops.LoopIndex;
import io.pushgate.hub.TopicHub;
import io.pushgate.admin.AdminHandler;
import io.pushgate.admin.AdminServer;
import io.pushgate.metrics.NodeMetrics;
import io.pushgate.sse.Streams;
import io.pushgate.server.GatewayInitializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A running node: binds the public port and the admin port and wires broker, hub, streams and
 * metrics. It only bootstraps; the pipeline is in {@link GatewayInitializer}, the fan-out in
 * {@link TopicHub}, the meters in {@link NodeMetrics}, the admin endpoints in {@link AdminServer}.
 *
 * <p>Thread rules: {@link #start}, {@link #drain} and {@link #close} from any thread.
 */
public final class Node implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Node.class);

    private final Config config;
    private final Broker broker;
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final TopicHub hub;
    private final Streams streams;
    private final HttpErrors errors;
    private final Channel serverChannel;
    private final NodeMetrics metrics;
    private final AdminServer admin;
    private final Transport transport;
    private volatile boolean draining;

    private Node(Config config, Broker broker) throws InterruptedException {
        this.config = config;
        this.broker = broker;
        this.transport = Transport.select(config.transport());
        int threads = config.workers() > 0 ? config.workers() : Runtime.getRuntime().availableProcessors();
        this.boss = new MultiThreadIoEventLoopGroup(1, transport.ioHandlers());
        this.workers = new MultiThreadIoEventLoopGroup(threads, transport.ioHandlers());
        LoopIndex loops = new LoopIndex(workers);
        ByteBufAllocator alloc = ByteBufAllocator.DEFAULT;
        this.metrics = new NodeMetrics(config.nodeName());
        // Frames come from the pooled allocator: its retainedDuplicate() views are recycled, so a
        // delivery allocates nothing per subscriber (the adaptive default's views are new objects).
        this.hub = new TopicHub(broker, loops, PooledByteBufAllocator.DEFAULT, metrics.hub());
        this.streams = new Streams(config, hub, loops);
        this.errors = new HttpErrors();
        metrics.bind(hub, streams, errors, broker, workers, List.of(alloc, PooledByteBufAllocator.DEFAULT));
        RequestTimeouts[] timeouts = new RequestTimeouts[loops.size()];
        for (int i = 0; i < timeouts.length; i++) {
            RequestTimeouts perLoop = new RequestTimeouts(loops.loop(i), config.headerTimeout());
            timeouts[i] = perLoop;
            loops.loop(i).execute(perLoop::start);
        }
        broker.start(hub);
        streams.start();
        RouterContext context = new RouterContext(config, broker, hub, streams, errors, () -> draining, DemoPage.load());
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(boss, workers)
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, config.backlog())
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childOption(ChannelOption.ALLOCATOR, alloc)
                // One allocator object for all channels (each still gets its own small handle).
                .childOption(ChannelOption.RCVBUF_ALLOCATOR, new AdaptiveRecvByteBufAllocator())
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK,
                        new WriteBufferWaterMark(config.writeBufferLow(), config.writeBufferHigh()))
                .childHandler(new GatewayInitializer(context, loops, timeouts, new AcceptRate(config.acceptRate()),
                        cors(config.corsOrigins())));
        try {
            this.serverChannel = bootstrap.bind(config.bind(), config.port()).sync().channel();
        } catch (RuntimeException | InterruptedException e) {
            shutdownGroups();
            metrics.close();
            throw e;
        }
        try {
            this.admin = AdminServer.start(config.adminBind(), config.adminPort(), transport.ioHandlers(),
                    transport.serverChannel(), new AdminHandler(metrics, broker, () -> draining));
        } catch (RuntimeException | InterruptedException e) {
            serverChannel.close().awaitUninterruptibly();
            shutdownGroups();
            metrics.close();
            throw e;
        }
    }

    /** Starts a node on {@code broker}; returns once the port is bound. */
    public static Node start(Config config, Broker broker) throws InterruptedException {
        Node server = new Node(config, broker);
        log.info("pushgate listening on {}:{} (transport {}, {} worker loops, broker {}), admin {}:{}", config.bind(),
                server.port(), server.transport.name(), server.hub().loopCount(), broker.describe(), config.adminBind(),
                server.adminPort());
        return server;
    }

    private static CorsConfig cors(List<String> origins) {
        if (origins.isEmpty()) {
            return null;
        }
        CorsConfigBuilder builder = origins.contains("*")
                ? CorsConfigBuilder.forAnyOrigin()
                : CorsConfigBuilder.forOrigins(origins.toArray(new String[0]));
        return builder
                .allowedRequestMethods(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.PUT)
                .allowedRequestHeaders(HttpHeaderNames.CONTENT_TYPE, "Last-Event-ID", HttpHeaderNames.IF_NONE_MATCH,
                        HttpHeaderNames.CACHE_CONTROL)
                .exposeHeaders(HttpHeaderNames.ETAG)
                .maxAge(600)
                .build();
    }

    public int port() {
        return ((InetSocketAddress) serverChannel.localAddress()).getPort();
    }

    /** The admin port (/metrics, /healthz, /readyz). */
    public int adminPort() {
        return admin.port();
    }

    public String transportName() {
        return transport.name();
    }

    public Streams streams() {
        return streams;
    }

    public TopicHub hub() {
        return hub;
    }

    public Broker broker() {
        return broker;
    }

    public HttpErrors errors() {
        return errors;
    }

    public boolean draining() {
        return draining;
    }

    /**
     * The graceful stop of DESIGN.md: marks the node draining (readiness fails), keeps accepting for
     * the grace period, then stops accepting and closes the streams in batches over the rest of the
     * drain window, each with a jittered {@code retry:}, and finally shuts everything down. The
     * future completes when all is closed, within the drain timeout.
     */
    public CompletableFuture<Void> drain() {
        if (draining) {
            return CompletableFuture.completedFuture(null);
        }
        draining = true;
        CompletableFuture<Void> done = new CompletableFuture<>();
        long grace = config.drainGrace().toMillis();
        // Keep a quarter of the window (at most 2 s) for the final close and the loops' shutdown.
        long window = Math.max(0, config.drainTimeout().toMillis() - grace
                - Math.min(2000, config.drainTimeout().toMillis() / 4));
        log.info("draining: {} streams over {} ms after a {} ms grace", streams.count(), window, grace);
        boss.schedule(() -> {
            serverChannel.close();
            List<Channel> open = streams.channels();
            int batches = (int) Math.max(1, Math.min(open.size(), window / 100));
            long interval = batches > 1 ? window / batches : 0;
            closeBatch(open, 0, batches, interval, done);
        }, grace, TimeUnit.MILLISECONDS);
        return done;
    }

    private void closeBatch(List<Channel> open, int batch, int batches, long interval, CompletableFuture<Void> done) {
        int from = (int) ((long) open.size() * batch / batches);
        int to = (int) ((long) open.size() * (batch + 1) / batches);
        for (int i = from; i < to; i++) {
            streams.drain(open.get(i));
        }
        if (batch + 1 < batches) {
            boss.schedule(() -> closeBatch(open, batch + 1, batches, interval, done), interval, TimeUnit.MILLISECONDS);
        } else {
            // Streams opened on kept-alive connections during the drain were answered with a close.
            boss.schedule(() -> CompletableFuture.runAsync(() -> {
                close();
                done.complete(null);
            }), Math.min(500, interval + 100), TimeUnit.MILLISECONDS);
        }
    }

    /** Stops at once: closes every connection and the loops. */
    @Override
    public synchronized void close() {
        if (workers.isShuttingDown()) {
            return;
        }
        draining = true;
        serverChannel.close().awaitUninterruptibly();
        streams.closeAll().awaitUninterruptibly();
        shutdownGroups();
        admin.close();
        metrics.close();
        broker.close();
    }

    private void shutdownGroups() {
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
        boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
    }
}
