package io.pushgate.node;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.pushgate.admin.AdminServer;
import io.pushgate.auth.Access;
import io.pushgate.auth.TokenVerifier;
import io.pushgate.broker.Broker;
import io.pushgate.broker.InMemoryBroker;
import io.pushgate.broker.redis.RedisBroker;
import io.pushgate.broker.redis.RedisIo;
import io.pushgate.config.NodeConfig;
import io.pushgate.http.HttpService;
import io.pushgate.hub.TopicHub;
import io.pushgate.loops.LoopIndex;
import io.pushgate.loops.LoopTicker;
import io.pushgate.loops.Transport;
import io.pushgate.metrics.AuthFailures;
import io.pushgate.metrics.CloseReason;
import io.pushgate.metrics.HttpErrors;
import io.pushgate.metrics.NodeMetrics;
import io.pushgate.server.PublicServer;
import io.pushgate.sse.Streams;
import io.pushgate.topics.Feeds;
import io.pushgate.topics.Topics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A running node: the composition root, where every part is built with its own settings and
 * wired to the others, and the one lifecycle (starting, running, draining, stopped). A start that
 * fails undoes what it had started; {@link #drain()} and {@link #close()} return the same future,
 * which completes once the node has stopped.
 *
 * <p>Thread rules: any thread but an event loop of the node (stopping waits for the loops).
 */
public final class Node {
    private static final Logger log = LoggerFactory.getLogger(Node.class);

    private final NodeConfig config;
    private final Lifecycle lifecycle = new Lifecycle();
    /** What the start opened, in order; closed in reverse order to stop. */
    private final Deque<AutoCloseable> opened = new ArrayDeque<>();
    private Broker broker;
    private Transport transport;
    private EventLoopGroup boss;
    private Topics topics;
    private Feeds feeds;
    private Streams streams;
    private PublicServer server;
    private AdminServer admin;
    private WarmUp.Outcome warmedUp = WarmUp.Outcome.OFF;

    private Node(NodeConfig config) {
        this.config = config;
    }

    /** Starts a node with the broker its configuration names (Redis, or the embedded one). */
    public static Node start(NodeConfig config) throws InterruptedException {
        return start(config, null);
    }

    /**
     * Starts a node on {@code broker} (tests); {@code null}: the broker of the configuration. The
     * node owns the broker and closes it. Returns once both ports are bound; throws, with
     * everything it opened closed again, when it cannot start.
     */
    public static Node start(NodeConfig config, Broker broker) throws InterruptedException {
        Node node = new Node(config);
        try {
            node.open(broker);
        } catch (Exception e) {
            // Not only the declared ones: Netty's bind().sync() rethrows the bind's IOException unchecked.
            node.closeOpened();
            throw e;
        }
        log.info("pushgate listening on {}:{} (transport {}, {} worker loops, broker {}, {}), admin {}:{}",
                config.server().bind(), node.port(), node.transport.name(), node.topics.hub().loopCount(),
                node.broker.describe(), node.warmedUp.describe(), config.admin().bind(), node.adminPort());
        // Last: /readyz turns 200 as the start returns, never before.
        node.lifecycle.running();
        return node;
    }

    private void open(Broker given) throws InterruptedException {
        transport = Transport.select(config.server().transport());
        // Named, so that a thread dump or /proc/<pid>/task tells the accepting loop from the workers.
        boss = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("pushgate-accept"), transport.ioHandlers());
        EventLoopGroup workers = new MultiThreadIoEventLoopGroup(config.server().workerThreads(),
                new DefaultThreadFactory("pushgate-loop"), transport.ioHandlers());
        opened.push(() -> {
            workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
            boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
        });
        // After the loops, so closed before them: a Redis broker does its I/O on the workers.
        broker = given != null ? given : config.redis().<Broker>map(redis -> {
            RedisIo io = RedisIo.on(workers, transport);
            log.info("redis client I/O on {}", io.describe());
            return new RedisBroker(redis, config.follow(), config.topics(), config.feeds(), io);
        }).orElseGet(() -> new InMemoryBroker(config.topics(), config.feeds()));
        opened.push(broker);
        NodeMetrics metrics = new NodeMetrics(config.admin().nodeName());
        opened.push(metrics);

        LoopIndex loops = new LoopIndex(workers);
        Duration tick = LoopTicker.periodFor(config.streams().heartbeat(), config.streams().slowConsumerTimeout(),
                config.http().headerTimeout());
        LoopTicker[] tickers = new LoopTicker[loops.size()];
        for (int i = 0; i < tickers.length; i++) {
            tickers[i] = new LoopTicker(loops.loop(i), tick);
        }
        // Frames come from the pooled allocator: its retained slices and duplicates are recycled, so
        // a write that has to be queued allocates nothing (the adaptive default's are new objects).
        topics = new Topics(broker, loops, PooledByteBufAllocator.DEFAULT, metrics.fanOut());
        feeds = new Feeds(broker, loops, PooledByteBufAllocator.DEFAULT, metrics.fanOut(), config.feeds().cap());
        StreamCap cap = StreamCap.of(config.streams().maxStreams(), StreamCap.ofThisProcess());
        if (cap.lowered()) {
            log.warn(cap.describe(config.streams().maxStreams()));
        } else {
            log.info(cap.describe(config.streams().maxStreams()));
        }
        streams = new Streams(config.streams().withMaxStreams(cap.streams()), topics, feeds, loops, tickers, lifecycle);
        opened.push(() -> streams.closeAll().get(5, TimeUnit.SECONDS));
        HttpErrors errors = new HttpErrors();
        AuthFailures authFailures = new AuthFailures(
                Arrays.stream(TokenVerifier.Failure.values()).map(Enum::name).toList());
        Access access = Access.of(config.auth());
        if (!access.enabled()) {
            log.warn("no auth key configured (--auth-secret-file, --auth-jwks-file): anyone who reaches this node "
                    + "may publish to and read every topic");
        }
        // A revocation first refuses the subject's older tokens, then ends its streams: a client that
        // reconnects at once with the token it had is refused.
        topics.onRevoked(revocation -> {
            access.revoked(revocation);
            streams.endSubject(revocation.subject()).thenAccept(ended ->
                    log.info("subject '{}' revoked: {} stream(s) ended on this node",
                            revocation.subject().replaceAll("\\p{Cntrl}", "?"), ended));
        });
        HttpService http = new HttpService(config.http(), access, topics, feeds, streams, errors, authFailures, lifecycle,
                loops, tickers);
        metrics.bind(topics.hub(), feeds, streams, errors, authFailures, broker, workers,
                List.of(ByteBufAllocator.DEFAULT, PooledByteBufAllocator.DEFAULT));
        for (LoopTicker ticker : tickers) {
            ticker.loop().execute(ticker::start);
        }
        broker.startFeeds(feeds);
        broker.start(topics);
        watchBroker();
        boss.scheduleAtFixedRate(new RefusalReport(errors, "minute"), 1, 1, TimeUnit.MINUTES);

        server = PublicServer.bind(config.server(), transport, boss, workers, ByteBufAllocator.DEFAULT, http);
        opened.push(() -> server.close().awaitUninterruptibly());
        admin = AdminServer.start(config.admin(), transport, metrics, broker, topics, lifecycle, access, authFailures);
        opened.push(admin);
        // Last, with every port open: /readyz answers "starting" meanwhile.
        if (!config.warmUp().limit().isZero()) {
            log.info("serving on {}:{}, warming up (at most {} s) before /readyz turns 200", config.server().bind(),
                    server.port(), config.warmUp().limit().toSeconds());
        }
        warmedUp = WarmUp.run(config.warmUp().limit(), config, transport, boss, workers, loops, lifecycle);
    }

    /** Closes what the start opened, newest first; a failure of one is logged and the rest still closed. */
    private void closeOpened() {
        while (!opened.isEmpty()) {
            AutoCloseable part = opened.pop();
            try {
                part.close();
            } catch (Exception e) {
                log.warn("closing {} failed: {}", part, e.toString());
            }
        }
    }

    public int port() {
        return server.port();
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
        return topics.hub();
    }

    /** The node's feeds (their hub and counts), for tests. */
    public Feeds feeds() {
        return feeds;
    }

    public Broker broker() {
        return broker;
    }

    /**
     * The graceful stop (README "Shutdown"): the node is draining at once ({@code /readyz} fails),
     * keeps accepting for the grace period, then stops accepting and ends the streams in batches
     * over the rest of the drain window ({@link DrainPlan}), each with a jittered {@code retry:},
     * and finally stops. A second call changes nothing; every call returns the same future.
     */
    public CompletableFuture<Void> drain() {
        if (lifecycle.beginDrain()) {
            log.info("draining: {} streams; ends them over the drain window after a {} ms grace", streams.count(),
                    config.drain().grace().toMillis());
            schedule(this::endStreams, config.drain().grace().toMillis());
        }
        return lifecycle.stopped();
    }

    private void endStreams() {
        server.close();
        endInBatches(CloseReason.DRAIN, config.drain().grace(), plan -> {
            // Streams opened on kept-alive connections during the drain were ended as they opened.
            schedule(this::close, plan.end());
        });
    }

    /**
     * Ends the streams open now for {@code reason}, in batches over the drain window less
     * {@code grace} ({@link DrainPlan}), each with a jittered {@code retry:}; then hands the plan to
     * {@code then}.
     */
    private void endInBatches(CloseReason reason, Duration grace, Consumer<DrainPlan> then) {
        streams.beginEnding(reason).thenRun(() -> {
            DrainPlan plan = DrainPlan.of(streams.count(), config.drain().timeout(), grace);
            log.debug("{} plan: {}", reason, plan);
            for (int batch = 0; batch < plan.batches(); batch++) {
                int b = batch;
                schedule(() -> streams.endBatch(b, plan.batches()), plan.startOf(batch));
            }
            then.accept(plan);
        });
    }

    /**
     * Checks, ten times per hand-off bound (at most every 100 ms), whether the broker is lost for
     * too long: the streams are handed off between the bound and 1.2 times it (a period to notice
     * the loss, one to pass the bound). A broker that cannot be lost (the embedded one) is not
     * watched: the check would only wake the accepting loop.
     */
    private void watchBroker() {
        long bound = config.drain().brokerLossHandoff().toNanos();
        if (bound == 0 || !broker.canDisconnect()) {
            return;
        }
        BrokerLossWatch watch = new BrokerLossWatch(bound);
        long period = Math.max(100, TimeUnit.NANOSECONDS.toMillis(bound) / 10);
        boss.scheduleAtFixedRate(() -> {
            if (watch.handOff(broker.connected(), System.nanoTime())) {
                handOff();
            }
        }, period, period, TimeUnit.MILLISECONDS);
    }

    /**
     * Hands the streams to healthy nodes because the broker has been lost for longer than
     * {@code --broker-loss-handoff}: ended in batches over the drain window as in a drain, each with
     * a jittered {@code retry:}; the node stays up and takes new streams.
     */
    private void handOff() {
        if (lifecycle.draining()) {
            return;
        }
        log.warn("broker lost for more than {} s: handing {} streams to other nodes over {} s",
                config.drain().brokerLossHandoff().toSeconds(), streams.count(), config.drain().timeout().toSeconds());
        endInBatches(CloseReason.BROKER_LOST, Duration.ZERO, plan -> { });
    }

    /** Runs {@code task} on the accepting loop after {@code millis}, unless the node has stopped meanwhile. */
    private void schedule(Runnable task, long millis) {
        try {
            boss.schedule(task, millis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException stopped) {
            // close() won the race: nothing left to drain.
        }
    }

    /**
     * Stops at once: closes every connection, the loops, the admin port and the broker. Every
     * call returns the same future, completed once all is closed.
     */
    public CompletableFuture<Void> close() {
        if (lifecycle.beginStop()) {
            Thread stopper = new Thread(() -> {
                closeOpened();
                lifecycle.stopped().complete(null);
            }, "pushgate-stop");
            stopper.start();
        }
        return lifecycle.stopped();
    }
}
